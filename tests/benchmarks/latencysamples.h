#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

namespace jobdesk::bench {

/// Percentiles of a set of latencies, in milliseconds.
struct LatencySummary
{
    double p50 = 0;
    double p95 = 0;
    double p99 = 0;
    double max = 0;
};

/// Every latency of one measurement, kept whole so percentiles are exact
/// (a 20,000-request run is 160 KB of samples).
class LatencySamples
{
public:
    void reserve(std::size_t n) { m_micros.reserve(n); }
    void add(std::chrono::steady_clock::duration d);
    void addMicros(double micros) { m_micros.push_back(micros); }
    std::size_t size() const { return m_micros.size(); }
    /// Nearest-rank percentiles; all zero when there are no samples.
    LatencySummary summary() const;

private:
    std::vector<double> m_micros;
};

} // namespace jobdesk::bench
