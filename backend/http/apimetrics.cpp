#include "apimetrics.h"

#include "stats/durationbuckets.h"

namespace jobdesk {

const std::vector<double> &ApiMetrics::jobDurationBoundsS()
{
    // One definition: the per-minute aggregates count in the same buckets.
    static const std::vector<double> bounds(kJobDurationBoundsS.begin(), kJobDurationBoundsS.end());
    return bounds;
}

const std::vector<double> &ApiMetrics::httpDurationBoundsS()
{
    // Long polls answer after up to 60 s, hence the upper buckets.
    static const std::vector<double> bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                               0.25,   0.5,   1,      2.5,   5,    10,    30,   60};
    return bounds;
}

std::string ApiMetrics::render(const std::vector<Gauge> &gauges) const
{
    PrometheusWriter writer;
    for (const Gauge &g : gauges) {
        writer.family(g.name, "gauge", g.help);
        writer.sample(g.name, {}, g.value);
    }
    jobsSubmitted.writeTo(writer);
    jobsFinished.writeTo(writer);
    jobDuration.writeTo(writer);
    httpRequests.writeTo(writer);
    httpDuration.writeTo(writer);
    webhookAttempts.writeTo(writer);
    return writer.text();
}

} // namespace jobdesk
