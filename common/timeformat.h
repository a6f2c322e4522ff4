#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QString>
#include <array>
#include <optional>

namespace jobdesk {

/// Milliseconds since the epoch as UTC RFC 3339 with milliseconds
/// ("2026-11-26T10:00:00.123Z").
QString formatTimestamp(qint64 msSinceEpoch);
/// The same as Latin-1 bytes, for writers of JSON.
QByteArray timestampBytes(qint64 msSinceEpoch);
/// The same characters without an allocation, for years 0000 to 9999 (RFC
/// 3339's); nullopt outside them.
using TimestampChars = std::array<char, 24>;
std::optional<TimestampChars> timestampChars(qint64 msSinceEpoch);
/// The same, or JSON null for 0 ("not yet").
QJsonValue timestampOrNull(qint64 msSinceEpoch);
/// Parses RFC 3339; returns 0 when the text is not a timestamp.
qint64 parseTimestamp(const QString &text);
/// Wall-clock now in milliseconds since the epoch.
qint64 nowMs();

} // namespace jobdesk
