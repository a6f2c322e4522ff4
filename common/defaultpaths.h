#pragma once

#include <QString>

namespace jobdesk {

/// `$XDG_DATA_HOME/jobdesk` (`~/.local/share/jobdesk`).
QString defaultDataDir();
/// `$XDG_CONFIG_HOME/jobdesk/jobdeskd.conf`.
QString defaultConfigFile();
/// `$XDG_RUNTIME_DIR/jobdesk`, or `<dataDir>/run` without XDG_RUNTIME_DIR.
QString defaultRuntimeDir(const QString &dataDir);
QString defaultControlEndpoint(const QString &dataDir);
QString defaultEventsEndpoint(const QString &dataDir);
/// `<dataDir>/api-token`.
QString defaultTokenFile(const QString &dataDir);

} // namespace jobdesk
