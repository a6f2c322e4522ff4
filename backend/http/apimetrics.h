#pragma once

#include "labeledcounter.h"
#include "labeledhistogram.h"

#include <string>
#include <vector>

namespace jobdesk {

/// The metrics `GET /metrics` serves (CONTRACT.md, "HTTP API"), shared by
/// the job service, which counts jobs, and the HTTP API, which counts
/// requests. Thread-safe. Counters restart at 0 with each run of jobdeskd;
/// Prometheus's rate() and increase() read that as a counter reset.
class ApiMetrics
{
public:
    /// Upper bounds of the job duration buckets, seconds: those of
    /// stats/durationbuckets.h, which the per-minute aggregates of the stats
    /// series count in too.
    static const std::vector<double> &jobDurationBoundsS();
    /// Upper bounds of the HTTP request duration buckets, seconds.
    static const std::vector<double> &httpDurationBoundsS();

    LabeledCounter jobsSubmitted{
        "jobdesk_jobs_submitted_total", "Jobs accepted (stored), by kind.", {"kind"}};
    LabeledCounter jobsFinished{"jobdesk_jobs_finished_total",
                                "Jobs that reached a terminal state, by kind and status.",
                                {"kind", "status"}};
    LabeledHistogram jobDuration{
        "jobdesk_job_duration_seconds",
        "Run time of the last attempt of each finished job, from dispatch to its end.",
        {},
        jobDurationBoundsS()};
    LabeledCounter httpRequests{"jobdesk_http_requests_total",
                                "HTTP requests answered by the API, by route and status code.",
                                {"route", "code"}};
    LabeledHistogram httpDuration{"jobdesk_http_request_duration_seconds",
                                  "Time from a request's arrival to its answer, by route.",
                                  {"route"},
                                  httpDurationBoundsS()};
    LabeledCounter webhookAttempts{
        "jobdesk_webhook_attempts_total", "Webhook delivery attempts, by outcome.", {"outcome"}};

    /// A value read at scrape time.
    struct Gauge
    {
        std::string name;
        std::string help;
        double value = 0;
    };
    /// The whole exposition: the gauges given, then every family above.
    std::string render(const std::vector<Gauge> &gauges) const;
};

} // namespace jobdesk
