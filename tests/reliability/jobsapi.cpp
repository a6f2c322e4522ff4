#include "jobsapi.h"

#include <QJsonDocument>

namespace {

QString jobPath(const QString &id, const QString &tail = {})
{
    return QStringLiteral("/api/v1/jobs/") + id + tail;
}

} // namespace

JobsApi::JobsApi(const QString &httpBase, const QString &token)
    : m_http(httpBase, token)
{
}

HttpReply JobsApi::submit(const QJsonObject &body)
{
    return m_http.post(QStringLiteral("/api/v1/jobs"),
                       QJsonDocument(body).toJson(QJsonDocument::Compact));
}

QString JobsApi::submitId(const QJsonObject &body)
{
    const HttpReply reply = submit(body);
    return reply.status == 202 ? reply.json().value(QStringLiteral("id")).toString() : QString();
}

QJsonObject JobsApi::job(const QString &id)
{
    const HttpReply reply = m_http.get(jobPath(id));
    return reply.status == 200 ? reply.json() : QJsonObject();
}

QString JobsApi::status(const QString &id)
{
    const HttpReply reply = m_http.get(jobPath(id));
    if (reply.status != 200)
        return QStringLiteral("HTTP %1").arg(reply.status);
    return reply.json().value(QStringLiteral("status")).toString();
}

QJsonArray JobsApi::events(const QString &id)
{
    return m_http.get(jobPath(id, QStringLiteral("/events")))
        .json()
        .value(QStringLiteral("items"))
        .toArray();
}

int JobsApi::transitionsTo(const QString &id, const QString &status)
{
    int count = 0;
    for (const QJsonValue &event : events(id)) {
        const QJsonObject e = event.toObject();
        if (e.value(QStringLiteral("type")).toString() == QLatin1String("state") &&
            e.value(QStringLiteral("to")).toString() == status)
            ++count;
    }
    return count;
}

HttpReply JobsApi::cancel(const QString &id)
{
    return m_http.post(jobPath(id, QStringLiteral("/cancel")), {});
}

HttpReply JobsApi::retry(const QString &id)
{
    return m_http.post(jobPath(id, QStringLiteral("/retry")), {});
}

QJsonObject JobsApi::stats()
{
    return m_http.get(QStringLiteral("/api/v1/stats")).json();
}

QJsonObject JobsApi::sleepJob(double seconds, int steps, const QJsonObject &extraParams,
                              const QJsonObject &extraFields)
{
    QJsonObject params{{QStringLiteral("duration_s"), seconds}, {QStringLiteral("steps"), steps}};
    for (auto it = extraParams.begin(); it != extraParams.end(); ++it)
        params.insert(it.key(), it.value());
    QJsonObject body{{QStringLiteral("kind"), QStringLiteral("demo.sleep")},
                     {QStringLiteral("params"), params}};
    for (auto it = extraFields.begin(); it != extraFields.end(); ++it)
        body.insert(it.key(), it.value());
    return body;
}
