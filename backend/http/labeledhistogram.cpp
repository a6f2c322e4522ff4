#include "labeledhistogram.h"

#include <algorithm>
#include <limits>

namespace jobdesk {

LabeledHistogram::LabeledHistogram(std::string name, std::string help,
                                   std::vector<std::string> labelNames, std::vector<double> bounds)
    : m_name(std::move(name))
    , m_help(std::move(help))
    , m_labelNames(std::move(labelNames))
    , m_bounds(std::move(bounds))
{
}

void LabeledHistogram::observe(const std::vector<std::string> &labelValues, double value)
{
    // `le` is inclusive: a value equal to a bound belongs to that bucket.
    const auto at = std::lower_bound(m_bounds.begin(), m_bounds.end(), value) - m_bounds.begin();
    std::lock_guard lock(m_mutex);
    Series &s = m_series[labelValues];
    if (s.buckets.empty())
        s.buckets.assign(m_bounds.size() + 1, 0);
    ++s.buckets[static_cast<std::size_t>(at)];
    s.sum += value;
    ++s.count;
}

LabeledHistogram::Series LabeledHistogram::series(const std::vector<std::string> &labelValues) const
{
    std::lock_guard lock(m_mutex);
    const auto it = m_series.find(labelValues);
    if (it != m_series.end())
        return it->second;
    Series empty;
    empty.buckets.assign(m_bounds.size() + 1, 0);
    return empty;
}

void LabeledHistogram::writeTo(PrometheusWriter &writer) const
{
    writer.family(m_name, "histogram", m_help);
    const std::string bucketName = m_name + "_bucket";
    const std::string sumName = m_name + "_sum";
    const std::string countName = m_name + "_count";
    std::lock_guard lock(m_mutex);
    for (const auto &[values, s] : m_series) {
        MetricLabels labels;
        for (std::size_t i = 0; i < m_labelNames.size() && i < values.size(); ++i)
            labels.emplace_back(m_labelNames[i], values[i]);
        std::uint64_t cumulative = 0;
        for (std::size_t b = 0; b < s.buckets.size(); ++b) {
            cumulative += s.buckets[b];
            MetricLabels withLe = labels;
            withLe.emplace_back("le", b < m_bounds.size()
                                          ? PrometheusWriter::formatValue(m_bounds[b])
                                          : std::string("+Inf"));
            writer.sample(bucketName, withLe, static_cast<double>(cumulative));
        }
        writer.sample(sumName, labels, s.sum);
        writer.sample(countName, labels, static_cast<double>(s.count));
    }
}

} // namespace jobdesk
