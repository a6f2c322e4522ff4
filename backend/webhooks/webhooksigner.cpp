#include "webhooksigner.h"

#include <QMessageAuthenticationCode>

namespace jobdesk {

QByteArray WebhookSigner::signature(const QByteArray &webhookId, qint64 timestampS,
                                    const QByteArray &body) const
{
    QMessageAuthenticationCode mac(QCryptographicHash::Sha256, m_key);
    mac.addData(webhookId);
    mac.addData(".", 1);
    mac.addData(QByteArray::number(timestampS));
    mac.addData(".", 1);
    mac.addData(body);
    return "v1," + mac.result().toBase64();
}

} // namespace jobdesk
