#pragma once

#include "http/apimetrics.h"
#include "http/httpmessage.h"
#include "http/pollratelimiter.h"

#include <QByteArray>
#include <QString>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace jobdesk {

class JobService;
class LongPollWaiters;
struct JobSnapshot;

/// jobdeskd's HTTP API (CONTRACT.md, "HTTP API"; docs/api.md): a thin
/// adapter that routes requests from the HTTP transport to the job service
/// and writes its answers; every decision about jobs is the service's.
///
/// handle() runs on the transport's I/O thread and never blocks it. Status
/// polls are answered there from the snapshots the service publishes after
/// each commit; long polls wait in LongPollWaiters, woken by the commit
/// that changes their job; every other call hops to the service's thread (a
/// queued call) and answers from there through the thread-safe responder.
class HttpApi final
{
public:
    struct Options
    {
        QString token; // empty: authentication off
        QString version;
        /// Polls per second allowed per token; 0 = no rate limiting.
        double pollRatePerS = 0;
        /// More gauges for /metrics, read on the service's thread.
        std::function<std::vector<ApiMetrics::Gauge>()> extraGauges;
    };

    HttpApi(JobService &service, LongPollWaiters &waiters, std::shared_ptr<ApiMetrics> metrics,
            Options options);
    HttpApi(const HttpApi &) = delete;
    HttpApi &operator=(const HttpApi &) = delete;

    void handle(HttpRequest &&request, HttpResponder respond);

private:
    void submit(HttpRequest &&request, HttpResponder respond);
    void listJobs(const HttpRequest &request, HttpResponder respond);
    void getJob(const QString &id, const HttpRequest &request, HttpResponder respond);
    /// Answers a status read from a snapshot, now or (long poll) later.
    void answerJob(std::shared_ptr<const JobSnapshot> snapshot, const std::string &ifNoneMatch,
                   int waitS, HttpResponder respond);
    /// A long poll's answer once woken: the job as it now stands.
    void answerWoken(const QString &id, const std::string &ifNoneMatch, HttpResponder respond);
    void cancel(const QString &id, HttpResponder respond);
    void retry(const QString &id, HttpResponder respond);
    void getResult(const QString &id, const HttpRequest &request, HttpResponder respond);
    void getEvents(const QString &id, HttpResponder respond);
    void getKinds(HttpResponder respond);
    void getStats(const HttpRequest &request, HttpResponder respond);
    void getReady(HttpResponder respond);
    void getMetrics(HttpResponder respond);

    HttpResponse jobStateResponse(const JobSnapshot &snapshot, std::string_view ifNoneMatch) const;
    HttpResponse changedJobResponse(int status, const QString &id, qint64 rev,
                                    const QByteArray &body) const;
    /// The key a poll is rate-limited by: the token, or the peer's address
    /// when authentication is off.
    std::string pollKey(const HttpRequest &request) const;
    /// Runs `work` on the service's thread, after what is queued there.
    template <typename Work> void onServiceThread(Work &&work);

    JobService &m_service;
    LongPollWaiters &m_waiters;
    const std::shared_ptr<ApiMetrics> m_metrics;
    const Options m_options;
    const std::string m_token;
    PollRateLimiter m_pollLimiter;
    const QByteArray m_openApi;
};

} // namespace jobdesk
