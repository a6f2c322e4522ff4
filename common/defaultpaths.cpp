#include "defaultpaths.h"

#include <QDir>
#include <QStandardPaths>

namespace jobdesk {

QString defaultDataDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           QStringLiteral("/jobdesk");
}

QString defaultConfigFile()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           QStringLiteral("/jobdesk/jobdeskd.conf");
}

QString defaultRuntimeDir(const QString &dataDir)
{
    const QString xdg = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (!xdg.isEmpty())
        return xdg + QStringLiteral("/jobdesk");
    return QDir(dataDir).filePath(QStringLiteral("run"));
}

QString defaultControlEndpoint(const QString &dataDir)
{
    return QStringLiteral("ipc://") + defaultRuntimeDir(dataDir) + QStringLiteral("/control");
}

QString defaultEventsEndpoint(const QString &dataDir)
{
    return QStringLiteral("ipc://") + defaultRuntimeDir(dataDir) + QStringLiteral("/events");
}

QString defaultTokenFile(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("api-token"));
}

} // namespace jobdesk
