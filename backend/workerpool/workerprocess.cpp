#include "workerprocess.h"

#include <QLoggingCategory>
#include <QProcessEnvironment>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace jobdesk {

namespace {
Q_LOGGING_CATEGORY(lcWorkerOutput, "jobdesk.worker")
} // namespace

namespace {

// A worker that prints without newlines must not grow our memory: longer
// lines are logged in pieces of this size.
constexpr qsizetype kMaxLineBytes = 4096;

constexpr int kReapTimeoutMs = 2000;

} // namespace

WorkerProcess::WorkerProcess(QString identity, QObject *parent)
    : QObject(parent)
    , m_identity(std::move(identity))
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.setStandardInputFile(QProcess::nullDevice());
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &WorkerProcess::forwardOutput);
    connect(&m_process, &QProcess::started, this, [this] { m_groupId = m_process.processId(); });
    connect(&m_process, &QProcess::finished, this,
            [this](int exitCode, QProcess::ExitStatus status) {
                // Whatever the worker started lives on in its group (a job's
                // helper program, say): end it too. The group id cannot have
                // been reused while members remain.
                if (m_groupId > 0)
                    ::kill(-pid_t(m_groupId), SIGKILL);
                // On Unix a crash exit code is the number of the signal.
                reportExit(status == QProcess::NormalExit
                               ? QStringLiteral("exited with code %1").arg(exitCode)
                               : QStringLiteral("was killed by signal %1").arg(exitCode));
            });
    connect(&m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return; // crashes arrive through finished()
        // Queued: QProcess may report this from inside start(), while the
        // supervisor is still setting the worker up.
        const QString how = QStringLiteral("could not be started: %1").arg(m_process.errorString());
        QMetaObject::invokeMethod(
            this, [this, how] { reportExit(how); }, Qt::QueuedConnection);
    });
}

WorkerProcess::~WorkerProcess()
{
    disconnect(&m_process, nullptr, this, nullptr);
    if (isRunning()) {
        killGroup();
        m_process.waitForFinished(kReapTimeoutMs);
    }
}

void WorkerProcess::start(const QString &program, const QStringList &arguments,
                          const QByteArray &secret, int niceness)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("JOBDESK_WORKER_SECRET"), QString::fromLatin1(secret));
    m_process.setProcessEnvironment(env);

    const pid_t parent = ::getpid();
    // Worked out here: the child may only make plain system calls. On Linux
    // the niceness is per thread; the child's one thread passes it on to
    // every thread the worker starts.
    const int ownNiceness = ::getpriority(PRIO_PROCESS, 0);
    const int childNiceness = std::min(ownNiceness + std::max(niceness, 0), 19);
    // Runs in the child between fork and exec: async-signal-safe calls only.
    m_process.setChildProcessModifier([parent, childNiceness, ownNiceness] {
        ::setpgid(0, 0);
        // Raising one's own niceness needs no privilege and cannot fail.
        if (childNiceness != ownNiceness)
            ::setpriority(PRIO_PROCESS, 0, childNiceness);
        // SIGKILL when the thread that forked us ends; the supervisor lives on
        // the main thread, so that is the backend's death.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        // The backend may have died before prctl took effect: then nobody
        // would ever kill us.
        if (::getppid() != parent)
            ::_exit(1);
    });
    m_process.start(program, arguments);
}

void WorkerProcess::killGroup()
{
    if (!isRunning())
        return;
    const qint64 pid = m_process.processId();
    if (pid <= 0) {
        m_process.kill();
        return;
    }
    // The group may not exist yet if the child has not reached setpgid().
    if (::kill(-pid_t(pid), SIGKILL) != 0 && errno == ESRCH)
        ::kill(pid_t(pid), SIGKILL);
}

bool WorkerProcess::waitForExit(int msecs)
{
    if (!isRunning())
        return true;
    return m_process.waitForFinished(msecs);
}

void WorkerProcess::forwardOutput()
{
    m_partialLine.append(m_process.readAllStandardOutput());
    for (;;) {
        const qsizetype newline = m_partialLine.indexOf('\n');
        if (newline < 0)
            break;
        logLine(m_partialLine.left(newline));
        m_partialLine.remove(0, newline + 1);
    }
    while (m_partialLine.size() >= kMaxLineBytes) {
        logLine(m_partialLine.left(kMaxLineBytes));
        m_partialLine.remove(0, kMaxLineBytes);
    }
}

void WorkerProcess::logLine(const QByteArray &line)
{
    if (line.trimmed().isEmpty())
        return;
    qCInfo(lcWorkerOutput).noquote()
        << m_identity + QLatin1Char(':') << QString::fromUtf8(line.trimmed());
}

void WorkerProcess::reportExit(const QString &how)
{
    if (m_exitReported)
        return;
    m_exitReported = true;
    forwardOutput();
    if (!m_partialLine.isEmpty()) {
        logLine(m_partialLine);
        m_partialLine.clear();
    }
    Q_EMIT exited(how);
}

} // namespace jobdesk
