#pragma once

#include "job.h"
#include "store/jobstore.h"

#include <QByteArray>
#include <QString>

namespace jobdesk {

/// The event type a terminal job announces: `job.completed`, `job.failed`
/// or `job.cancelled`; empty for a job that is not terminal.
QString webhookEventType(JobStatus status);

/// The outbox entry for a job that just reached a terminal state: a new
/// `webhook-id`, and the body sent on every attempt,
/// `{"type", "timestamp", "data": <job object>}` (timestamp: when the job
/// finished). Due at once.
WebhookDelivery newWebhookDelivery(const Job &job, qint64 nowMs);

} // namespace jobdesk
