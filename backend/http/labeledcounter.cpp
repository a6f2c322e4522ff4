#include "labeledcounter.h"

namespace jobdesk {

LabeledCounter::LabeledCounter(std::string name, std::string help,
                               std::vector<std::string> labelNames)
    : m_name(std::move(name))
    , m_help(std::move(help))
    , m_labelNames(std::move(labelNames))
{
}

void LabeledCounter::increment(const std::vector<std::string> &labelValues, double by)
{
    std::lock_guard lock(m_mutex);
    m_values[labelValues] += by;
}

double LabeledCounter::value(const std::vector<std::string> &labelValues) const
{
    std::lock_guard lock(m_mutex);
    const auto it = m_values.find(labelValues);
    return it == m_values.end() ? 0.0 : it->second;
}

void LabeledCounter::writeTo(PrometheusWriter &writer) const
{
    writer.family(m_name, "counter", m_help);
    std::lock_guard lock(m_mutex);
    for (const auto &[values, count] : m_values) {
        MetricLabels labels;
        for (std::size_t i = 0; i < m_labelNames.size() && i < values.size(); ++i)
            labels.emplace_back(m_labelNames[i], values[i]);
        writer.sample(m_name, labels, count);
    }
}

} // namespace jobdesk
