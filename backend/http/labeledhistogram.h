#pragma once

#include "prometheuswriter.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace jobdesk {

/// A Prometheus histogram family with fixed bucket bounds, one series per
/// combination of label values. Thread-safe.
class LabeledHistogram
{
public:
    /// `bounds`: the upper bounds of the buckets, increasing (+Inf is added).
    LabeledHistogram(std::string name, std::string help, std::vector<std::string> labelNames,
                     std::vector<double> bounds);

    void observe(const std::vector<std::string> &labelValues, double value);
    void writeTo(PrometheusWriter &writer) const;

    struct Series
    {
        std::vector<std::uint64_t> buckets; // per bound, not cumulative; the last is +Inf
        double sum = 0;
        std::uint64_t count = 0;
    };
    Series series(const std::vector<std::string> &labelValues) const;
    const std::vector<double> &bounds() const { return m_bounds; }

private:
    const std::string m_name;
    const std::string m_help;
    const std::vector<std::string> m_labelNames;
    const std::vector<double> m_bounds;
    mutable std::mutex m_mutex;
    std::map<std::vector<std::string>, Series> m_series;
};

} // namespace jobdesk
