#include "jobjson.h"

#include "jsonwriter.h"
#include "timeformat.h"

#include <QJsonDocument>

namespace jobdesk {

namespace {

std::optional<double> readOptionalNumber(const QJsonValue &v)
{
    if (v.isDouble())
        return v.toDouble();
    return std::nullopt;
}

} // namespace

QString jobStatusPath(const QString &id)
{
    return QStringLiteral("/api/v1/jobs/") + id;
}

QString jobResultPath(const QString &id)
{
    return QStringLiteral("/api/v1/jobs/") + id + QStringLiteral("/result");
}

void writeResultInfo(JsonWriter &w, const ResultInfo &result)
{
    w.beginObject();
    w.key("content_type");
    w.string(result.contentType);
    w.key("filename");
    w.string(result.filename);
    w.key("sha256");
    w.string(result.sha256);
    w.key("size");
    w.integer(result.size);
    w.endObject();
}

QJsonObject resultInfoToJson(const ResultInfo &result)
{
    return QJsonObject{
        {QStringLiteral("filename"), result.filename},
        {QStringLiteral("content_type"), result.contentType},
        {QStringLiteral("size"), result.size},
        {QStringLiteral("sha256"), result.sha256},
    };
}

QJsonObject jobErrorToJson(const JobError &error)
{
    return QJsonObject{{QStringLiteral("code"), error.code},
                       {QStringLiteral("message"), error.message}};
}

void writeParams(JsonWriter &w, const QJsonObject &params, const QByteArray &paramsJson)
{
    if (paramsJson.isEmpty())
        w.object(params);
    else
        w.raw(paramsJson);
}

namespace {

void writeTimestamp(JsonWriter &w, qint64 msSinceEpoch)
{
    if (msSinceEpoch == 0) {
        w.null();
    } else if (const std::optional<TimestampChars> text = timestampChars(msSinceEpoch)) {
        w.string(std::string_view(text->data(), text->size()));
    } else {
        const QByteArray bytes = timestampBytes(msSinceEpoch);
        w.string(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
    }
}

} // namespace

QByteArray jobToJsonBytes(const Job &job)
{
    // Members in QJsonObject's order (sorted by name), so the bytes are what
    // QJsonDocument would write: clients and stored idempotency answers see
    // one spelling of a job.
    QByteArray out;
    out.reserve(768);
    JsonWriter w(out);
    const bool hasResult = job.status == JobStatus::Completed && job.result;
    w.beginObject();
    w.key("attempt");
    w.integer(job.attempt);
    w.key("cancel_requested");
    w.boolean(job.cancelRequested);
    w.key("created_at");
    writeTimestamp(w, job.createdAtMs);
    w.key("dead_letter");
    w.boolean(job.deadLetter);
    w.key("error");
    if (job.error) {
        w.beginObject();
        w.key("code");
        w.string(job.error->code);
        w.key("message");
        w.string(job.error->message);
        w.endObject();
    } else {
        w.null();
    }
    w.key("eta_s");
    w.optionalNumber(job.etaS);
    w.key("finished_at");
    writeTimestamp(w, job.finishedAtMs);
    w.key("id");
    w.string(job.id);
    w.key("kind");
    w.string(job.kind);
    w.key("max_attempts");
    w.integer(job.maxAttempts);
    w.key("message");
    w.string(job.message);
    w.key("next_attempt_at");
    writeTimestamp(w, job.nextAttemptAtMs);
    w.key("params");
    writeParams(w, job.params, job.paramsJson);
    w.key("priority");
    w.integer(job.priority);
    w.key("progress");
    w.optionalNumber(job.progress);
    w.key("result");
    if (hasResult) {
        writeResultInfo(w, *job.result);
    } else {
        w.null();
    }
    w.key("result_url");
    if (hasResult)
        w.string(jobResultPath(job.id));
    else
        w.null();
    w.key("rev");
    w.integer(job.rev);
    w.key("started_at");
    writeTimestamp(w, job.startedAtMs);
    w.key("status");
    w.string(statusName(job.status));
    w.key("status_url");
    w.string(jobStatusPath(job.id));
    w.key("timeout_s");
    w.integer(job.timeoutS);
    w.key("updated_at");
    writeTimestamp(w, job.updatedAtMs);
    w.endObject();
    return out;
}

QJsonObject jobToJson(const Job &job)
{
    return QJsonDocument::fromJson(jobToJsonBytes(job)).object();
}

bool jobFromJson(const QJsonObject &o, Job *job, QString *error)
{
    auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    const auto status = statusFromName(o.value(QStringLiteral("status")).toString());
    if (!o.value(QStringLiteral("id")).isString())
        return fail(QStringLiteral("missing id"));
    if (!status)
        return fail(QStringLiteral("missing or unknown status"));

    Job j;
    j.id = o.value(QStringLiteral("id")).toString();
    j.kind = o.value(QStringLiteral("kind")).toString();
    j.params = o.value(QStringLiteral("params")).toObject();
    j.status = *status;
    j.progress = readOptionalNumber(o.value(QStringLiteral("progress")));
    j.message = o.value(QStringLiteral("message")).toString();
    j.etaS = readOptionalNumber(o.value(QStringLiteral("eta_s")));
    j.priority = o.value(QStringLiteral("priority")).toInt();
    j.attempt = o.value(QStringLiteral("attempt")).toInt();
    j.maxAttempts = o.value(QStringLiteral("max_attempts")).toInt();
    j.timeoutS = o.value(QStringLiteral("timeout_s")).toInt();
    j.nextAttemptAtMs = parseTimestamp(o.value(QStringLiteral("next_attempt_at")).toString());
    j.cancelRequested = o.value(QStringLiteral("cancel_requested")).toBool();
    j.deadLetter = o.value(QStringLiteral("dead_letter")).toBool();
    const QJsonValue err = o.value(QStringLiteral("error"));
    if (err.isObject()) {
        const QJsonObject e = err.toObject();
        j.error = JobError{e.value(QStringLiteral("code")).toString(),
                           e.value(QStringLiteral("message")).toString()};
    }
    j.createdAtMs = parseTimestamp(o.value(QStringLiteral("created_at")).toString());
    j.startedAtMs = parseTimestamp(o.value(QStringLiteral("started_at")).toString());
    j.updatedAtMs = parseTimestamp(o.value(QStringLiteral("updated_at")).toString());
    j.finishedAtMs = parseTimestamp(o.value(QStringLiteral("finished_at")).toString());
    const QJsonValue res = o.value(QStringLiteral("result"));
    if (res.isObject()) {
        const QJsonObject r = res.toObject();
        j.result = ResultInfo{r.value(QStringLiteral("filename")).toString(),
                              r.value(QStringLiteral("content_type")).toString(),
                              r.value(QStringLiteral("size")).toInteger(),
                              r.value(QStringLiteral("sha256")).toString()};
    }
    j.rev = o.value(QStringLiteral("rev")).toInteger();
    *job = std::move(j);
    return true;
}

} // namespace jobdesk
