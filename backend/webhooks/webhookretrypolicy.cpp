#include "webhookretrypolicy.h"

#include <algorithm>
#include <cmath>

namespace jobdesk {

qint64 WebhookRetryPolicy::delayMs(int failedAttempts, double random01) const
{
    const double exponent = std::clamp(failedAttempts - 1, 0, 40);
    const double ceiling = std::min<double>(static_cast<double>(cap.count()),
                                            firstDelay.count() * std::pow(2.0, exponent));
    const double jitter = std::clamp(random01, 0.0, 1.0);
    return static_cast<qint64>(ceiling / 2.0 + jitter * ceiling / 2.0);
}

bool WebhookRetryPolicy::givesUp(qint64 createdAtMs, qint64 nowMs) const
{
    return nowMs - createdAtMs >= window.count();
}

} // namespace jobdesk
