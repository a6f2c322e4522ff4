#pragma once

#include "minuteaggregates.h"
#include "statsrange.h"

#include <QJsonObject>

namespace jobdesk {

/// The time series part of the `stats` object (CONTRACT.md; docs/api.md,
/// "Stats"), from the aggregates read for `range`:
///
///     "from", "to": the range, RFC 3339; "step_s": the step in seconds;
///     "series": one item per step that has started by `nowMs`, oldest
///       first: {"t", "submitted", "completed", "failed", "cancelled",
///       "queue_depth", "busy"}; the counts are summed over the step, the
///       gauges are their highest value in it (carried over from the step
///       before when nothing was committed in it);
///     "kinds": per kind over the whole range: {"kind", "submitted",
///       "completed", "failed", "cancelled", "failure_rate" (failed /
///       (completed + failed) to 4 decimals, null when neither), "duration": {"count",
///       "sum_s", "p50_s", "p95_s" (null when count is 0), "buckets"}};
///     "duration_buckets_s": the buckets' upper bounds; each "buckets" list
///       has one more count, for longer durations (+Inf).
QJsonObject statsSeriesJson(const StatsRange &range, const AggregateRange &aggregates,
                            qint64 nowMs);

/// The counts summed over a whole range, all kinds together:
/// {"submitted", "completed", "failed", "cancelled"}.
QJsonObject statsTotalsJson(const AggregateRange &aggregates);

} // namespace jobdesk
