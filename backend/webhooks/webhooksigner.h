#pragma once

#include <QByteArray>

namespace jobdesk {

/// Signs webhook deliveries per the Standard Webhooks specification:
/// `v1,` + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")).
class WebhookSigner
{
public:
    WebhookSigner() = default;
    /// `key`: the decoded secret (webhookKeyFromSecret).
    explicit WebhookSigner(QByteArray key)
        : m_key(std::move(key))
    {
    }

    /// The `webhook-signature` value for one attempt.
    QByteArray signature(const QByteArray &webhookId, qint64 timestampS,
                         const QByteArray &body) const;

private:
    QByteArray m_key;
};

} // namespace jobdesk
