#include "backendprocess.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QProcessEnvironment>

#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>

BackendProcess::BackendProcess(QString dataDir) : m_dataDir(std::move(dataDir))
{
    if (m_dataDir.isEmpty()) {
        m_ownDir = std::make_unique<QTemporaryDir>();
        m_dataDir = m_ownDir->path();
    }
}

BackendProcess::~BackendProcess()
{
    stop();
}

QString BackendProcess::program(const QString &name)
{
    return QDir(qEnvironmentVariable("JOBDESK_BIN_DIR")).filePath(name);
}

bool BackendProcess::start(int workers, const QStringList &extraArgs)
{
    m_process = std::make_unique<QProcess>();
    m_process->setProgram(program(QStringLiteral("jobdeskd")));
    QStringList args = {QStringLiteral("--data-dir"), m_dataDir,
                        QStringLiteral("--http-listen"), QStringLiteral("127.0.0.1:0"),
                        QStringLiteral("--control"), QStringLiteral("tcp://127.0.0.1:0"),
                        QStringLiteral("--events"), QStringLiteral("tcp://127.0.0.1:0"),
                        QStringLiteral("--workers"), QString::number(workers)};
    args += extraArgs;
    m_process->setArguments(args);
    // Keep the test's config and runtime folders out of it.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dataDir + QStringLiteral("/config"));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), m_dataDir + QStringLiteral("/runtime"));
    m_process->setProcessEnvironment(env);
    if (!m_logFile) {
        m_logFile = std::make_unique<QTemporaryFile>();
        if (!m_logFile->open()) {
            m_errorText = QStringLiteral("cannot create a log file");
            return false;
        }
    }
    m_process->setStandardErrorFile(m_logFile->fileName(), QIODevice::Append);
    // A test that dies (timeout, crash) must not leave its backend running.
    m_process->setChildProcessModifier([parent = ::getpid()] {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(1);
    });
    m_process->start();
    if (!m_process->waitForStarted(5000)) {
        m_errorText = m_process->errorString();
        return false;
    }
    QByteArray out;
    const QDeadlineTimer deadline(20000);
    while (!deadline.hasExpired()) {
        if (m_process->canReadLine() || m_process->waitForReadyRead(200)) {
            out += m_process->readAll();
            const int at = out.indexOf("READY ");
            const int end = out.indexOf('\n', at);
            if (at >= 0 && end > at) {
                const QList<QByteArray> parts = out.mid(at, end - at).trimmed().split(' ');
                for (const QByteArray &p : parts) {
                    if (p.startsWith("http="))
                        m_httpBase = QStringLiteral("http://") + QString::fromUtf8(p.mid(5));
                    else if (p.startsWith("control="))
                        m_control = QString::fromUtf8(p.mid(8));
                    else if (p.startsWith("events="))
                        m_events = QString::fromUtf8(p.mid(7));
                }
                return !m_httpBase.isEmpty() && !m_control.isEmpty() && !m_events.isEmpty();
            }
        }
        if (m_process->state() == QProcess::NotRunning)
            break;
    }
    m_errorText = QStringLiteral("no READY line; exit code %1; stderr: %2")
                      .arg(m_process->exitCode())
                      .arg(QString::fromUtf8(log()));
    return false;
}

QByteArray BackendProcess::log()
{
    if (!m_logFile)
        return {};
    QFile file(m_logFile->fileName());
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

int BackendProcess::stop()
{
    if (!m_process || m_process->state() == QProcess::NotRunning)
        return m_process ? m_process->exitCode() : -1;
    ::kill(static_cast<pid_t>(m_process->processId()), SIGTERM);
    if (!m_process->waitForFinished(30000)) {
        m_process->kill();
        m_process->waitForFinished(5000);
        return -1;
    }
    log();
    return m_process->exitStatus() == QProcess::NormalExit ? m_process->exitCode() : -1;
}

void BackendProcess::kill()
{
    if (!m_process || m_process->state() == QProcess::NotRunning)
        return;
    m_process->kill();
    m_process->waitForFinished(5000);
}

QString BackendProcess::token() const
{
    QFile file(m_dataDir + QStringLiteral("/api-token"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll()).trimmed();
}
