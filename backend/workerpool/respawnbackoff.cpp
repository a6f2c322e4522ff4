#include "respawnbackoff.h"

#include <algorithm>

namespace jobdesk {

RespawnBackoff::RespawnBackoff(std::chrono::milliseconds base, std::chrono::milliseconds cap,
                               std::chrono::milliseconds healthyAfter)
    : m_base(base)
    , m_cap(cap)
    , m_healthyAfter(healthyAfter)
{
}

std::chrono::milliseconds RespawnBackoff::crashed(std::chrono::milliseconds healthyFor)
{
    if (healthyFor >= m_healthyAfter)
        m_streak = 0;
    ++m_streak;
    // Doubling stops once past the cap, so the shift can never overflow.
    std::chrono::milliseconds delay = m_base;
    for (int i = 1; i < m_streak && delay < m_cap; ++i)
        delay *= 2;
    return std::min(delay, m_cap);
}

} // namespace jobdesk
