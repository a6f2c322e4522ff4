#pragma once

#include "durationbuckets.h"

#include <optional>

namespace jobdesk {

/// The q-quantile (0 < q <= 1) of the durations counted in `buckets`, in
/// seconds, computed as Prometheus's histogram_quantile() does: linear
/// interpolation inside the bucket that holds the rank, the first bucket
/// starting at 0. A rank in the +Inf bucket gives the highest finite bound
/// (a lower bound of the truth). nullopt when nothing was counted.
std::optional<double> durationQuantileS(const DurationBuckets &buckets, double q);

} // namespace jobdesk
