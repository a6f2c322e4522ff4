#pragma once

#include <QString>

namespace jobdesk {

/// Starts the embedded default backend: `jobdeskd` with no flags, found next
/// to the jobdesk binary (else on PATH), detached so that jobs carry on after
/// the window closes; its output goes to a log file in the cache folder.
class LocalBackendLauncher final
{
public:
    /// The jobdeskd to start, or empty when there is none.
    static QString program();
    /// Where its stdout and stderr go.
    static QString logFile();

    /// Returns false and sets `error` when it could not be started.
    bool start(QString *error);
    qint64 pid() const { return m_pid; }
    /// Whether the started process is still alive.
    bool isRunning() const;
    /// Whether a process lives (a zombie does not).
    static bool isAlive(qint64 pid);

private:
    qint64 m_pid = 0;
};

} // namespace jobdesk
