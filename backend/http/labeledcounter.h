#pragma once

#include "prometheuswriter.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace jobdesk {

/// A Prometheus counter family: one value per combination of label values.
/// Thread-safe. Counters live as long as the process: they start at 0 with
/// every run of jobdeskd, which Prometheus's rate() and increase() handle.
class LabeledCounter
{
public:
    LabeledCounter(std::string name, std::string help, std::vector<std::string> labelNames);

    /// `labelValues` in the order of the label names.
    void increment(const std::vector<std::string> &labelValues, double by = 1.0);
    double value(const std::vector<std::string> &labelValues) const;
    void writeTo(PrometheusWriter &writer) const;

private:
    const std::string m_name;
    const std::string m_help;
    const std::vector<std::string> m_labelNames;
    mutable std::mutex m_mutex;
    std::map<std::vector<std::string>, double> m_values;
};

} // namespace jobdesk
