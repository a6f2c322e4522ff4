#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace jobdesk {

/// Rate limiting of status polls, one token bucket per API token
/// (`--poll-rate-limit`): each key may make `ratePerS` polls a second on
/// average, in bursts of up to `burst`. Off when `ratePerS` is 0.
/// Thread-safe.
class PollRateLimiter
{
public:
    using Clock = std::chrono::steady_clock;

    explicit PollRateLimiter(double ratePerS = 0, double burst = 0);

    bool enabled() const { return m_ratePerS > 0; }

    struct Decision
    {
        bool allowed = true;
        int retryAfterS = 0; // when refused: whole seconds until a poll is allowed again
    };
    /// Takes one poll from `key`'s bucket.
    Decision admit(std::string_view key, Clock::time_point now = Clock::now());

private:
    struct Bucket
    {
        double tokens = 0;
        Clock::time_point updated;
    };

    void forgetFullBuckets(Clock::time_point now);

    const double m_ratePerS;
    const double m_burst;
    std::mutex m_mutex;
    std::unordered_map<std::string, Bucket> m_buckets;
};

} // namespace jobdesk
