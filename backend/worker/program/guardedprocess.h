#pragma once

#include <QString>
#include <QStringList>
#include <sys/types.h>

namespace jobdesk {

/// A program a job runs, in a process group of its own, under a guard.
///
/// The worker forks a small guard process that leads a new process group and
/// starts the program in it. The guard does three things, using only
/// async-signal-safe system calls (it is a fork of a threaded process and
/// never execs): it reports how the program ended through a pipe; once the
/// program ends it kills whatever the program left behind in the group; and
/// when the worker dies, however it dies (PR_SET_PDEATHSIG), it kills the
/// whole group. So neither a cancel nor a crashed worker leaves orphans,
/// not even the grandchildren of a shell script.
///
/// Not thread-safe; one object per run. The destructor kills the group and
/// reaps the guard if they still run.
class GuardedProcess
{
public:
    struct Spec
    {
        QString program; // an absolute path, or a name looked up in PATH
        QStringList arguments;
        QString workingDirectory; // empty: the worker's
        QStringList environment;  // the whole environment, "NAME=value"
    };

    enum class Ending
    {
        Running,
        Exited,     // exitCode()
        Signalled,  // signalNumber(): the program was killed by a signal
        NotStarted, // startErrno(): exec or chdir failed
        Killed,     // the group was killed before the program's end was reported
    };

    GuardedProcess() = default;
    ~GuardedProcess();

    GuardedProcess(const GuardedProcess &) = delete;
    GuardedProcess &operator=(const GuardedProcess &) = delete;

    /// Starts the guard and the program. False (with `error`) when the
    /// pipes or the fork fail; a program that cannot be executed is reported
    /// later as NotStarted.
    bool start(const Spec &spec, QString *error);

    /// The read ends of the program's stdout and stderr (non-blocking), or
    /// -1 once closeOutput() was called.
    int stdoutFd() const { return m_stdout; }
    int stderrFd() const { return m_stderr; }
    void closeOutput();

    /// Reaps the guard if it has ended; true once it has.
    bool tryReap();
    /// SIGTERM to the whole group (the guard stays to report the ending).
    void terminate();
    /// SIGKILL to the whole group.
    void kill();

    Ending ending() const { return m_ending; }
    int exitCode() const { return m_exitCode; }
    int signalNumber() const { return m_signal; }
    int startErrno() const { return m_startErrno; }
    /// What failed when NotStarted: "exec" or "chdir".
    QString startStep() const { return m_startStep; }
    /// A one-line description of the ending ("exited with code 3", ...).
    QString describeEnding() const;

private:
    void readReport();

    pid_t m_guard = -1;
    int m_stdout = -1;
    int m_stderr = -1;
    int m_report = -1;
    Ending m_ending = Ending::Running;
    int m_exitCode = 0;
    int m_signal = 0;
    int m_startErrno = 0;
    QString m_startStep;
};

} // namespace jobdesk
