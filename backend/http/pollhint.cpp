#include "pollhint.h"

#include <algorithm>
#include <cmath>

namespace jobdesk {

namespace {

constexpr int kMinRetryAfterS = 1;
constexpr int kMaxRetryAfterS = 60;

int clampSeconds(double seconds)
{
    if (!std::isfinite(seconds))
        return kMaxRetryAfterS;
    return std::clamp(static_cast<int>(std::ceil(seconds)), kMinRetryAfterS, kMaxRetryAfterS);
}

} // namespace

qint64 QueueGauge::pending() const
{
    qint64 total = 0;
    for (const Band &b : bands)
        total += b.count;
    return total;
}

qint64 QueueGauge::ahead(const PollState &job) const
{
    qint64 before = 0;
    for (const Band &b : bands) {
        if (b.priority > job.priority) {
            before += b.count;
        } else if (b.priority == job.priority) {
            const qint64 span = b.newestCreatedAtMs - b.oldestCreatedAtMs;
            if (span > 0 && b.count > 1) {
                const double share = std::clamp(
                    double(job.createdAtMs - b.oldestCreatedAtMs) / double(span), 0.0, 1.0);
                before += static_cast<qint64>(std::llround(share * double(b.count - 1)));
            }
        }
    }
    return before;
}

double QueueGauge::drainTimeS(qint64 jobs) const
{
    if (jobs <= 0)
        return 0;
    if (throughputPerS > 0)
        return double(jobs) / throughputPerS;
    return double(jobs) / double(std::max(1, workers));
}

int suggestRetryAfterS(const PollState &job, const QueueGauge &queue, qint64 nowMs)
{
    switch (job.status) {
    case JobStatus::Completed:
    case JobStatus::Failed:
    case JobStatus::Cancelled:
        return 0;
    case JobStatus::Processing:
        if (job.etaS)
            return clampSeconds(*job.etaS / 2.0);
        return clampSeconds(std::max<qint64>(0, nowMs - job.startedAtMs) / 4000.0);
    case JobStatus::Retrying:
        return clampSeconds((job.nextAttemptAtMs - nowMs) / 1000.0);
    case JobStatus::Pending:
        return clampSeconds(queue.drainTimeS(queue.ahead(job) + 1) / 2.0);
    }
    return kMinRetryAfterS;
}

} // namespace jobdesk
