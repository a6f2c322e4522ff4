#pragma once

#include "apierror.h"
#include "kindcatalog.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace jobdesk {

/// A validated request to run a job: what HTTP's `POST /api/v1/jobs` body and
/// ZeroMQ's `submit` op both become before they reach the job service.
struct SubmitRequest
{
    QString kind;
    QJsonObject params; // as sent; defaults are applied when the job is created
    int priority = 0;
    std::optional<int> timeoutS;
    std::optional<int> maxAttempts;
    QString idempotencyKey;

    /// Canonical JSON of the submit fields: the idempotency fingerprint.
    QByteArray fingerprint() const;
};

/// Where the idempotency key comes from: HTTP sends it as a header, ZeroMQ as
/// a field of the request.
enum class IdempotencyKeySource { Header, Field };

/// Checks a submit body: known fields only, right types and ranges, a known
/// kind, params valid against its schema. Unknown kinds and invalid params
/// are `invalid_params` (422) with per-field errors; a body of the wrong
/// shape is `invalid_request` (400).
Result<SubmitRequest> parseSubmitRequest(const QJsonObject &body, const KindCatalog &kinds,
                                         IdempotencyKeySource keySource);

} // namespace jobdesk
