#include "jobjson.h"

#include "timeformat.h"

#include <QJsonDocument>

namespace jobdesk {

namespace {

QJsonValue optionalNumber(const std::optional<double> &v)
{
    return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
}

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

QJsonObject jobToJson(const Job &job)
{
    QJsonObject o;
    o.insert(QStringLiteral("id"), job.id);
    o.insert(QStringLiteral("kind"), job.kind);
    o.insert(QStringLiteral("params"), job.params);
    o.insert(QStringLiteral("status"), statusName(job.status));
    o.insert(QStringLiteral("progress"), optionalNumber(job.progress));
    o.insert(QStringLiteral("message"), job.message);
    o.insert(QStringLiteral("eta_s"), optionalNumber(job.etaS));
    o.insert(QStringLiteral("priority"), job.priority);
    o.insert(QStringLiteral("attempt"), job.attempt);
    o.insert(QStringLiteral("max_attempts"), job.maxAttempts);
    o.insert(QStringLiteral("timeout_s"), job.timeoutS);
    o.insert(QStringLiteral("next_attempt_at"), timestampOrNull(job.nextAttemptAtMs));
    o.insert(QStringLiteral("cancel_requested"), job.cancelRequested);
    o.insert(QStringLiteral("dead_letter"), job.deadLetter);
    o.insert(QStringLiteral("error"),
             job.error ? QJsonValue(jobErrorToJson(*job.error)) : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("created_at"), timestampOrNull(job.createdAtMs));
    o.insert(QStringLiteral("started_at"), timestampOrNull(job.startedAtMs));
    o.insert(QStringLiteral("updated_at"), timestampOrNull(job.updatedAtMs));
    o.insert(QStringLiteral("finished_at"), timestampOrNull(job.finishedAtMs));
    const bool hasResult = job.status == JobStatus::Completed && job.result;
    o.insert(QStringLiteral("result"), hasResult ? QJsonValue(resultInfoToJson(*job.result))
                                                 : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("status_url"), jobStatusPath(job.id));
    o.insert(QStringLiteral("result_url"),
             hasResult ? QJsonValue(jobResultPath(job.id)) : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("rev"), job.rev);
    return o;
}

QByteArray jobToJsonBytes(const Job &job)
{
    return QJsonDocument(jobToJson(job)).toJson(QJsonDocument::Compact);
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
