#include "submitrequest.h"

#include "paramsschema.h"
#include "reliability.h"

#include <QJsonDocument>

#include <cmath>

namespace jobdesk {

namespace r = reliability;

namespace {

bool isInteger(const QJsonValue &v)
{
    const double d = v.toDouble();
    return v.isDouble() && std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15;
}

// Reads an optional integer field within [lo, hi]; records a field error otherwise.
std::optional<int> readInt(const QJsonObject &body, const QString &name, int lo, int hi,
                           QList<FieldError> &errors)
{
    const QJsonValue v = body.value(name);
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    if (!isInteger(v)) {
        errors.append({name, QStringLiteral("must be an integer")});
        return std::nullopt;
    }
    const double d = v.toDouble();
    if (d < lo || d > hi) {
        errors.append({name, QStringLiteral("must be between %1 and %2").arg(lo).arg(hi)});
        return std::nullopt;
    }
    return static_cast<int>(d);
}

QJsonValue canonical(const QJsonValue &v);

QJsonObject canonicalObject(const QJsonObject &o)
{
    QJsonObject out; // QJsonObject keeps keys sorted: serialization is canonical
    for (auto it = o.begin(); it != o.end(); ++it)
        out.insert(it.key(), canonical(it.value()));
    return out;
}

QJsonValue canonical(const QJsonValue &v)
{
    return v.isObject() ? QJsonValue(canonicalObject(v.toObject())) : v;
}

} // namespace

QByteArray SubmitRequest::fingerprint() const
{
    QJsonObject o{{QStringLiteral("kind"), kind},
                  {QStringLiteral("params"), canonicalObject(params)},
                  {QStringLiteral("priority"), priority}};
    if (timeoutS)
        o.insert(QStringLiteral("timeout_s"), *timeoutS);
    if (maxAttempts)
        o.insert(QStringLiteral("max_attempts"), *maxAttempts);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

Result<SubmitRequest> parseSubmitRequest(const QJsonObject &body, const KindCatalog &kinds,
                                         IdempotencyKeySource keySource)
{
    static const QStringList known = {
        QStringLiteral("kind"), QStringLiteral("params"), QStringLiteral("priority"),
        QStringLiteral("timeout_s"), QStringLiteral("max_attempts")};

    QList<FieldError> errors;
    for (auto it = body.begin(); it != body.end(); ++it) {
        const bool isKeyField = keySource == IdempotencyKeySource::Field &&
                                it.key() == QLatin1String("idempotency_key");
        if (!known.contains(it.key()) && !isKeyField)
            errors.append({it.key(), QStringLiteral("is not a field of a job submission")});
    }

    SubmitRequest req;
    const QJsonValue kind = body.value(QStringLiteral("kind"));
    if (!kind.isString() || kind.toString().isEmpty())
        errors.append({QStringLiteral("kind"), QStringLiteral("is required and must be a string")});
    else
        req.kind = kind.toString();

    const QJsonValue params = body.value(QStringLiteral("params"));
    if (params.isObject())
        req.params = params.toObject();
    else if (!params.isUndefined() && !params.isNull())
        errors.append({QStringLiteral("params"), QStringLiteral("must be an object")});

    req.priority = readInt(body, QStringLiteral("priority"), r::kMinPriority, r::kMaxPriority, errors)
                       .value_or(0);
    req.timeoutS = readInt(body, QStringLiteral("timeout_s"), 1, r::kMaxTimeoutS, errors);
    req.maxAttempts = readInt(body, QStringLiteral("max_attempts"), 1, r::kMaxAttemptsLimit, errors);

    if (keySource == IdempotencyKeySource::Field && body.contains(QStringLiteral("idempotency_key"))) {
        const QJsonValue key = body.value(QStringLiteral("idempotency_key"));
        if (!key.isString() || key.toString().isEmpty() || key.toString().size() > 255)
            errors.append({QStringLiteral("idempotency_key"),
                           QStringLiteral("must be a string of 1 to 255 characters")});
        else
            req.idempotencyKey = key.toString();
    }

    if (!errors.isEmpty()) {
        ApiError e = ApiError::make(ErrorCode::InvalidParams,
                                    QStringLiteral("the job submission is invalid"));
        e.fieldErrors = errors;
        return e;
    }

    const KindInfo *info = kinds.find(req.kind);
    if (!info) {
        ApiError e = ApiError::make(ErrorCode::InvalidParams,
                                    QStringLiteral("unknown kind \"%1\"").arg(req.kind));
        e.fieldErrors.append({QStringLiteral("kind"), QStringLiteral("is not a known job kind")});
        return e;
    }
    const QList<FieldError> paramErrors = validateParams(info->paramsSchema, req.params);
    if (!paramErrors.isEmpty()) {
        ApiError e = ApiError::make(ErrorCode::InvalidParams,
                                    QStringLiteral("invalid params for kind \"%1\"").arg(req.kind));
        e.fieldErrors = paramErrors;
        return e;
    }
    return req;
}

} // namespace jobdesk
