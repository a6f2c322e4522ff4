#pragma once

#include "httptestclient.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

/// The job routes of the HTTP API as the fault tests use them: one blocking
/// call each, answers as JSON. Thin on purpose: a test still sees every
/// status code it cares about.
class JobsApi
{
public:
    JobsApi(const QString &httpBase, const QString &token);

    /// POST /api/v1/jobs; the reply as sent (status 202 on success).
    HttpReply submit(const QJsonObject &body);
    /// The id of a job submitted with `body`, or empty when it was not a 202.
    QString submitId(const QJsonObject &body);

    /// GET /api/v1/jobs/{id}; an empty object when the job cannot be read.
    QJsonObject job(const QString &id);
    /// The job's status, or "HTTP <code>" when it could not be read.
    QString status(const QString &id);
    /// GET /api/v1/jobs/{id}/events: the timeline's items.
    QJsonArray events(const QString &id);
    /// The job's `state` events that entered `status`.
    int transitionsTo(const QString &id, const QString &status);
    HttpReply cancel(const QString &id);
    HttpReply retry(const QString &id);
    QJsonObject stats();

    HttpTestClient &http() { return m_http; }

    /// A `demo.sleep` submit body: `duration_s`, `steps` and any other params.
    static QJsonObject sleepJob(double seconds, int steps = 4, const QJsonObject &extraParams = {},
                                const QJsonObject &extraFields = {});

private:
    HttpTestClient m_http;
};
