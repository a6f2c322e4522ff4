#include "connectionconfig.h"

#include "defaultpaths.h"

namespace jobdesk {

ConnectionConfig ConnectionConfig::defaults()
{
    const QString dataDir = defaultDataDir();
    ConnectionConfig c;
    c.control = defaultControlEndpoint(dataDir);
    c.tokenFile = defaultTokenFile(dataDir);
    return c;
}

bool isValidEndpoint(const QString &endpoint)
{
    if (endpoint.startsWith(QLatin1String("ipc://")))
        return endpoint.size() > 6;
    if (!endpoint.startsWith(QLatin1String("tcp://")))
        return false;
    return isValidHostPort(endpoint.mid(6));
}

bool isValidHostPort(const QString &hostPort)
{
    const int colon = hostPort.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0)
        return false;
    bool ok = false;
    const int port = hostPort.mid(colon + 1).toInt(&ok);
    return ok && port >= 1 && port <= 65535;
}

} // namespace jobdesk
