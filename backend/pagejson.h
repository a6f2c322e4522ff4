#pragma once

#include "store/jobstore.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>

namespace jobdesk {

/// The bodies shared by HTTP and ZeroMQ answers that hold many jobs, so both
/// channels say exactly the same thing.

/// Each job is written by its one serializer straight into the page, not
/// built as a QJsonObject: sync clients read pages of hundreds of jobs.

class JsonWriter;

/// The members `"items": [job...], "next_cursor": "..." | null`, into an
/// object being written.
void writeListPage(JsonWriter &w, const ListPage &page);
/// The members `"items": [job | {"deleted": true, "id", "rev"}...], "rev": n`.
void writeChangesPage(JsonWriter &w, const ChangesPage &page);
/// The same as whole objects.
QByteArray listPageJson(const ListPage &page);
QByteArray changesPageJson(const ChangesPage &page);
/// `{"items": [{"seq", "at", "type", ...}...]}`
QJsonObject eventsToJson(const QList<JobEvent> &events);

} // namespace jobdesk
