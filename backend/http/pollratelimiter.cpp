#include "pollratelimiter.h"

#include <algorithm>
#include <cmath>

namespace jobdesk {

namespace {

// Buckets kept before full ones are dropped (a full bucket is the same as none).
constexpr std::size_t kMaxBuckets = 4096;

} // namespace

PollRateLimiter::PollRateLimiter(double ratePerS, double burst)
    : m_ratePerS(std::max(0.0, ratePerS))
    , m_burst(std::max(1.0, burst > 0 ? burst : ratePerS))
{
}

PollRateLimiter::Decision PollRateLimiter::admit(std::string_view key, Clock::time_point now)
{
    if (!enabled())
        return {};
    std::lock_guard lock(m_mutex);
    auto it = m_buckets.find(std::string(key));
    if (it == m_buckets.end()) {
        if (m_buckets.size() >= kMaxBuckets)
            forgetFullBuckets(now);
        it = m_buckets.emplace(std::string(key), Bucket{m_burst, now}).first;
    }
    Bucket &bucket = it->second;
    const double elapsedS = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(m_burst, bucket.tokens + std::max(0.0, elapsedS) * m_ratePerS);
    bucket.updated = now;
    if (bucket.tokens >= 1.0) {
        bucket.tokens -= 1.0;
        return {};
    }
    const double waitS = (1.0 - bucket.tokens) / m_ratePerS;
    return {false, std::max(1, static_cast<int>(std::ceil(waitS)))};
}

void PollRateLimiter::forgetFullBuckets(Clock::time_point now)
{
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        const double elapsedS = std::chrono::duration<double>(now - it->second.updated).count();
        if (it->second.tokens + elapsedS * m_ratePerS >= m_burst)
            it = m_buckets.erase(it);
        else
            ++it;
    }
}

} // namespace jobdesk
