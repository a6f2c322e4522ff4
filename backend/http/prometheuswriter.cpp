#include "prometheuswriter.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace jobdesk {

namespace {

void appendEscaped(std::string &out, std::string_view text, bool quoteToo)
{
    for (const char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '"' && quoteToo)
            out += "\\\"";
        else
            out += c;
    }
}

} // namespace

void PrometheusWriter::family(std::string_view name, std::string_view type, std::string_view help)
{
    m_text += "# HELP ";
    m_text += name;
    m_text += ' ';
    appendEscaped(m_text, help, false);
    m_text += "\n# TYPE ";
    m_text += name;
    m_text += ' ';
    m_text += type;
    m_text += '\n';
}

void PrometheusWriter::sample(std::string_view name, const MetricLabels &labels, double value)
{
    m_text += name;
    if (!labels.empty()) {
        m_text += '{';
        bool first = true;
        for (const auto &[key, text] : labels) {
            if (!first)
                m_text += ',';
            first = false;
            m_text += key;
            m_text += "=\"";
            appendEscaped(m_text, text, true);
            m_text += '"';
        }
        m_text += '}';
    }
    m_text += ' ';
    m_text += formatValue(value);
    m_text += '\n';
}

std::string PrometheusWriter::formatValue(double value)
{
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    if (value == std::floor(value) && std::fabs(value) < 1e15)
        return std::to_string(static_cast<long long>(value));
    // The shortest of %.15g and %.17g that reads back as the same double.
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.15g", value);
    if (std::strtod(buffer, nullptr) != value)
        std::snprintf(buffer, sizeof buffer, "%.17g", value);
    return buffer;
}

} // namespace jobdesk
