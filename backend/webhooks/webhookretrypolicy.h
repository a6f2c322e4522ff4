#pragma once

#include <QtGlobal>
#include <chrono>

namespace jobdesk {

/// When a failed webhook delivery is tried again: exponential backoff with
/// "equal jitter" (half the delay fixed, half random), so the first retry
/// comes within `firstDelay` and deliveries that failed together spread
/// out; the delay doubles up to `cap`. A delivery that still fails once
/// `window` has passed since it was queued is given up: attempts go on for
/// at least that long.
struct WebhookRetryPolicy
{
    std::chrono::milliseconds firstDelay{5000};
    std::chrono::milliseconds cap{std::chrono::hours(1)};
    std::chrono::milliseconds window{std::chrono::hours(24)};

    /// The wait after `failedAttempts` (from 1) failures; `random01` in [0, 1).
    qint64 delayMs(int failedAttempts, double random01) const;
    /// Whether a delivery queued at `createdAtMs` that failed at `nowMs` stops.
    bool givesUp(qint64 createdAtMs, qint64 nowMs) const;
};

} // namespace jobdesk
