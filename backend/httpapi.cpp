#include "httpapi.h"

#include "http/apiroute.h"
#include "http/bearerauth.h"
#include "http/contentdisposition.h"
#include "http/etagmatch.h"
#include "http/jobsquery.h"
#include "http/mediatype.h"
#include "http/problem.h"
#include "jobjson.h"
#include "jobservice.h"
#include "jsonparse.h"
#include "pagejson.h"

#include <QJsonDocument>
#include <QMetaObject>

namespace jobdesk {

namespace {

// A poll interval to suggest while a job is not terminal. A later version
// derives it from the job's progress rate.
constexpr int kRetryAfterS = 1;
constexpr int kMaxIdempotencyKeyLength = 255;

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

// The answer to a status read: 304 when the client's copy is current.
HttpResponse jobStateResponse(const QByteArray &json, const QByteArray &etag, bool terminal,
                              std::string_view ifNoneMatch)
{
    HttpResponse response;
    if (!ifNoneMatch.empty() && ifNoneMatchMatches(ifNoneMatch, etag.toStdString()))
        response.status = 304;
    else
        response = jsonResponse(200, json);
    response.setHeader("ETag", etag.toStdString());
    if (!terminal)
        response.setHeader("Retry-After", std::to_string(kRetryAfterS));
    return response;
}

// A job after a change the client asked for (submit, cancel).
HttpResponse changedJobResponse(int status, const Job &job)
{
    HttpResponse response = jsonResponse(status, jobToJsonBytes(job));
    response.setHeader("ETag", etagForRev(job.rev).toStdString());
    return response;
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

HttpResponse resultResponse(JobService::ResultData &&data, std::string_view ifNoneMatch)
{
    const ResultInfo info = data.job.result.value_or(ResultInfo{});
    const std::string etag = '"' + info.sha256.toStdString() + '"';
    HttpResponse response;
    if (!ifNoneMatch.empty() && ifNoneMatchMatches(ifNoneMatch, etag)) {
        response.status = 304;
    } else {
        response.setHeader("Content-Type", info.contentType.isEmpty()
                                               ? std::string("application/octet-stream")
                                               : info.contentType.toStdString());
        response.setHeader("Content-Disposition", attachmentDisposition(info.filename));
        response.setHeader("X-Content-Type-Options", "nosniff");
        if (data.filePath.isEmpty())
            response.body = data.bytes.toStdString();
        else
            response.filePath = data.filePath.toStdString();
    }
    response.setHeader("ETag", etag);
    return response;
}

} // namespace

HttpApi::HttpApi(JobService &service, const QString &token, const QString &version)
    : m_service(service)
    , m_token(token.toStdString())
    , m_version(version)
{
}

template <typename Work> void HttpApi::onServiceThread(Work &&work)
{
    // Should the call never run (the service is gone), the responder inside
    // `work` is dropped unanswered and the transport answers 500/503.
    QMetaObject::invokeMethod(&m_service, std::forward<Work>(work), Qt::QueuedConnection);
}

void HttpApi::handle(HttpRequest &&request, HttpResponder respond)
{
    const ApiRoute route = parseApiRoute(request.path());
    if (route.needsAuth && !m_token.empty() &&
        !bearerTokenMatches(request.header("Authorization"), m_token)) {
        respond(unauthorized());
        return;
    }
    if (route.resource == ApiResource::Unknown) {
        respond(problemResponse(ApiError::make(
            ErrorCode::NotFound,
            QStringLiteral("no resource at %1")
                .arg(QString::fromUtf8(request.path().data(),
                                       static_cast<qsizetype>(request.path().size()))))));
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

    // HEAD is answered as GET; the transport sends the header only.
    switch (route.resource) {
    case ApiResource::Health:
        respond(jsonResponse(200, QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}}));
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
        getStats(std::move(respond));
        return;
    case ApiResource::Unknown:
    case ApiResource::BadJobId:
        break;
    }
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
        const std::string_view key = request.header("Idempotency-Key");
        idempotencyKey = QString::fromUtf8(key.data(), static_cast<qsizetype>(key.size()));
        if (idempotencyKey.isEmpty() || idempotencyKey.size() > kMaxIdempotencyKeyLength) {
            ApiError error = ApiError::make(ErrorCode::InvalidRequest,
                                            QStringLiteral("the Idempotency-Key is invalid"));
            error.fieldErrors.append(
                {QStringLiteral("Idempotency-Key"),
                 QStringLiteral("must be 1 to %1 characters").arg(kMaxIdempotencyKeyLength)});
            respond(problemResponse(error));
            return;
        }
    }

    onServiceThread([&service = m_service, body = std::move(body).value(),
                     idempotencyKey = std::move(idempotencyKey), respond = std::move(respond)] {
        Result<SubmitRequest> parsed =
            parseSubmitRequest(body, service.kinds(), IdempotencyKeySource::Header);
        if (!parsed) {
            respond(problemResponse(parsed.error()));
            return;
        }
        SubmitRequest submitRequest = std::move(parsed).value();
        submitRequest.idempotencyKey = idempotencyKey;
        service.submit(std::move(submitRequest), [respond](Result<Job> stored) {
            if (!stored) {
                respond(problemResponse(stored.error()));
                return;
            }
            const Job &job = stored.value();
            HttpResponse response = changedJobResponse(202, job);
            response.setHeader("Location", jobStatusPath(job.id).toStdString());
            response.setHeader("Retry-After", std::to_string(kRetryAfterS));
            respond(std::move(response));
        });
    });
}

void HttpApi::listJobs(const HttpRequest &request, HttpResponder respond)
{
    const std::string_view query = request.query();
    Result<JobsQuery> parsed =
        parseJobsQuery(QString::fromUtf8(query.data(), static_cast<qsizetype>(query.size())));
    if (!parsed) {
        respond(problemResponse(parsed.error()));
        return;
    }
    onServiceThread([&service = m_service, query = std::move(parsed).value(),
                     respond = std::move(respond)] {
        if (query.changeFeed) {
            Result<ChangesPage> page = service.changesSince(query.changedSince, query.changeLimit);
            respond(page ? jsonResponse(200, changesPageToJson(page.value()))
                         : problemResponse(page.error()));
            return;
        }
        Result<ListPage> page = service.list(query.list);
        respond(page ? jsonResponse(200, listPageToJson(page.value()))
                     : problemResponse(page.error()));
    });
}

void HttpApi::getJob(const QString &id, const HttpRequest &request, HttpResponder respond)
{
    // The hot path: most polls end here, on the I/O thread, with bytes
    // serialized once by the write path.
    if (const std::shared_ptr<const JobSnapshot> snapshot = m_service.snapshot(id)) {
        respond(jobStateResponse(snapshot->json, snapshot->etag, snapshot->terminal,
                                 request.header("If-None-Match")));
        return;
    }
    onServiceThread([&service = m_service, id,
                     ifNoneMatch = std::string(request.header("If-None-Match")),
                     respond = std::move(respond)] {
        Result<Job> found = service.job(id);
        if (!found) {
            respond(problemResponse(found.error()));
            return;
        }
        const Job &job = found.value();
        respond(jobStateResponse(jobToJsonBytes(job), etagForRev(job.rev), isTerminal(job.status),
                                 ifNoneMatch));
    });
}

void HttpApi::cancel(const QString &id, HttpResponder respond)
{
    onServiceThread([&service = m_service, id, respond = std::move(respond)] {
        service.cancel(id, [respond](Result<CancelOutcome> outcome) {
            if (!outcome) {
                respond(problemResponse(outcome.error()));
                return;
            }
            respond(
                changedJobResponse(outcome.value().stopRequested ? 202 : 200, outcome.value().job));
        });
    });
}

void HttpApi::retry(const QString &id, HttpResponder respond)
{
    onServiceThread([&service = m_service, id, respond = std::move(respond)] {
        service.retry(id, [respond](Result<Job> job) {
            respond(job ? changedJobResponse(202, job.value()) : problemResponse(job.error()));
        });
    });
}

void HttpApi::getResult(const QString &id, const HttpRequest &request, HttpResponder respond)
{
    onServiceThread([&service = m_service, id,
                     ifNoneMatch = std::string(request.header("If-None-Match")),
                     respond = std::move(respond)] {
        Result<JobService::ResultData> data = service.result(id);
        respond(data ? resultResponse(std::move(data).value(), ifNoneMatch)
                     : problemResponse(data.error()));
    });
}

void HttpApi::getEvents(const QString &id, HttpResponder respond)
{
    onServiceThread([&service = m_service, id, respond = std::move(respond)] {
        Result<QList<JobEvent>> events = service.events(id);
        respond(events ? jsonResponse(200, eventsToJson(events.value()))
                       : problemResponse(events.error()));
    });
}

void HttpApi::getKinds(HttpResponder respond)
{
    onServiceThread([&service = m_service, respond = std::move(respond)] {
        respond(
            jsonResponse(200, QJsonObject{{QStringLiteral("kinds"), service.kinds().toJson()}}));
    });
}

void HttpApi::getStats(HttpResponder respond)
{
    onServiceThread([&service = m_service, version = m_version, respond = std::move(respond)] {
        QJsonObject stats = service.stats();
        stats.insert(QStringLiteral("version"), version);
        respond(jsonResponse(200, stats));
    });
}

} // namespace jobdesk
