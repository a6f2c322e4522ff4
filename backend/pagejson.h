#pragma once

#include "store/jobstore.h"

#include <QJsonArray>
#include <QJsonObject>

namespace jobdesk {

/// The bodies shared by HTTP and ZeroMQ answers that hold many jobs, so both
/// channels say exactly the same thing.

/// `{"items": [job...], "next_cursor": "..." | null}`
QJsonObject listPageToJson(const ListPage &page);
/// `{"items": [job | {"id", "deleted": true, "rev"}...], "rev": n}`
QJsonObject changesPageToJson(const ChangesPage &page);
/// `{"items": [{"seq", "at", "type", ...}...]}`
QJsonObject eventsToJson(const QList<JobEvent> &events);

} // namespace jobdesk
