#include "latencysamples.h"

#include <algorithm>
#include <cmath>

namespace jobdesk::bench {

void LatencySamples::add(std::chrono::steady_clock::duration d)
{
    m_micros.push_back(std::chrono::duration<double, std::micro>(d).count());
}

LatencySummary LatencySamples::summary() const
{
    if (m_micros.empty())
        return {};
    std::vector<double> sorted = m_micros;
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double p) {
        const auto rank =
            static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
        return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1] / 1000.0;
    };
    return LatencySummary{at(0.50), at(0.95), at(0.99), sorted.back() / 1000.0};
}

} // namespace jobdesk::bench
