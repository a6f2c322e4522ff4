#include "scenariofigures.h"

#include <algorithm>
#include <cstdio>

namespace jobdesk::bench {

namespace {

double median(std::vector<double> values)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

template <typename Field> double medianField(const std::vector<ScenarioFigures> &runs, Field field)
{
    std::vector<double> values;
    for (const ScenarioFigures &f : runs)
        values.push_back(field(f));
    return median(std::move(values));
}

} // namespace

std::string ScenarioFigures::format() const
{
    char line[512];
    int n = std::snprintf(line, sizeof line, "%-18s count=%zu errors=%zu time=%.3fs rate=%.0f/s",
                          name.c_str(), count, errors, seconds, rate());
    std::string out(line, static_cast<std::size_t>(std::max(n, 0)));
    if (hasLatency) {
        n = std::snprintf(line, sizeof line, "  latency_ms p50=%.2f p95=%.2f p99=%.2f max=%.2f",
                          latency.p50, latency.p95, latency.p99, latency.max);
        out.append(line, static_cast<std::size_t>(std::max(n, 0)));
    }
    if (daemonCpuS >= 0) {
        const double perOp = count ? daemonCpuS / static_cast<double>(count) * 1e6 : 0;
        n = std::snprintf(line, sizeof line, "  cpu_s jobdeskd=%.2f (%.0f us/op)", daemonCpuS,
                          perOp);
        out.append(line, static_cast<std::size_t>(std::max(n, 0)));
    }
    if (workersCpuS >= 0) {
        n = std::snprintf(line, sizeof line, " workers=%.2f", workersCpuS);
        out.append(line, static_cast<std::size_t>(std::max(n, 0)));
    }
    if (benchCpuS >= 0) {
        n = std::snprintf(line, sizeof line, " bench=%.2f", benchCpuS);
        out.append(line, static_cast<std::size_t>(std::max(n, 0)));
    }
    if (othersCpuS >= 0) {
        n = std::snprintf(line, sizeof line, " others=%.2f", othersCpuS);
        out.append(line, static_cast<std::size_t>(std::max(n, 0)));
    }
    return out;
}

ScenarioFigures medianOf(const std::vector<ScenarioFigures> &runs)
{
    ScenarioFigures m;
    if (runs.empty())
        return m;
    m.name = runs.front().name;
    m.hasLatency = runs.front().hasLatency;
    m.count = static_cast<std::size_t>(
        medianField(runs, [](const ScenarioFigures &f) { return double(f.count); }));
    for (const ScenarioFigures &f : runs)
        m.errors += f.errors;
    // The median time of the runs, so that rate() is the median rate when
    // the counts are equal (they are: the same --count each run).
    m.seconds = medianField(runs, [](const ScenarioFigures &f) { return f.seconds; });
    m.latency.p50 = medianField(runs, [](const ScenarioFigures &f) { return f.latency.p50; });
    m.latency.p95 = medianField(runs, [](const ScenarioFigures &f) { return f.latency.p95; });
    m.latency.p99 = medianField(runs, [](const ScenarioFigures &f) { return f.latency.p99; });
    m.latency.max = medianField(runs, [](const ScenarioFigures &f) { return f.latency.max; });
    m.daemonCpuS = medianField(runs, [](const ScenarioFigures &f) { return f.daemonCpuS; });
    m.workersCpuS = medianField(runs, [](const ScenarioFigures &f) { return f.workersCpuS; });
    m.benchCpuS = medianField(runs, [](const ScenarioFigures &f) { return f.benchCpuS; });
    m.othersCpuS = medianField(runs, [](const ScenarioFigures &f) { return f.othersCpuS; });
    return m;
}

} // namespace jobdesk::bench
