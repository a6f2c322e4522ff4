#pragma once

#include <QString>

/// A small tmpfs mounted for one test and unmounted when it goes: the honest
/// way to fill a disk when the tests run as root, where permissions do not
/// stop writes. Needs CAP_SYS_ADMIN; mount() says why when it cannot.
class TmpfsMount
{
public:
    explicit TmpfsMount(QString mountPoint);
    ~TmpfsMount();

    TmpfsMount(const TmpfsMount &) = delete;
    TmpfsMount &operator=(const TmpfsMount &) = delete;

    bool mount(qint64 sizeBytes);
    /// Unmounts (lazily, so a process still holding a file cannot keep it).
    void unmount();
    QString errorText() const { return m_error; }
    QString path() const { return m_mountPoint; }

    /// Bytes still free on the mount.
    qint64 freeBytes() const;
    /// Writes `path` until the file system refuses more; returns the bytes
    /// written. Leaves the mount full.
    static qint64 fillWith(const QString &path);

private:
    QString m_mountPoint;
    QString m_error;
    bool m_mounted = false;
};
