#pragma once

#include "http/httpmessage.h"

#include <QString>
#include <string>

namespace jobdesk {

class JobService;

/// jobdeskd's HTTP API (CONTRACT.md, "HTTP API"): a thin adapter that routes
/// requests from the HTTP transport to the job service and writes its
/// answers; every decision about jobs is the service's.
///
/// handle() runs on the transport's I/O thread and never blocks it. Status
/// polls are answered there from the snapshots the service publishes after
/// each commit; every other call hops to the service's thread (a queued
/// call) and answers from there through the thread-safe responder.
class HttpApi final
{
public:
    /// An empty `token` turns authentication off.
    HttpApi(JobService &service, const QString &token, const QString &version);
    HttpApi(const HttpApi &) = delete;
    HttpApi &operator=(const HttpApi &) = delete;

    void handle(HttpRequest &&request, HttpResponder respond);

private:
    void submit(HttpRequest &&request, HttpResponder respond);
    void listJobs(const HttpRequest &request, HttpResponder respond);
    void getJob(const QString &id, const HttpRequest &request, HttpResponder respond);
    void cancel(const QString &id, HttpResponder respond);
    void retry(const QString &id, HttpResponder respond);
    void getResult(const QString &id, const HttpRequest &request, HttpResponder respond);
    void getEvents(const QString &id, HttpResponder respond);
    void getKinds(HttpResponder respond);
    void getStats(HttpResponder respond);
    /// Runs `work` on the service's thread, after what is queued there.
    template <typename Work> void onServiceThread(Work &&work);

    JobService &m_service;
    const std::string m_token;
    const QString m_version;
};

} // namespace jobdesk
