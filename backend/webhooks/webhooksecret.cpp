#include "webhooksecret.h"

#include <QRandomGenerator>

namespace jobdesk {

namespace {

const QString kPrefix = QStringLiteral("whsec_");
// The sizes the Standard Webhooks specification allows for a symmetric key.
constexpr int kMinKeyBytes = 24;
constexpr int kMaxKeyBytes = 64;

} // namespace

Result<QByteArray> webhookKeyFromSecret(const QString &secret)
{
    if (!secret.startsWith(kPrefix))
        return ApiError::make(ErrorCode::InvalidRequest,
                              QStringLiteral("a webhook secret starts with \"whsec_\""));
    const auto decoded = QByteArray::fromBase64Encoding(secret.mid(kPrefix.size()).toLatin1(),
                                                        QByteArray::AbortOnBase64DecodingErrors);
    if (decoded.decodingStatus != QByteArray::Base64DecodingStatus::Ok)
        return ApiError::make(ErrorCode::InvalidRequest,
                              QStringLiteral("the part after \"whsec_\" is not base64"));
    const qsizetype size = decoded.decoded.size();
    if (size < kMinKeyBytes || size > kMaxKeyBytes)
        return ApiError::make(ErrorCode::InvalidRequest,
                              QStringLiteral("the key is %1 bytes; it must be %2 to %3")
                                  .arg(size)
                                  .arg(kMinKeyBytes)
                                  .arg(kMaxKeyBytes));
    return decoded.decoded;
}

QString generateWebhookSecret()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()),
                                          bytes.size() / 4);
    return kPrefix + QString::fromLatin1(bytes.toBase64());
}

} // namespace jobdesk
