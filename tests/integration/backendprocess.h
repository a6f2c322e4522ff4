#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QTemporaryFile>

#include <memory>

/// A real jobdeskd for a test: started on free ports in a data dir, its
/// READY line parsed; stopped (SIGTERM, then SIGKILL) when destroyed.
class BackendProcess
{
public:
    /// `dataDir` empty = a fresh temporary folder owned by this object.
    explicit BackendProcess(QString dataDir = {});
    ~BackendProcess();

    /// Starts jobdeskd with `--workers workers` plus `extraArgs`, and waits
    /// for READY. Returns false (and fills errorText) when it did not come up.
    bool start(int workers = 2, const QStringList &extraArgs = {});
    /// SIGTERM and wait; returns the exit code (-1 when it had to be killed).
    int stop();
    /// SIGKILL, no goodbye.
    void kill();

    static QString program(const QString &name);

    QString dataDir() const { return m_dataDir; }
    QString httpBase() const { return m_httpBase; } // http://127.0.0.1:PORT
    QString controlEndpoint() const { return m_control; }
    QString eventsEndpoint() const { return m_events; }
    QString token() const;
    qint64 pid() const { return m_process ? m_process->processId() : 0; }
    QString errorText() const { return m_errorText; }
    /// Everything jobdeskd wrote on stderr so far.
    QByteArray log();

private:
    std::unique_ptr<QTemporaryDir> m_ownDir;
    QString m_dataDir;
    std::unique_ptr<QProcess> m_process;
    /// jobdeskd's stderr goes to a file: a pipe nobody drains would fill up
    /// and block the daemon's logging (one line per state change).
    std::unique_ptr<QTemporaryFile> m_logFile;
    QString m_httpBase, m_control, m_events, m_errorText;
};
