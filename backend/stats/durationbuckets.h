#pragma once

#include <QtGlobal>
#include <algorithm>
#include <array>

namespace jobdesk {

/// Upper bounds, in seconds, of the job duration histogram. `/metrics`
/// (jobdesk_job_duration_seconds) and the per-minute aggregates of the stats
/// series count in these same buckets, so a quantile over any range comes
/// from summed buckets, and agrees with one Prometheus computes (DESIGN.md:
/// "Quantiles cannot be summed"). The aggregates keep one column per bucket:
/// changing the bounds is a schema change.
inline constexpr std::array<double, 15> kJobDurationBoundsS = {
    0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600};

/// One bucket per bound, plus the last one for anything longer (+Inf).
inline constexpr int kJobDurationBucketCount = int(kJobDurationBoundsS.size()) + 1;

/// Counts per bucket, not cumulative; the last is +Inf.
using DurationBuckets = std::array<qint64, kJobDurationBucketCount>;

/// The bucket a duration falls in. `le` is inclusive, as in Prometheus: a
/// duration equal to a bound belongs to that bound's bucket.
inline int jobDurationBucket(double seconds)
{
    return int(std::lower_bound(kJobDurationBoundsS.begin(), kJobDurationBoundsS.end(), seconds) -
               kJobDurationBoundsS.begin());
}

} // namespace jobdesk
