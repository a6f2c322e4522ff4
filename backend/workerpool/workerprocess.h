#pragma once

#include <QByteArray>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace jobdesk {

/// One jobdesk-worker child process: started in its own process group with
/// PR_SET_PDEATHSIG so it dies with the backend, its output forwarded line by
/// line into the `jobdesk.worker` log (bounded, never left unread so the
/// worker never blocks on a full pipe), killed as a whole group.
class WorkerProcess final : public QObject
{
    Q_OBJECT
public:
    explicit WorkerProcess(QString identity, QObject *parent = nullptr);
    /// Kills the process group and reaps the child (bounded wait), silently.
    ~WorkerProcess() override;

    /// `secret` goes into the child's environment, never its arguments
    /// (which any local user can read in /proc). The child runs `niceness`
    /// steps nicer than this process (at most 19).
    void start(const QString &program, const QStringList &arguments, const QByteArray &secret,
               int niceness = 0);

    qint64 pid() const { return m_process.processId(); }
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    /// SIGKILL to the worker's process group: the worker and anything it started.
    void killGroup();
    /// Waits until the child has exited and been reaped; false on timeout.
    bool waitForExit(int msecs);

Q_SIGNALS:
    /// Once, when the process has ended or could not start: `how` says which
    /// ("exited with code 70", "was killed by signal 9", ...).
    void exited(const QString &how);

private:
    void forwardOutput();
    void logLine(const QByteArray &line);
    void reportExit(const QString &how);

    QString m_identity;
    QProcess m_process;
    qint64 m_groupId = 0; // the worker's pid, which setpgid(0, 0) made its group's id
    QByteArray m_partialLine;
    bool m_exitReported = false;
};

} // namespace jobdesk
