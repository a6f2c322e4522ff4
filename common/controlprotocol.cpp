#include "controlprotocol.h"

#include "jsonparse.h"
#include "jsonwriter.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace jobdesk {

Result<ControlRequest> decodeControlRequest(const QByteArray &frame, QJsonValue *id)
{
    *id = QJsonValue(QJsonValue::Undefined);
    Result<QJsonObject> parsed = parseJsonObject(frame);
    if (!parsed)
        return parsed.error();
    QJsonObject body = std::move(parsed).value();

    *id = body.value(QStringLiteral("id"));
    const QJsonValue op = body.take(QStringLiteral("op"));
    const QJsonValue token = body.take(QStringLiteral("token"));
    // `id` stays in the body too: for job ops (status, cancel, ...) it is the
    // job's id, which the reply echoes like any other request id.
    const QJsonValue requestId = body.value(QStringLiteral("id"));
    if (!op.isString() || op.toString().isEmpty())
        return ApiError::make(ErrorCode::InvalidRequest, QStringLiteral("\"op\" must be a string"));
    if (!token.isUndefined() && !token.isString())
        return ApiError::make(ErrorCode::InvalidRequest,
                              QStringLiteral("\"token\" must be a string"));
    if (requestId.isObject() || requestId.isArray())
        return ApiError::make(ErrorCode::InvalidRequest,
                              QStringLiteral("\"id\" must be a string or a number"));
    return ControlRequest{op.toString(), requestId, token.toString(), std::move(body)};
}

QByteArray encodeControlReply(const QJsonValue &id, QJsonObject fields)
{
    fields.insert(QStringLiteral("ok"), true);
    if (!id.isUndefined())
        fields.insert(QStringLiteral("id"), id);
    return QJsonDocument(fields).toJson(QJsonDocument::Compact);
}

QByteArray encodeControlJobReply(const QJsonValue &id, const QByteArray &jobJson, bool replayed)
{
    // Members sorted as in QJsonObject, like every other reply.
    QByteArray out;
    out.reserve(jobJson.size() + 64);
    JsonWriter w(out);
    w.beginObject();
    if (!id.isUndefined()) {
        w.key("id");
        w.value(id);
    }
    w.key("job");
    w.raw(jobJson);
    w.key("ok");
    w.boolean(true);
    if (replayed) {
        w.key("replayed");
        w.boolean(true);
    }
    w.endObject();
    return out;
}

QByteArray encodeControlReply(const QJsonValue &id,
                              const std::function<void(JsonWriter &)> &writeMembers)
{
    QByteArray out;
    JsonWriter w(out);
    w.beginObject();
    if (!id.isUndefined()) {
        w.key("id");
        w.value(id);
    }
    writeMembers(w);
    w.key("ok");
    w.boolean(true);
    w.endObject();
    return out;
}

QByteArray encodeControlError(const QJsonValue &id, const ApiError &error)
{
    QJsonObject err{{QStringLiteral("code"), errorCodeName(error.code)},
                    {QStringLiteral("message"), error.detail}};
    if (!error.fieldErrors.isEmpty()) {
        QJsonArray list;
        for (const FieldError &f : error.fieldErrors)
            list.append(QJsonObject{{QStringLiteral("field"), f.field},
                                    {QStringLiteral("message"), f.message}});
        err.insert(QStringLiteral("errors"), list);
    }
    if (error.retryAfterS > 0)
        err.insert(QStringLiteral("retry_after_s"), error.retryAfterS);
    QJsonObject reply{{QStringLiteral("ok"), false}, {QStringLiteral("error"), err}};
    if (!id.isUndefined())
        reply.insert(QStringLiteral("id"), id);
    return QJsonDocument(reply).toJson(QJsonDocument::Compact);
}

QByteArray encodeControlRequest(const QString &op, const QJsonValue &id, QJsonObject fields,
                                const QString &token)
{
    fields.insert(QStringLiteral("op"), op);
    if (!id.isUndefined())
        fields.insert(QStringLiteral("id"), id);
    if (!token.isEmpty())
        fields.insert(QStringLiteral("token"), token);
    return QJsonDocument(fields).toJson(QJsonDocument::Compact);
}

} // namespace jobdesk
