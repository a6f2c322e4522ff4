#include "daemonprocess.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>

namespace jobdesk::bench {

namespace {

constexpr int kReadyTimeoutMs = 30000;
constexpr int kStopTimeoutMs = 30000;

} // namespace

DaemonProcess::DaemonProcess(Options options)
    : m_options(std::move(options))
{
}

DaemonProcess::~DaemonProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

QString DaemonProcess::dataDir() const
{
    return m_dir ? QDir(m_dir->path()).filePath(QStringLiteral("data")) : QString();
}

QString DaemonProcess::logFile() const
{
    return m_dir ? QDir(m_dir->path()).filePath(QStringLiteral("jobdeskd.log")) : QString();
}

pid_t DaemonProcess::pid() const
{
    return static_cast<pid_t>(m_process.processId());
}

bool DaemonProcess::start(QString *error)
{
    m_dir = std::make_unique<QTemporaryDir>(
        QDir(m_options.dataParent).filePath(QStringLiteral("jobdesk-bench-XXXXXX")));
    if (!m_dir->isValid()) {
        *error = QStringLiteral("cannot create a temporary folder in %1: %2")
                     .arg(m_options.dataParent, m_dir->errorString());
        return false;
    }
    m_dir->setAutoRemove(!m_options.keepData);

    const QStringList args{
        QStringLiteral("--data-dir"),    dataDir(),
        QStringLiteral("--http-listen"), QStringLiteral("127.0.0.1:0"),
        QStringLiteral("--control"),     QStringLiteral("tcp://127.0.0.1:0"),
        QStringLiteral("--events"),      QStringLiteral("tcp://127.0.0.1:0"),
        QStringLiteral("--workers"),     QString::number(m_options.workers),
    };
    m_process.setStandardErrorFile(logFile());
    m_process.start(m_options.program, args, QIODevice::ReadOnly);
    if (!m_process.waitForStarted(kReadyTimeoutMs)) {
        *error =
            QStringLiteral("cannot start %1: %2").arg(m_options.program, m_process.errorString());
        return false;
    }

    const QDeadlineTimer deadline(kReadyTimeoutMs);
    while (!m_process.canReadLine()) {
        if (m_process.state() == QProcess::NotRunning || deadline.hasExpired() ||
            !m_process.waitForReadyRead(static_cast<int>(deadline.remainingTime()))) {
            if (m_process.canReadLine())
                break;
            *error =
                QStringLiteral("jobdeskd printed no READY line (%1); its log ends with:\n%2")
                    .arg(m_process.state() == QProcess::NotRunning
                             ? QStringLiteral("it exited with code %1").arg(m_process.exitCode())
                             : QStringLiteral("timed out"),
                         logTail());
            return false;
        }
    }
    const QString line = QString::fromUtf8(m_process.readLine()).trimmed();
    if (!parseReadyLine(line, error))
        return false;

    QFile tokenFile(QDir(dataDir()).filePath(QStringLiteral("api-token")));
    if (!tokenFile.open(QIODevice::ReadOnly)) {
        *error =
            QStringLiteral("cannot read %1: %2").arg(tokenFile.fileName(), tokenFile.errorString());
        return false;
    }
    m_token = tokenFile.readAll().trimmed().toStdString();
    return true;
}

bool DaemonProcess::parseReadyLine(const QString &line, QString *error)
{
    const QStringList words = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (words.isEmpty() || words.first() != QLatin1String("READY")) {
        *error = QStringLiteral("unexpected first line from jobdeskd: \"%1\"").arg(line);
        return false;
    }
    for (const QString &word : words.mid(1)) {
        const qsizetype eq = word.indexOf(QLatin1Char('='));
        const QString key = word.left(eq);
        const QString value = word.mid(eq + 1);
        if (key == QLatin1String("http")) {
            const qsizetype colon = value.lastIndexOf(QLatin1Char(':'));
            m_httpHost = value.left(colon).toStdString();
            m_httpPort = static_cast<std::uint16_t>(value.mid(colon + 1).toUInt());
        } else if (key == QLatin1String("control")) {
            m_control = value.toStdString();
        } else if (key == QLatin1String("events")) {
            m_events = value.toStdString();
        }
    }
    if (m_httpHost.empty() || m_httpPort == 0 || m_control.empty() || m_events.empty()) {
        *error = QStringLiteral("incomplete READY line: \"%1\"").arg(line);
        return false;
    }
    return true;
}

bool DaemonProcess::stop(QString *error)
{
    if (m_process.state() == QProcess::NotRunning) {
        *error = QStringLiteral("jobdeskd had already exited (code %1); its log ends with:\n%2")
                     .arg(m_process.exitCode())
                     .arg(logTail());
        return false;
    }
    m_process.terminate();
    if (!m_process.waitForFinished(kStopTimeoutMs)) {
        m_process.kill();
        m_process.waitForFinished(5000);
        *error = QStringLiteral("jobdeskd did not stop within %1 s of SIGTERM")
                     .arg(kStopTimeoutMs / 1000);
        return false;
    }
    if (m_process.exitStatus() != QProcess::NormalExit || m_process.exitCode() != 0) {
        *error = QStringLiteral("jobdeskd exited with code %1 on SIGTERM; its log ends with:\n%2")
                     .arg(m_process.exitCode())
                     .arg(logTail());
        return false;
    }
    return true;
}

QString DaemonProcess::logTail() const
{
    QFile log(logFile());
    if (!log.open(QIODevice::ReadOnly))
        return QStringLiteral("(no log)");
    const QByteArray all = log.readAll();
    return QString::fromUtf8(all.right(2000));
}

} // namespace jobdesk::bench
