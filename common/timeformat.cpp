#include "timeformat.h"

#include <QDateTime>

namespace jobdesk {

namespace {

// Days since 1970-01-01 to a civil date (Howard Hinnant, "chrono-Compatible
// Low-Level Date Algorithms"): exact for every date, no time zone lookup.
void civilFromDays(qint64 days, qint64 *year, int *month, int *day)
{
    days += 719468;
    const qint64 era = (days >= 0 ? days : days - 146096) / 146097;
    const qint64 dayOfEra = days - era * 146097;
    const qint64 yearOfEra =
        (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
    const qint64 dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const qint64 mp = (5 * dayOfYear + 2) / 153;
    *day = static_cast<int>(dayOfYear - (153 * mp + 2) / 5 + 1);
    *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    *year = yearOfEra + era * 400 + (*month <= 2 ? 1 : 0);
}

void putDigits(char *at, qint64 value, int width)
{
    for (int i = width - 1; i >= 0; --i, value /= 10)
        at[i] = static_cast<char>('0' + value % 10);
}

} // namespace

std::optional<TimestampChars> timestampChars(qint64 msSinceEpoch)
{
    constexpr qint64 kMsPerDay = 86400000;
    qint64 days = msSinceEpoch / kMsPerDay;
    qint64 msOfDay = msSinceEpoch % kMsPerDay;
    if (msOfDay < 0) {
        msOfDay += kMsPerDay;
        --days;
    }
    qint64 year = 0;
    int month = 0;
    int day = 0;
    civilFromDays(days, &year, &month, &day);
    if (year < 0 || year > 9999)
        return std::nullopt;
    TimestampChars text{'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', 'T', '0',
                        '0', ':', '0', '0', ':', '0', '0', '.', '0', '0', '0', 'Z'};
    char *at = text.data();
    putDigits(at, year, 4);
    putDigits(at + 5, month, 2);
    putDigits(at + 8, day, 2);
    putDigits(at + 11, msOfDay / 3600000, 2);
    putDigits(at + 14, msOfDay / 60000 % 60, 2);
    putDigits(at + 17, msOfDay / 1000 % 60, 2);
    putDigits(at + 20, msOfDay % 1000, 3);
    return text;
}

QByteArray timestampBytes(qint64 msSinceEpoch)
{
    if (const std::optional<TimestampChars> text = timestampChars(msSinceEpoch))
        return QByteArray(text->data(), static_cast<qsizetype>(text->size()));
    // Outside RFC 3339's years: let Qt spell it.
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC)
        .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ"))
        .toLatin1();
}

QString formatTimestamp(qint64 msSinceEpoch)
{
    return QString::fromLatin1(timestampBytes(msSinceEpoch));
}

QJsonValue timestampOrNull(qint64 msSinceEpoch)
{
    if (msSinceEpoch == 0)
        return QJsonValue::Null;
    return formatTimestamp(msSinceEpoch);
}

qint64 parseTimestamp(const QString &text)
{
    const QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    return t.isValid() ? t.toMSecsSinceEpoch() : 0;
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace jobdesk
