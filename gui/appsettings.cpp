#include "appsettings.h"

#include <QSettings>

namespace jobdesk {

AppSettings AppSettings::load()
{
    QSettings s;
    AppSettings a;
    a.connection.control = s.value(QStringLiteral("connection/control")).toString();
    a.connection.events = s.value(QStringLiteral("connection/events")).toString();
    a.connection.http = s.value(QStringLiteral("connection/http")).toString();
    a.connection.tokenFile = s.value(QStringLiteral("connection/tokenFile")).toString();
    a.fastPollMs = s.value(QStringLiteral("polling/fastMs"), a.fastPollMs).toInt();
    a.idlePollMs = s.value(QStringLiteral("polling/idleMs"), a.idlePollMs).toInt();
    a.notifyCompleted =
        s.value(QStringLiteral("notifications/completed"), a.notifyCompleted).toBool();
    a.notifyFailed = s.value(QStringLiteral("notifications/failed"), a.notifyFailed).toBool();
    return a;
}

void AppSettings::save() const
{
    QSettings s;
    s.setValue(QStringLiteral("connection/control"), connection.control);
    s.setValue(QStringLiteral("connection/events"), connection.events);
    s.setValue(QStringLiteral("connection/http"), connection.http);
    s.setValue(QStringLiteral("connection/tokenFile"), connection.tokenFile);
    s.setValue(QStringLiteral("polling/fastMs"), fastPollMs);
    s.setValue(QStringLiteral("polling/idleMs"), idlePollMs);
    s.setValue(QStringLiteral("notifications/completed"), notifyCompleted);
    s.setValue(QStringLiteral("notifications/failed"), notifyFailed);
}

ConnectionConfig AppSettings::effectiveConnection() const
{
    const ConnectionConfig defaults = ConnectionConfig::defaults();
    ConnectionConfig c = connection;
    if (c.control.isEmpty())
        c.control = defaults.control;
    if (c.tokenFile.isEmpty())
        c.tokenFile = defaults.tokenFile;
    return c;
}

} // namespace jobdesk
