#include "localbackendlauncher.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <csignal>

namespace jobdesk {

QString LocalBackendLauncher::program()
{
    const QString beside =
        QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("jobdeskd"));
    if (QFileInfo(beside).isExecutable())
        return beside;
    return QStandardPaths::findExecutable(QStringLiteral("jobdeskd"));
}

QString LocalBackendLauncher::logFile()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation) +
           QStringLiteral("/jobdesk/jobdeskd.log");
}

bool LocalBackendLauncher::start(QString *error)
{
    const QString path = program();
    if (path.isEmpty()) {
        *error = QCoreApplication::translate(
            "LocalBackendLauncher", "jobdeskd was found neither next to jobdesk nor on PATH.");
        return false;
    }
    QDir().mkpath(QFileInfo(logFile()).absolutePath());
    QProcess process;
    process.setProgram(path);
    process.setStandardOutputFile(logFile(), QIODevice::Append);
    process.setStandardErrorFile(logFile(), QIODevice::Append);
    process.setStandardInputFile(QProcess::nullDevice());
    if (!process.startDetached(&m_pid)) {
        *error = QCoreApplication::translate("LocalBackendLauncher", "cannot start %1: %2")
                     .arg(path, process.errorString());
        return false;
    }
    return true;
}

bool LocalBackendLauncher::isRunning() const
{
    return isAlive(m_pid);
}

bool LocalBackendLauncher::isAlive(qint64 pid)
{
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0)
        return false;
    // A detached process is reparented; where nothing reaps it (a container
    // whose pid 1 is not an init) it lingers as a zombie: dead all the same.
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray line = stat.readAll();
    const int close = line.lastIndexOf(')');
    return close < 0 || line.mid(close + 2, 1) != "Z";
}

} // namespace jobdesk
