#pragma once

#include "apierror.h"
#include "jsonwriter.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <functional>

namespace jobdesk {

/// One request on the control channel: `{"op", "id"?, "token"?, ...fields}`.
struct ControlRequest
{
    QString op;
    QJsonValue id;    // echoed in the reply; undefined when the client sent none
    QString token;    // required over tcp:// with auth on
    QJsonObject body; // every field except op and token (`id` is the job id of job ops)
};

/// Decodes a request frame. On failure the error is returned and `*id` holds
/// the request's id when it could be read, so the error reply can echo it.
Result<ControlRequest> decodeControlRequest(const QByteArray &frame, QJsonValue *id);
/// `{"ok": true, "id"?: ..., ...fields}`
QByteArray encodeControlReply(const QJsonValue &id, QJsonObject fields);
/// `{"id"?: ..., "job": <jobJson>, "ok": true, "replayed"?: true}`, with the
/// job's bytes as serialized once by the write path.
QByteArray encodeControlJobReply(const QJsonValue &id, const QByteArray &jobJson, bool replayed);
/// `{"id"?: ..., <members>, "ok": true}`, the members written by `writeMembers`
/// (for replies whose bodies are written straight to bytes, such as pages).
QByteArray encodeControlReply(const QJsonValue &id,
                              const std::function<void(JsonWriter &)> &writeMembers);
/// `{"ok": false, "id"?: ..., "error": {"code", "message", "errors"?}}`
QByteArray encodeControlError(const QJsonValue &id, const ApiError &error);

/// Client side: builds a request frame.
QByteArray encodeControlRequest(const QString &op, const QJsonValue &id, QJsonObject fields,
                                const QString &token = {});

} // namespace jobdesk
