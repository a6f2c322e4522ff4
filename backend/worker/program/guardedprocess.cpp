#include "guardedprocess.h"

#include <QFile>
#include <QStandardPaths>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace jobdesk {

namespace {

// The guard's reports on its pipe: one fixed-size record each, so a write is
// atomic (well under PIPE_BUF).
struct Report
{
    int tag;
    int value;
};
constexpr int kReportStatus = 'S';     // value: the program's wait status
constexpr int kReportExecFailed = 'E'; // value: errno of execve
constexpr int kReportChdirFailed = 'C';
constexpr int kReportForkFailed = 'F';

// Sent by the kernel to the guard when the worker's thread that forked it dies.
constexpr int kWorkerDiedSignal = SIGUSR1;

void writeReport(int fd, int tag, int value)
{
    const Report r{tag, value};
    while (::write(fd, &r, sizeof r) < 0 && errno == EINTR) {
    }
}

struct CStrings
{
    std::vector<std::string> storage;
    std::vector<char *> pointers;

    explicit CStrings(const QStringList &list)
    {
        storage.reserve(std::size_t(list.size()));
        for (const QString &s : list)
            storage.push_back(QFile::encodeName(s).toStdString());
        for (std::string &s : storage)
            pointers.push_back(s.data());
        pointers.push_back(nullptr);
    }
};

// The program, in the guard's fork. Async-signal-safe calls only.
[[noreturn]] void execProgram(const char *program, char *const argv[], char *const envp[],
                              const char *workDir, int devNull, int outFd, int errFd, int reportFd)
{
    struct sigaction defaults;
    std::memset(&defaults, 0, sizeof defaults);
    defaults.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP)
            ::sigaction(sig, &defaults, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);

    ::dup2(devNull, STDIN_FILENO);
    ::dup2(outFd, STDOUT_FILENO);
    ::dup2(errFd, STDERR_FILENO);
    // Nothing of the worker's (sockets, result files) reaches the program.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (workDir && ::chdir(workDir) != 0) {
        writeReport(reportFd, kReportChdirFailed, errno);
        ::_exit(127);
    }
    ::execve(program, argv, envp);
    writeReport(reportFd, kReportExecFailed, errno);
    ::_exit(127);
}

// The guard: a fork of the worker that never execs. Async-signal-safe calls
// only (the worker has other threads whose locks may be held in this copy).
[[noreturn]] void runGuard(pid_t worker, const char *program, char *const argv[],
                           char *const envp[], const char *workDir, int devNull, int outFd,
                           int errFd, int reportFd)
{
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, kWorkerDiedSignal);
    if (::getppid() != worker) // the worker died before prctl took effect
        ::kill(0, SIGKILL);

    struct sigaction defaults;
    std::memset(&defaults, 0, sizeof defaults);
    defaults.sa_handler = SIG_DFL;
    ::sigaction(SIGCHLD, &defaults, nullptr); // SIG_IGN would reap the program for us

    // Every signal is blocked here (the worker blocked them around fork), so
    // SIGCHLD and the death signal wait as pending until sigwaitinfo.
    const pid_t child = ::fork();
    if (child < 0) {
        writeReport(reportFd, kReportForkFailed, errno);
        ::_exit(127);
    }
    if (child == 0)
        execProgram(program, argv, envp, workDir, devNull, outFd, errFd, reportFd);

    // Holding the pipes' write ends would keep the worker from seeing EOF.
    ::close_range(3, unsigned(reportFd) - 1, 0);
    ::close_range(unsigned(reportFd) + 1, ~0U, 0);

    sigset_t waitFor;
    sigemptyset(&waitFor);
    sigaddset(&waitFor, SIGCHLD);
    sigaddset(&waitFor, kWorkerDiedSignal);
    for (;;) {
        const int sig = ::sigwaitinfo(&waitFor, nullptr);
        if (sig == kWorkerDiedSignal)
            ::kill(0, SIGKILL);
        if (sig != SIGCHLD)
            continue;
        int status = 0;
        if (::waitpid(child, &status, WNOHANG) == child) {
            writeReport(reportFd, kReportStatus, status);
            // Whatever the program left running in its group goes with it.
            ::kill(0, SIGKILL);
        }
        // A SIGTERM to the group reaches the program on its own; the guard
        // stays (it is blocked here) to report how the program ends.
    }
}

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

void closeFd(int &fd)
{
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

} // namespace

GuardedProcess::~GuardedProcess()
{
    if (m_guard > 0) {
        kill();
        int status = 0;
        while (::waitpid(m_guard, &status, 0) < 0 && errno == EINTR) {
        }
    }
    closeOutput();
    closeFd(m_report);
}

bool GuardedProcess::start(const Spec &spec, QString *error)
{
    QString program = spec.program;
    if (!program.contains(QLatin1Char('/'))) {
        const QString found = QStandardPaths::findExecutable(program);
        if (!found.isEmpty())
            program = found;
    }
    // Everything the forks use is prepared here: after fork() nothing may
    // allocate.
    const std::string programPath = QFile::encodeName(program).toStdString();
    CStrings argv(QStringList{spec.program} + spec.arguments);
    CStrings envp(spec.environment);
    const std::string workDir = QFile::encodeName(spec.workingDirectory).toStdString();

    int outPipe[2] = {-1, -1}, errPipe[2] = {-1, -1}, reportPipe[2] = {-1, -1};
    const int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devNull < 0 || ::pipe2(outPipe, O_CLOEXEC) != 0 || ::pipe2(errPipe, O_CLOEXEC) != 0 ||
        ::pipe2(reportPipe, O_CLOEXEC) != 0) {
        *error = QStringLiteral("cannot create pipes: %1").arg(errnoText(errno));
        for (int fd : {devNull, outPipe[0], outPipe[1], errPipe[0], errPipe[1], reportPipe[0],
                       reportPipe[1]}) {
            if (fd >= 0)
                ::close(fd);
        }
        return false;
    }

    // Blocked across fork so that no handler of the worker's runs in the
    // guard; the guard waits for its signals with sigwaitinfo.
    sigset_t all, previous;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &previous);
    const pid_t worker = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        runGuard(worker, programPath.c_str(), argv.pointers.data(), envp.pointers.data(),
                 workDir.empty() ? nullptr : workDir.c_str(), devNull, outPipe[1], errPipe[1],
                 reportPipe[1]);
    }
    const int forkErrno = errno;
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);

    for (int fd : {devNull, outPipe[1], errPipe[1], reportPipe[1]})
        ::close(fd);
    if (pid < 0) {
        for (int fd : {outPipe[0], errPipe[0], reportPipe[0]})
            ::close(fd);
        *error = QStringLiteral("cannot start a process: %1").arg(errnoText(forkErrno));
        return false;
    }
    // The group exists once the guard ran setpgid(); doing it here as well
    // closes the window in which a kill(-pid) would find no group.
    ::setpgid(pid, pid);
    m_guard = pid;
    m_stdout = outPipe[0];
    m_stderr = errPipe[0];
    m_report = reportPipe[0];
    for (int fd : {m_stdout, m_stderr})
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    m_ending = Ending::Running;
    return true;
}

void GuardedProcess::closeOutput()
{
    closeFd(m_stdout);
    closeFd(m_stderr);
}

bool GuardedProcess::tryReap()
{
    if (m_guard <= 0)
        return m_ending != Ending::Running;
    int status = 0;
    pid_t r;
    do {
        r = ::waitpid(m_guard, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0)
        return false;
    m_guard = -1;
    readReport();
    return true;
}

void GuardedProcess::readReport()
{
    m_ending = Ending::Killed;
    Report r{};
    // The guard has ended: every write end is closed, so this cannot block.
    while (::read(m_report, &r, sizeof r) == ssize_t(sizeof r)) {
        switch (r.tag) {
        case kReportStatus:
            if (m_ending == Ending::NotStarted)
                break; // the exit status of a failed exec says nothing more
            if (WIFEXITED(r.value)) {
                m_ending = Ending::Exited;
                m_exitCode = WEXITSTATUS(r.value);
            } else if (WIFSIGNALED(r.value)) {
                m_ending = Ending::Signalled;
                m_signal = WTERMSIG(r.value);
            }
            break;
        case kReportExecFailed:
        case kReportChdirFailed:
        case kReportForkFailed:
            m_ending = Ending::NotStarted;
            m_startErrno = r.value;
            m_startStep = r.tag == kReportChdirFailed  ? QStringLiteral("chdir")
                          : r.tag == kReportForkFailed ? QStringLiteral("fork")
                                                       : QStringLiteral("exec");
            break;
        default:
            break;
        }
    }
    closeFd(m_report);
}

void GuardedProcess::terminate()
{
    if (m_guard > 0)
        ::kill(-m_guard, SIGTERM);
}

void GuardedProcess::kill()
{
    if (m_guard > 0)
        ::kill(-m_guard, SIGKILL);
}

QString GuardedProcess::describeEnding() const
{
    switch (m_ending) {
    case Ending::Running:
        return QStringLiteral("is still running");
    case Ending::Exited:
        return QStringLiteral("exited with code %1").arg(m_exitCode);
    case Ending::Signalled:
        return QStringLiteral("was killed by signal %1 (%2)")
            .arg(m_signal)
            .arg(QString::fromLocal8Bit(::strsignal(m_signal)));
    case Ending::NotStarted:
        return QStringLiteral("could not be started (%1: %2)")
            .arg(m_startStep, errnoText(m_startErrno));
    case Ending::Killed:
        return QStringLiteral("was killed");
    }
    return {};
}

} // namespace jobdesk
