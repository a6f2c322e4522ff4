#include "webhookpayload.h"

#include "jobjson.h"
#include "timeformat.h"
#include "uuid7.h"

#include <QJsonDocument>

namespace jobdesk {

QString webhookEventType(JobStatus status)
{
    switch (status) {
    case JobStatus::Completed:
        return QStringLiteral("job.completed");
    case JobStatus::Failed:
        return QStringLiteral("job.failed");
    case JobStatus::Cancelled:
        return QStringLiteral("job.cancelled");
    default:
        return {};
    }
}

WebhookDelivery newWebhookDelivery(const Job &job, qint64 nowMs)
{
    WebhookDelivery d;
    // "msg_" as the specification's examples; the UUID keeps ids unique
    // across runs and time-ordered.
    d.id = QStringLiteral("msg_") + newUuid7().remove(QLatin1Char('-'));
    d.jobId = job.id;
    d.url = job.callbackUrl;
    d.eventType = webhookEventType(job.status);
    const QJsonObject payload{
        {QStringLiteral("type"), d.eventType},
        {QStringLiteral("timestamp"),
         formatTimestamp(job.finishedAtMs > 0 ? job.finishedAtMs : nowMs)},
        {QStringLiteral("data"), jobToJson(job)},
    };
    d.body = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    d.createdAtMs = nowMs;
    d.nextAttemptAtMs = nowMs;
    return d;
}

} // namespace jobdesk
