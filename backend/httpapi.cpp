#include "httpapi.h"

#include "http/apiroute.h"
#include "http/bearerauth.h"
#include "http/byterange.h"
#include "http/contentdisposition.h"
#include "http/etagmatch.h"
#include "http/idempotencykey.h"
#include "http/jobsquery.h"
#include "http/longpollwaiters.h"
#include "http/mediatype.h"
#include "http/problem.h"
#include "http/prometheuswriter.h"
#include "jobjson.h"
#include "jobservice.h"
#include "jsonparse.h"
#include "pagejson.h"
#include "timeformat.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMetaObject>
#include <chrono>

namespace jobdesk {

namespace {

const char kOpenApiResource[] = ":/jobdesk/openapi.json";

QString fromStd(std::string_view s)
{
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

HttpResponse jsonResponse(int status, const QByteArray &body)
{
    HttpResponse response;
    response.status = status;
    response.setHeader("Content-Type", "application/json");
    response.body = body.toStdString();
    return response;
}

HttpResponse jsonResponse(int status, const QJsonObject &body)
{
    return jsonResponse(status, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

QByteArray etagForRev(qint64 rev)
{
    return "\"r" + QByteArray::number(rev) + '"';
}

HttpResponse unauthorized()
{
    HttpResponse response = problemResponse(ApiError::make(
        ErrorCode::Unauthorized, QStringLiteral("send Authorization: Bearer <token>")));
    response.setHeader("WWW-Authenticate", "Bearer realm=\"jobdesk\"");
    return response;
}

HttpResponse methodNotAllowed(ApiResource resource, const std::string &method)
{
    HttpResponse response = problemResponse(
        405, QStringLiteral("method_not_allowed"), QStringLiteral("Method Not Allowed"),
        QStringLiteral("%1 is not allowed here").arg(QString::fromStdString(method)));
    response.setHeader("Allow", allowedMethods(resource));
    return response;
}

HttpResponse badJobId()
{
    ApiError error =
        ApiError::make(ErrorCode::InvalidRequest, QStringLiteral("the job id is not a UUID"));
    error.fieldErrors.append({QStringLiteral("id"), QStringLiteral("must be a UUID")});
    return problemResponse(error);
}

// Polls are the reads a client repeats while it waits for a job.
bool isPoll(ApiResource resource, const std::string &method)
{
    if (method != "GET" && method != "HEAD")
        return false;
    return resource == ApiResource::Job || resource == ApiResource::Jobs ||
           resource == ApiResource::JobEvents;
}

HttpResponse resultResponse(JobService::ResultData &&data, std::string_view ifNoneMatch,
                            std::string_view range, std::string_view ifRange)
{
    const ResultInfo info = data.job.result.value_or(ResultInfo{});
    // A strong validator: the bytes never change once the job is COMPLETED.
    const std::string etag = '"' + info.sha256.toStdString() + '"';
    HttpResponse response;
    response.setHeader("ETag", etag);
    if (!ifNoneMatch.empty() && ifNoneMatchMatches(ifNoneMatch, etag)) {
        response.status = 304;
        return response;
    }
    const bool inFile = !data.filePath.isEmpty();
    const std::uint64_t size = inFile ? static_cast<std::uint64_t>(QFileInfo(data.filePath).size())
                                      : static_cast<std::uint64_t>(data.bytes.size());
    const RangeRequest wanted =
        ifRangeAllows(ifRange, etag) ? evaluateRange(range, size) : RangeRequest{};
    if (wanted.verdict == RangeRequest::Verdict::Unsatisfiable) {
        response = problemResponse(416, QStringLiteral("range_not_satisfiable"),
                                   QStringLiteral("Range Not Satisfiable"),
                                   QStringLiteral("the result is %1 bytes long").arg(size));
        response.setHeader("Content-Range", "bytes */" + std::to_string(size));
        response.setHeader("ETag", etag);
        return response;
    }
    response.setHeader("Content-Type", info.contentType.isEmpty()
                                           ? std::string("application/octet-stream")
                                           : info.contentType.toStdString());
    response.setHeader("Content-Disposition", attachmentDisposition(info.filename));
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setHeader("Accept-Ranges", "bytes");
    std::uint64_t first = 0;
    std::uint64_t length = size;
    if (wanted.verdict == RangeRequest::Verdict::Partial) {
        response.status = 206;
        first = wanted.first;
        length = wanted.length;
        response.setHeader("Content-Range", contentRange(first, length, size));
    }
    if (inFile) {
        response.filePath = data.filePath.toStdString();
        response.fileOffset = first;
        response.fileLength = static_cast<std::int64_t>(length);
    } else {
        response.body =
            data.bytes.mid(static_cast<qsizetype>(first), static_cast<qsizetype>(length))
                .toStdString();
    }
    return response;
}

QByteArray loadOpenApi()
{
    QFile file(QString::fromLatin1(kOpenApiResource));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

} // namespace

HttpApi::HttpApi(JobService &service, LongPollWaiters &waiters, std::shared_ptr<ApiMetrics> metrics,
                 Options options)
    : m_service(service)
    , m_waiters(waiters)
    , m_metrics(std::move(metrics))
    , m_options(std::move(options))
    , m_token(m_options.token.toStdString())
    , m_pollLimiter(m_options.pollRatePerS, m_options.pollRatePerS)
    , m_openApi(loadOpenApi())
{
}

template <typename Work> void HttpApi::onServiceThread(Work &&work)
{
    // Should the call never run (the service is gone), the responder inside
    // `work` is dropped unanswered and the transport answers 500/503.
    QMetaObject::invokeMethod(&m_service, std::forward<Work>(work), Qt::QueuedConnection);
}

std::string HttpApi::pollKey(const HttpRequest &request) const
{
    if (!m_token.empty())
        return std::string(request.header("Authorization"));
    // "address:port": the address alone (an IPv6 address has colons too).
    const auto colon = request.peer.rfind(':');
    return request.peer.substr(0, colon);
}

void HttpApi::handle(HttpRequest &&request, HttpResponder respond)
{
    const ApiRoute route = parseApiRoute(request.path());

    // Every answer of the API is counted, by route template and status.
    respond = [respond = std::move(respond), metrics = m_metrics,
               label = std::string(routeTemplate(route.resource)),
               started = std::chrono::steady_clock::now()](HttpResponse response) {
        metrics->httpRequests.increment({label, std::to_string(response.status)});
        metrics->httpDuration.observe(
            {label},
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        respond(std::move(response));
    };

    if (route.needsAuth && !m_token.empty() &&
        !bearerTokenMatches(request.header("Authorization"), m_token)) {
        respond(unauthorized());
        return;
    }
    if (route.resource == ApiResource::Unknown) {
        respond(problemResponse(
            ApiError::make(ErrorCode::NotFound,
                           QStringLiteral("no resource at %1").arg(fromStd(request.path())))));
        return;
    }
    if (route.resource == ApiResource::BadJobId) {
        respond(badJobId());
        return;
    }
    if (!isMethodAllowed(route.resource, request.method)) {
        respond(methodNotAllowed(route.resource, request.method));
        return;
    }
    if (m_pollLimiter.enabled() && isPoll(route.resource, request.method)) {
        const PollRateLimiter::Decision decision = m_pollLimiter.admit(pollKey(request));
        if (!decision.allowed) {
            respond(problemResponse(ApiError{
                ErrorCode::RateLimited,
                QStringLiteral("more than %1 polls a second; use ?wait=N to wait for a change")
                    .arg(m_options.pollRatePerS),
                {},
                decision.retryAfterS}));
            return;
        }
    }

    // HEAD is answered as GET; the transport sends the header only.
    switch (route.resource) {
    case ApiResource::Health:
        respond(jsonResponse(200, QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}}));
        return;
    case ApiResource::Ready:
        getReady(std::move(respond));
        return;
    case ApiResource::Metrics:
        getMetrics(std::move(respond));
        return;
    case ApiResource::OpenApi:
        if (m_openApi.isEmpty())
            respond(problemResponse(ApiError::make(
                ErrorCode::Internal, QStringLiteral("the OpenAPI document is missing"))));
        else
            respond(jsonResponse(200, m_openApi));
        return;
    case ApiResource::Jobs:
        if (request.method == "POST")
            submit(std::move(request), std::move(respond));
        else
            listJobs(request, std::move(respond));
        return;
    case ApiResource::Job:
        getJob(route.jobId, request, std::move(respond));
        return;
    case ApiResource::JobCancel:
        cancel(route.jobId, std::move(respond));
        return;
    case ApiResource::JobRetry:
        retry(route.jobId, std::move(respond));
        return;
    case ApiResource::JobResult:
        getResult(route.jobId, request, std::move(respond));
        return;
    case ApiResource::JobEvents:
        getEvents(route.jobId, std::move(respond));
        return;
    case ApiResource::Kinds:
        getKinds(std::move(respond));
        return;
    case ApiResource::Stats:
        getStats(request, std::move(respond));
        return;
    case ApiResource::Unknown:
    case ApiResource::BadJobId:
        break;
    }
}

// ---------------------------------------------------------------------------
// Jobs: submit, list, status (with long polls), cancel, retry
// ---------------------------------------------------------------------------

HttpResponse HttpApi::changedJobResponse(int status, const QString &id, qint64 rev,
                                         const QByteArray &body) const
{
    HttpResponse response = jsonResponse(status, body);
    response.setHeader("ETag", etagForRev(rev).toStdString());
    if (status == 202)
        response.setHeader("Location", jobStatusPath(id).toStdString());
    // The job as now committed, when it is still the one answered: the hint
    // then matches what the body says.
    if (const auto snapshot = m_service.snapshot(id); snapshot && snapshot->rev == rev) {
        if (const int retryAfter = m_service.suggestRetryAfterS(*snapshot))
            response.setHeader("Retry-After", std::to_string(retryAfter));
    }
    return response;
}

void HttpApi::submit(HttpRequest &&request, HttpResponder respond)
{
    if (!isMediaType(request.header("Content-Type"), "application/json")) {
        respond(problemResponse(ApiError::make(
            ErrorCode::UnsupportedMediaType, QStringLiteral("send the job as application/json"))));
        return;
    }
    Result<QJsonObject> body = parseJsonObject(QByteArray::fromStdString(request.body));
    if (!body) {
        respond(problemResponse(body.error()));
        return;
    }
    QString idempotencyKey;
    if (request.hasHeader("Idempotency-Key")) {
        Result<QString> key = parseIdempotencyKey(request.header("Idempotency-Key"));
        if (!key) {
            respond(problemResponse(key.error()));
            return;
        }
        idempotencyKey = key.value();
    }

    onServiceThread([this, body = std::move(body).value(),
                     idempotencyKey = std::move(idempotencyKey), respond = std::move(respond)] {
        Result<SubmitCommand> command = m_service.parseSubmit(body, IdempotencyKeySource::Header);
        if (!command) {
            respond(problemResponse(command.error()));
            return;
        }
        command.value().request.idempotencyKey = idempotencyKey;
        m_service.submit(std::move(command).value(), [this, respond](Result<SubmitOutcome> stored) {
            if (!stored) {
                respond(problemResponse(stored.error()));
                return;
            }
            const SubmitOutcome &outcome = stored.value();
            HttpResponse response =
                changedJobResponse(202, outcome.jobId, outcome.rev, outcome.body);
            if (outcome.replayed)
                response.setHeader("Idempotent-Replayed", "true");
            respond(std::move(response));
        });
    });
}

void HttpApi::listJobs(const HttpRequest &request, HttpResponder respond)
{
    Result<JobsQuery> parsed = parseJobsQuery(fromStd(request.query()));
    if (!parsed) {
        respond(problemResponse(parsed.error()));
        return;
    }
    onServiceThread([this, query = std::move(parsed).value(), respond = std::move(respond)] {
        if (query.changeFeed) {
            Result<ChangesPage> page =
                m_service.changesSince(query.changedSince, query.changeLimit);
            respond(page ? jsonResponse(200, changesPageJson(page.value()))
                         : problemResponse(page.error()));
            return;
        }
        Result<ListPage> page = m_service.list(query.list);
        respond(page ? jsonResponse(200, listPageJson(page.value()))
                     : problemResponse(page.error()));
    });
}

HttpResponse HttpApi::jobStateResponse(const JobSnapshot &snapshot,
                                       std::string_view ifNoneMatch) const
{
    HttpResponse response;
    if (!ifNoneMatch.empty() && ifNoneMatchMatches(ifNoneMatch, snapshot.etag.toStdString()))
        response.status = 304;
    else
        response = jsonResponse(200, snapshot.json);
    response.setHeader("ETag", snapshot.etag.toStdString());
    // Caches must ask again: the job changes under the same URL.
    response.setHeader("Cache-Control", "no-cache");
    if (const int retryAfter = m_service.suggestRetryAfterS(snapshot))
        response.setHeader("Retry-After", std::to_string(retryAfter));
    return response;
}

void HttpApi::getJob(const QString &id, const HttpRequest &request, HttpResponder respond)
{
    Result<int> wait = parseJobWait(fromStd(request.query()));
    if (!wait) {
        respond(problemResponse(wait.error()));
        return;
    }
    std::string ifNoneMatch(request.header("If-None-Match"));
    // The hot path: most polls end here, on the I/O thread, with bytes
    // serialized once by the write path.
    if (std::shared_ptr<const JobSnapshot> snapshot = m_service.snapshot(id)) {
        answerJob(std::move(snapshot), ifNoneMatch, wait.value(), std::move(respond));
        return;
    }
    onServiceThread([this, id, ifNoneMatch = std::move(ifNoneMatch), waitS = wait.value(),
                     respond = std::move(respond)] {
        Result<Job> found = m_service.job(id); // publishes its snapshot
        if (!found) {
            respond(problemResponse(found.error()));
            return;
        }
        std::shared_ptr<const JobSnapshot> snapshot = m_service.snapshot(id);
        if (!snapshot) {
            // Trimmed from the cache meanwhile: answer from the row.
            respond(jsonResponse(200, jobToJsonBytes(found.value())));
            return;
        }
        answerJob(std::move(snapshot), ifNoneMatch, waitS, respond);
    });
}

void HttpApi::answerJob(std::shared_ptr<const JobSnapshot> snapshot, const std::string &ifNoneMatch,
                        int waitS, HttpResponder respond)
{
    const bool clientIsBehind =
        !ifNoneMatch.empty() && !ifNoneMatchMatches(ifNoneMatch, snapshot->etag.toStdString());
    if (waitS <= 0 || snapshot->terminal || clientIsBehind) {
        respond(jobStateResponse(*snapshot, ifNoneMatch));
        return;
    }
    const QString id = snapshot->id;
    const quint64 ticket =
        m_waiters.add(id, std::chrono::seconds(waitS), [this, id, ifNoneMatch, respond](bool) {
            answerWoken(id, ifNoneMatch, respond);
        });
    if (ticket == 0) {
        respond(problemResponse(ApiError{
            ErrorCode::Unavailable, QStringLiteral("too many long polls are waiting"), {}, 1}));
        return;
    }
    // A commit between reading the snapshot and registering would have
    // found nobody to wake: look again, and answer here if it did happen.
    const std::shared_ptr<const JobSnapshot> now = m_service.snapshot(id);
    if (now && now->rev != snapshot->rev && m_waiters.cancel(ticket))
        respond(jobStateResponse(*now, ifNoneMatch));
}

void HttpApi::answerWoken(const QString &id, const std::string &ifNoneMatch, HttpResponder respond)
{
    // On the service's thread (LongPollWaiters lives there).
    if (const std::shared_ptr<const JobSnapshot> snapshot = m_service.snapshot(id)) {
        respond(jobStateResponse(*snapshot, ifNoneMatch));
        return;
    }
    Result<Job> found = m_service.job(id);
    if (!found) {
        respond(problemResponse(found.error()));
        return;
    }
    if (const std::shared_ptr<const JobSnapshot> snapshot = m_service.snapshot(id))
        respond(jobStateResponse(*snapshot, ifNoneMatch));
    else
        respond(jsonResponse(200, jobToJsonBytes(found.value())));
}

void HttpApi::cancel(const QString &id, HttpResponder respond)
{
    onServiceThread([this, id, respond = std::move(respond)] {
        m_service.cancel(id, [this, respond](Result<CancelOutcome> outcome) {
            if (!outcome) {
                respond(problemResponse(outcome.error()));
                return;
            }
            const Job &job = outcome.value().job;
            respond(changedJobResponse(outcome.value().stopRequested ? 202 : 200, job.id, job.rev,
                                       jobToJsonBytes(job)));
        });
    });
}

void HttpApi::retry(const QString &id, HttpResponder respond)
{
    onServiceThread([this, id, respond = std::move(respond)] {
        m_service.retry(id, [this, respond](Result<Job> job) {
            if (!job) {
                respond(problemResponse(job.error()));
                return;
            }
            respond(changedJobResponse(202, job.value().id, job.value().rev,
                                       jobToJsonBytes(job.value())));
        });
    });
}

// ---------------------------------------------------------------------------
// Results, timelines, kinds, stats
// ---------------------------------------------------------------------------

void HttpApi::getResult(const QString &id, const HttpRequest &request, HttpResponder respond)
{
    onServiceThread([this, id, ifNoneMatch = std::string(request.header("If-None-Match")),
                     range = std::string(request.header("Range")),
                     ifRange = std::string(request.header("If-Range")),
                     respond = std::move(respond)] {
        Result<JobService::ResultData> data = m_service.result(id);
        respond(data ? resultResponse(std::move(data).value(), ifNoneMatch, range, ifRange)
                     : problemResponse(data.error()));
    });
}

void HttpApi::getEvents(const QString &id, HttpResponder respond)
{
    onServiceThread([this, id, respond = std::move(respond)] {
        Result<QList<JobEvent>> events = m_service.events(id);
        respond(events ? jsonResponse(200, eventsToJson(events.value()))
                       : problemResponse(events.error()));
    });
}

void HttpApi::getKinds(HttpResponder respond)
{
    onServiceThread([this, respond = std::move(respond)] {
        respond(
            jsonResponse(200, QJsonObject{{QStringLiteral("kinds"), m_service.kinds().toJson()}}));
    });
}

void HttpApi::getStats(const HttpRequest &request, HttpResponder respond)
{
    const Result<StatsRange> range = parseStatsRangeQuery(fromStd(request.query()), nowMs());
    if (!range) {
        respond(problemResponse(range.error()));
        return;
    }
    onServiceThread([this, range = range.value(), respond = std::move(respond)] {
        Result<QJsonObject> stats = m_service.stats(range);
        if (!stats) {
            respond(problemResponse(stats.error()));
            return;
        }
        stats.value().insert(QStringLiteral("version"), m_options.version);
        respond(jsonResponse(200, stats.value()));
    });
}

// ---------------------------------------------------------------------------
// Operations: readiness and metrics
// ---------------------------------------------------------------------------

void HttpApi::getReady(HttpResponder respond)
{
    onServiceThread([this, respond = std::move(respond)] {
        const int workers = m_service.workersReady();
        if (m_service.isReady()) {
            respond(
                jsonResponse(200, QJsonObject{{QStringLiteral("status"), QStringLiteral("ready")},
                                              {QStringLiteral("workers_ready"), workers}}));
            return;
        }
        respond(problemResponse(ApiError{
            ErrorCode::Unavailable,
            workers == 0 ? QStringLiteral("no worker is ready yet")
                         : QStringLiteral("the job store is not open or jobdeskd is stopping"),
            {},
            1}));
    });
}

void HttpApi::getMetrics(HttpResponder respond)
{
    onServiceThread([this, respond = std::move(respond)] {
        std::vector<ApiMetrics::Gauge> gauges = {
            {"jobdesk_queue_depth", "Jobs waiting in the queue (PENDING).",
             static_cast<double>(m_service.queueDepth())},
            {"jobdesk_workers_busy", "Workers running an attempt.",
             static_cast<double>(m_service.workersBusy())},
            {"jobdesk_long_polls_waiting", "Long polls waiting for their job to change.",
             static_cast<double>(m_waiters.count())},
        };
        if (m_options.extraGauges) {
            for (ApiMetrics::Gauge &g : m_options.extraGauges())
                gauges.push_back(std::move(g));
        }
        HttpResponse response;
        response.setHeader("Content-Type", std::string(PrometheusWriter::kContentType));
        response.body = m_metrics->render(gauges);
        respond(std::move(response));
    });
}

} // namespace jobdesk
