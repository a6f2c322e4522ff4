#pragma once

#include "apierror.h"

#include <QByteArray>
#include <QString>

namespace jobdesk {

/// The HMAC key inside a Standard Webhooks secret: `whsec_` followed by the
/// base64 of 24 to 64 random bytes. Anything else is an error saying why.
Result<QByteArray> webhookKeyFromSecret(const QString &secret);

/// A new secret: `whsec_` + base64 of 32 bytes from the system's CSPRNG.
QString generateWebhookSecret();

} // namespace jobdesk
