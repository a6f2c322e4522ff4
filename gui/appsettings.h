#pragma once

#include "connectionconfig.h"

namespace jobdesk {

/// What the user can change in the settings dialog, kept in QSettings.
/// Empty connection fields mean "the default" (see ConnectionConfig).
struct AppSettings
{
    ConnectionConfig connection;
    int fastPollMs = 500;  // while jobs are active
    int idlePollMs = 5000; // the slowest poll while none are
    bool notifyCompleted = true;
    bool notifyFailed = true;

    static AppSettings load();
    void save() const;
    /// `connection` with its empty fields filled from the defaults.
    ConnectionConfig effectiveConnection() const;
};

} // namespace jobdesk
