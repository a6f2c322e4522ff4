#pragma once

#include <chrono>

namespace jobdesk {

/// The delay before a worker slot that keeps crashing gets its next worker:
/// base, 2 x base, 4 x base, ... up to cap. A worker that stayed healthy for
/// `healthyAfter`, or that finished an attempt (recovered()), wipes the
/// slot's record, so one crash after a quiet time is replaced at once-ish
/// again. The backoff is for a slot whose workers cannot work at all (a
/// broken install, a crash at start); a job that kills its worker is
/// limited by its own attempts and retry backoff instead.
class RespawnBackoff
{
public:
    RespawnBackoff(std::chrono::milliseconds base, std::chrono::milliseconds cap,
                   std::chrono::milliseconds healthyAfter);

    /// A worker of this slot died unexpectedly after `healthyFor` of being
    /// usable (zero when it never was). Returns how long to wait.
    std::chrono::milliseconds crashed(std::chrono::milliseconds healthyFor);
    /// A worker of this slot finished an attempt: it works, so earlier
    /// crashes no longer count.
    void recovered() { m_streak = 0; }
    /// How many crashes in a row the slot has had.
    int streak() const { return m_streak; }

private:
    std::chrono::milliseconds m_base;
    std::chrono::milliseconds m_cap;
    std::chrono::milliseconds m_healthyAfter;
    int m_streak = 0;
};

} // namespace jobdesk
