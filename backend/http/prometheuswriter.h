#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jobdesk {

/// Label names and values of one sample, in order.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

/// Writes the Prometheus text exposition format (version 0.0.4): a `# HELP`
/// and `# TYPE` line per family, then its samples, label values escaped.
class PrometheusWriter
{
public:
    /// The Content-Type of the format.
    static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// Starts a family; `type` is counter, gauge or histogram.
    void family(std::string_view name, std::string_view type, std::string_view help);
    void sample(std::string_view name, const MetricLabels &labels, double value);

    const std::string &text() const { return m_text; }

    /// A value as the format spells it: integers without a fraction, +Inf, NaN.
    static std::string formatValue(double value);

private:
    std::string m_text;
};

} // namespace jobdesk
