#include "statsrange.h"

#include "minuteaggregates.h"
#include "timeformat.h"

#include <QJsonValue>
#include <QRegularExpression>
#include <QStringList>
#include <QUrlQuery>
#include <cmath>
#include <optional>

namespace jobdesk {

namespace {

constexpr qint64 kMinuteMs = 60 * 1000;
constexpr qint64 kHourMs = 60 * kMinuteMs;
// Later than this is not a time anyone means (year 9999).
constexpr double kLatestS = 253402300799.0;

const QString kFrom = QStringLiteral("from");
const QString kTo = QStringLiteral("to");
const QString kStep = QStringLiteral("step");

qint64 ceilMinute(qint64 ms)
{
    const qint64 floor = aggregateMinuteStart(ms);
    return floor == ms ? ms : floor + kMinuteMs;
}

std::optional<double> numberOf(const QJsonValue &value)
{
    if (value.isDouble())
        return value.toDouble();
    if (value.isString()) {
        bool ok = false;
        const double n = value.toString().trimmed().toDouble(&ok);
        if (ok)
            return n;
    }
    return std::nullopt;
}

/// An RFC 3339 date-time in ms, or 0. It must end with its offset from UTC
/// ("Z", "+01:00"): a date alone, or a time without one, is not a moment
/// (Qt would read it in jobdeskd's own zone); `*noZone` says that was why.
qint64 readRfc3339(const QString &text, bool *noZone)
{
    static const QRegularExpression dateTime(QStringLiteral(
        R"(^(\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(?::\d\d)?)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d)$)"));
    const QRegularExpressionMatch m = dateTime.match(text);
    *noZone = !m.hasMatch();
    if (!m.hasMatch())
        return 0;
    // Fractions beyond the millisecond are cut, not rounded: 59.9999 s is
    // still in its minute.
    const QString fraction = m.captured(2).left(3);
    return parseTimestamp(m.captured(1) +
                          (fraction.isEmpty() ? QString() : QLatin1Char('.') + fraction) +
                          m.captured(3));
}

/// A time as RFC 3339 or Unix seconds, in ms; nullopt when absent.
std::optional<qint64> readTime(const QJsonValue &value, const QString &field,
                               QList<FieldError> &errors)
{
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    const QString message = QStringLiteral("must be an RFC 3339 time or Unix seconds");
    if (const std::optional<double> seconds = numberOf(value)) {
        if (!std::isfinite(*seconds) || *seconds <= 0 || *seconds > kLatestS) {
            errors.append({field, message});
            return std::nullopt;
        }
        return std::llround(*seconds * 1000.0);
    }
    bool noZone = false;
    const qint64 ms = value.isString() ? readRfc3339(value.toString().trimmed(), &noZone) : 0;
    if (ms > 0)
        return ms;
    // A time without an offset reads like one: say what it lacks.
    errors.append({field, noZone && parseTimestamp(value.toString().trimmed()) > 0
                              ? QStringLiteral("must say its time zone (Z or +hh:mm), as RFC "
                                               "3339 requires")
                              : message});
    return std::nullopt;
}

std::optional<qint64> readStep(const QJsonValue &value, QList<FieldError> &errors)
{
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    const std::optional<double> seconds = numberOf(value);
    const double maxS = double(std::chrono::seconds(kMaxStatsSpan).count());
    if (!seconds || !std::isfinite(*seconds) || *seconds < 60 || *seconds > maxS ||
        std::fmod(*seconds, 60.0) != 0.0) {
        errors.append(
            {kStep,
             QStringLiteral("must be seconds, a multiple of 60 from 60 to %1").arg(qint64(maxS))});
        return std::nullopt;
    }
    return qint64(*seconds) * 1000;
}

Result<StatsRange> readRange(const QJsonValue &from, const QJsonValue &to, const QJsonValue &step,
                             qint64 nowMs, QList<FieldError> errors)
{
    const std::optional<qint64> fromMs = readTime(from, kFrom, errors);
    const std::optional<qint64> toMs = readTime(to, kTo, errors);
    const std::optional<qint64> stepMs = readStep(step, errors);
    const auto invalid = [](QList<FieldError> fieldErrors) {
        // The detail says what is wrong, for readers of the message alone.
        QStringList problems;
        for (const FieldError &e : std::as_const(fieldErrors))
            problems.append(e.field + QLatin1Char(' ') + e.message);
        ApiError e = ApiError::make(ErrorCode::InvalidRequest,
                                    QStringLiteral("the stats request is not valid: %1")
                                        .arg(problems.join(QStringLiteral("; "))));
        e.fieldErrors = std::move(fieldErrors);
        return e;
    };
    if (!errors.isEmpty())
        return invalid(errors);

    StatsRange range;
    range.toMs = ceilMinute(toMs.value_or(nowMs));
    range.fromMs = fromMs ? aggregateMinuteStart(*fromMs) : range.toMs - kHourMs;
    range.stepMs = stepMs.value_or(kMinuteMs);
    const qint64 maxSpanMs = std::chrono::milliseconds(kMaxStatsSpan).count();
    if (range.fromMs >= range.toMs)
        errors.append({kFrom, QStringLiteral("must be before to")});
    else if (range.toMs - range.fromMs > maxSpanMs)
        errors.append(
            {kFrom,
             QStringLiteral("must be at most %1 days before to").arg(kMaxStatsSpan.count() / 24)});
    else if (range.stepCount() > kMaxStatsSteps)
        errors.append({kStep, QStringLiteral("gives %1 steps, more than the %2 a reply holds: "
                                             "take a longer step")
                                  .arg(range.stepCount())
                                  .arg(kMaxStatsSteps)});
    if (!errors.isEmpty())
        return invalid(errors);
    return range;
}

} // namespace

int StatsRange::stepCount() const
{
    if (stepMs <= 0 || toMs <= fromMs)
        return 0;
    return int((toMs - fromMs + stepMs - 1) / stepMs);
}

StatsRange StatsRange::lastHour(qint64 nowMs)
{
    const qint64 to = ceilMinute(nowMs);
    return StatsRange{to - kHourMs, to, kMinuteMs};
}

StatsRange StatsRange::lastHoursTotal(qint64 nowMs, int hours)
{
    const qint64 to = ceilMinute(nowMs);
    const qint64 span = qint64(hours) * kHourMs;
    return StatsRange{to - span, to, span};
}

Result<StatsRange> parseStatsRange(const QJsonObject &fields, qint64 nowMs)
{
    return readRange(fields.value(kFrom), fields.value(kTo), fields.value(kStep), nowMs, {});
}

Result<StatsRange> parseStatsRangeQuery(const QString &query, qint64 nowMs)
{
    const QUrlQuery items(query);
    QList<FieldError> errors;
    QStringList seen;
    for (const auto &[key, value] : items.queryItems(QUrl::FullyDecoded)) {
        Q_UNUSED(value);
        if (key != kFrom && key != kTo && key != kStep)
            errors.append({key, QStringLiteral("is not a parameter of this request")});
        else if (seen.contains(key))
            errors.append({key, QStringLiteral("is given more than once")});
        seen.append(key);
    }
    const auto value = [&items](const QString &key) {
        return items.hasQueryItem(key) ? QJsonValue(items.queryItemValue(key, QUrl::FullyDecoded))
                                       : QJsonValue(QJsonValue::Undefined);
    };
    return readRange(value(kFrom), value(kTo), value(kStep), nowMs, errors);
}

} // namespace jobdesk
