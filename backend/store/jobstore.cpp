#include "jobstore.h"

#include "timeformat.h"

namespace jobdesk {

QJsonObject JobEvent::toJson() const
{
    QJsonObject o = data;
    o.insert(QStringLiteral("seq"), seq);
    o.insert(QStringLiteral("at"), formatTimestamp(atMs));
    o.insert(QStringLiteral("type"), type);
    return o;
}

bool WebhookDelivery::operator==(const WebhookDelivery &o) const
{
    return id == o.id && jobId == o.jobId && url == o.url && eventType == o.eventType &&
           body == o.body && createdAtMs == o.createdAtMs && attempts == o.attempts &&
           nextAttemptAtMs == o.nextAttemptAtMs && state == o.state && lastStatus == o.lastStatus &&
           lastError == o.lastError;
}

QString webhookStateName(WebhookDelivery::State state)
{
    switch (state) {
    case WebhookDelivery::State::Pending:
        return QStringLiteral("pending");
    case WebhookDelivery::State::Delivered:
        return QStringLiteral("delivered");
    case WebhookDelivery::State::Gone:
        return QStringLiteral("gone");
    case WebhookDelivery::State::Failed:
        return QStringLiteral("failed");
    case WebhookDelivery::State::Refused:
        return QStringLiteral("refused");
    }
    return QStringLiteral("pending");
}

std::optional<WebhookDelivery::State> webhookStateFromName(const QString &name)
{
    using State = WebhookDelivery::State;
    for (State s : {State::Pending, State::Delivered, State::Gone, State::Failed, State::Refused}) {
        if (webhookStateName(s) == name)
            return s;
    }
    return std::nullopt;
}

void JobStore::commitInBackground(std::function<void(bool committed)> done)
{
    done(commit());
}

} // namespace jobdesk
