#pragma once

#include <QString>

namespace jobdesk {

/// A new RFC 9562 version 7 UUID (48-bit millisecond time, then random bits),
/// lower-case with hyphens. Time-ordered ids keep the store's index compact.
QString newUuid7();
/// Whether `text` is a canonical lower- or upper-case hyphenated UUID.
bool isUuid(const QString &text);

} // namespace jobdesk
