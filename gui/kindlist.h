#pragma once

#include "kindcatalog.h"

#include <QJsonArray>
#include <QList>

namespace jobdesk {

/// Reads the `kinds` reply (`{"kinds": [{"name", "title", ...}]}`'s array).
/// Entries without a name are skipped.
QList<KindInfo> kindsFromJson(const QJsonArray &kinds);

} // namespace jobdesk
