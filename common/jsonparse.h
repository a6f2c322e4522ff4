#pragma once

#include "apierror.h"

#include <QByteArray>
#include <QJsonObject>

namespace jobdesk {

/// Parses text that must be one JSON object, as every request body and
/// control message is. Invalid UTF-8, malformed JSON and nesting beyond
/// reliability::kMaxJsonDepth are `invalid_request` errors that say where.
Result<QJsonObject> parseJsonObject(const QByteArray &text);

} // namespace jobdesk
