#include "durationquantile.h"

#include <algorithm>

namespace jobdesk {

std::optional<double> durationQuantileS(const DurationBuckets &buckets, double q)
{
    qint64 total = 0;
    for (qint64 n : buckets)
        total += n;
    if (total <= 0)
        return std::nullopt;
    const double rank = std::clamp(q, 0.0, 1.0) * double(total);
    qint64 below = 0; // counted in the buckets before `b`
    for (int b = 0; b < kJobDurationBucketCount; ++b) {
        const qint64 in = buckets[std::size_t(b)];
        if (in > 0 && double(below + in) >= rank) {
            if (b == kJobDurationBucketCount - 1)
                return kJobDurationBoundsS.back();
            const double start = b == 0 ? 0.0 : kJobDurationBoundsS[std::size_t(b - 1)];
            const double end = kJobDurationBoundsS[std::size_t(b)];
            const double within = std::max(0.0, rank - double(below)) / double(in);
            return start + (end - start) * within;
        }
        below += in;
    }
    return kJobDurationBoundsS.back(); // not reached: the ranks end in the last non-empty bucket
}

} // namespace jobdesk
