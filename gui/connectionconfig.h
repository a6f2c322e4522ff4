#pragma once

#include <QString>

namespace jobdesk {

/// Where the backend is and how to prove who we are. Empty `events` or
/// `http` mean "as the backend's ping says".
struct ConnectionConfig
{
    QString control;
    QString events;
    QString http; // HOST:PORT
    QString tokenFile;

    /// The embedded default: the endpoints and token file `jobdeskd` uses
    /// with no flags.
    static ConnectionConfig defaults();
    bool usesTcp() const { return control.startsWith(QLatin1String("tcp://")); }

    bool operator==(const ConnectionConfig &o) const
    {
        return control == o.control && events == o.events && http == o.http &&
               tokenFile == o.tokenFile;
    }
    bool operator!=(const ConnectionConfig &o) const { return !(*this == o); }
};

/// Checks a ZeroMQ endpoint as jobdesk accepts it (tcp:// or ipc://).
bool isValidEndpoint(const QString &endpoint);
/// Checks HOST:PORT with a port from 1 to 65535.
bool isValidHostPort(const QString &hostPort);

} // namespace jobdesk
