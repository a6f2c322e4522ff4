#pragma once

#include "apierror.h"

#include <QJsonObject>
#include <QString>
#include <chrono>

namespace jobdesk {

/// The time range a stats read covers: [fromMs, toMs) in steps of stepMs,
/// on whole minutes (the aggregates' resolution). The last step may be
/// shorter when the span is not a whole number of steps.
struct StatsRange
{
    qint64 fromMs = 0;
    qint64 toMs = 0;
    qint64 stepMs = 60 * 1000;

    int stepCount() const;
    /// The last hour by the minute, the current minute included: the range
    /// of a `stats` request that names none.
    static StatsRange lastHour(qint64 nowMs);
    /// The `hours` before now, in one step (the "last 24 h" totals).
    static StatsRange lastHoursTotal(qint64 nowMs, int hours);

    bool operator==(const StatsRange &o) const
    {
        return fromMs == o.fromMs && toMs == o.toMs && stepMs == o.stepMs;
    }
};

/// The longest span one stats read may cover, and the most steps it may
/// return (so a reply stays well under the 1 MiB message limit).
inline constexpr std::chrono::hours kMaxStatsSpan{31 * 24};
inline constexpr int kMaxStatsSteps = 2000;
/// How long the per-minute aggregates are kept: a day more than any range.
inline constexpr std::chrono::hours kStatsRetention = kMaxStatsSpan + std::chrono::hours(24);

/// Reads `from`, `to` and `step` of the `stats` op. `from` and `to` are RFC
/// 3339 times with their offset ("Z", "+01:00": a time without one is an
/// error, never read in jobdeskd's own zone) or Unix seconds; `step` is
/// seconds, a multiple of 60. Defaults: `to` now, `from` an hour before
/// `to`, `step` 60. `from` is rounded down and `to` up to the minute (UTC
/// minutes: every zone in use today is a whole number of minutes from UTC).
/// Errors are `invalid_request` naming the field, the detail saying what is
/// wrong.
Result<StatsRange> parseStatsRange(const QJsonObject &fields, qint64 nowMs);
/// The same from `GET /api/v1/stats`'s query string (percent-encoded,
/// without the '?'); unknown or repeated parameters are errors.
Result<StatsRange> parseStatsRangeQuery(const QString &query, qint64 nowMs);

} // namespace jobdesk
