#include "tmpfsmount.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStorageInfo>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

TmpfsMount::TmpfsMount(QString mountPoint)
    : m_mountPoint(std::move(mountPoint))
{
}

TmpfsMount::~TmpfsMount()
{
    unmount();
}

bool TmpfsMount::mount(qint64 sizeBytes)
{
    if (!QDir().mkpath(m_mountPoint)) {
        m_error = QStringLiteral("cannot create %1").arg(m_mountPoint);
        return false;
    }
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("mount"),
            {QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"),
             QStringLiteral("size=%1,mode=0700").arg(sizeBytes), QStringLiteral("tmpfs"),
             m_mountPoint});
    if (!p.waitForFinished(10000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        m_error = QStringLiteral("mount -t tmpfs failed (exit %1): %2")
                      .arg(p.exitCode())
                      .arg(QString::fromUtf8(p.readAll()).trimmed());
        if (p.error() == QProcess::FailedToStart)
            m_error = QStringLiteral("cannot run mount: %1").arg(p.errorString());
        return false;
    }
    m_mounted = true;
    return true;
}

void TmpfsMount::unmount()
{
    if (!m_mounted)
        return;
    m_mounted = false;
    QProcess::execute(QStringLiteral("umount"), {QStringLiteral("-l"), m_mountPoint});
}

qint64 TmpfsMount::freeBytes() const
{
    QStorageInfo info(m_mountPoint);
    info.refresh();
    return info.bytesAvailable();
}

qint64 TmpfsMount::fillWith(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return 0;
    const QByteArray chunk(64 * 1024, 'x');
    qint64 total = 0;
    // Large chunks first, then single pages, so the last free bytes go too.
    for (qsizetype size : {chunk.size(), qsizetype(4096), qsizetype(1)}) {
        for (;;) {
            const ssize_t n = ::write(fd, chunk.constData(), std::size_t(size));
            if (n <= 0) {
                if (n < 0 && errno == EINTR)
                    continue;
                break;
            }
            total += n;
        }
    }
    ::fsync(fd);
    ::close(fd);
    return total;
}
