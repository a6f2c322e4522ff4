#include "workerprotocol.h"

#include "jobjson.h"
#include "jsonwriter.h"

#include <QJsonDocument>

namespace jobdesk {

namespace {

struct TypeName
{
    WorkerMessageType type;
    const char *name;
};

constexpr TypeName kTypeNames[] = {
    {WorkerMessageType::Ready, "ready"},       {WorkerMessageType::Heartbeat, "heartbeat"},
    {WorkerMessageType::Progress, "progress"}, {WorkerMessageType::Done, "done"},
    {WorkerMessageType::Failed, "failed"},     {WorkerMessageType::Started, "started"},
    {WorkerMessageType::Returned, "returned"}, {WorkerMessageType::Run, "run"},
    {WorkerMessageType::Offer, "offer"},       {WorkerMessageType::Revoke, "revoke"},
    {WorkerMessageType::Cancel, "cancel"},
};

const char *typeName(WorkerMessageType type)
{
    for (const TypeName &t : kTypeNames) {
        if (t.type == type)
            return t.name;
    }
    return "";
}

std::optional<WorkerMessageType> typeFromName(const QString &name)
{
    for (const TypeName &t : kTypeNames) {
        if (name == QLatin1String(t.name))
            return t.type;
    }
    return std::nullopt;
}

} // namespace

QByteArray encodeWorkerMessage(const WorkerMessage &m)
{
    // Written directly (JsonWriter), not through a QJsonObject: several of
    // these go each way per job. Member order is free; the reader is
    // QJsonDocument.
    QByteArray out;
    out.reserve(160 + m.inlineData.size() * 4 / 3 + m.paramsJson.size());
    JsonWriter w(out);
    w.beginObject();
    w.key("type");
    w.string(std::string_view(typeName(m.type)));
    const bool isEnd = m.type == WorkerMessageType::Done || m.type == WorkerMessageType::Failed;
    if (isEnd && m.nextFence != 0) {
        w.key("next_fence");
        w.integer(m.nextFence);
    }
    if (m.lastReport && isEnd) {
        w.key("last_progress");
        w.beginObject();
        w.key("message");
        w.string(m.message);
        w.key("progress");
        w.optionalNumber(m.progress);
        w.endObject();
    }
    if (m.type != WorkerMessageType::Ready && m.type != WorkerMessageType::Heartbeat) {
        w.key("fence");
        w.integer(m.fence);
    }
    if (isEnd && !m.stderrTail.isEmpty()) {
        w.key("stderr");
        w.string(m.stderrTail);
    }
    switch (m.type) {
    case WorkerMessageType::Ready:
        w.key("secret");
        w.string(m.secret);
        w.key("pid");
        w.integer(m.pid);
        break;
    case WorkerMessageType::Progress:
        w.key("progress");
        w.optionalNumber(m.progress);
        w.key("message");
        w.string(m.message);
        break;
    case WorkerMessageType::Done:
        w.key("result");
        writeResultInfo(w, m.result);
        if (!m.resultFile.isEmpty()) {
            w.key("file");
            w.string(m.resultFile);
        } else {
            w.key("inline");
            w.raw('"' + m.inlineData.toBase64() + '"'); // base64 needs no escaping
        }
        break;
    case WorkerMessageType::Failed:
        w.key("error");
        w.beginObject();
        w.key("code");
        w.string(m.error.code);
        w.key("message");
        w.string(m.error.message);
        w.endObject();
        w.key("retryable");
        w.boolean(m.retryable);
        break;
    case WorkerMessageType::Run:
    case WorkerMessageType::Offer:
        w.key("job_id");
        w.string(m.jobId);
        w.key("kind");
        w.string(m.kind);
        w.key("params");
        writeParams(w, m.params, m.paramsJson);
        w.key("timeout_s");
        w.integer(m.timeoutS);
        w.key("attempt");
        w.integer(m.attempt);
        break;
    case WorkerMessageType::Heartbeat:
    case WorkerMessageType::Started:
    case WorkerMessageType::Returned:
    case WorkerMessageType::Revoke:
    case WorkerMessageType::Cancel:
        break;
    }
    w.endObject();
    return out;
}

std::optional<WorkerMessage> decodeWorkerMessage(const QByteArray &frame)
{
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(frame, &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    const QJsonObject o = doc.object();
    const auto type = typeFromName(o.value(QStringLiteral("type")).toString());
    if (!type)
        return std::nullopt;

    WorkerMessage m;
    m.type = *type;
    m.fence = o.value(QStringLiteral("fence")).toInteger();
    if (m.type == WorkerMessageType::Done || m.type == WorkerMessageType::Failed)
        m.nextFence = o.value(QStringLiteral("next_fence")).toInteger();
    if (const QJsonValue last = o.value(QStringLiteral("last_progress"));
        last.isObject() &&
        (m.type == WorkerMessageType::Done || m.type == WorkerMessageType::Failed)) {
        m.lastReport = true;
        if (const QJsonValue p = last[QStringLiteral("progress")]; p.isDouble())
            m.progress = p.toDouble();
        m.message = last[QStringLiteral("message")].toString();
    }
    switch (m.type) {
    case WorkerMessageType::Ready:
        m.secret = o.value(QStringLiteral("secret")).toString();
        m.pid = o.value(QStringLiteral("pid")).toInteger();
        break;
    case WorkerMessageType::Heartbeat:
        break;
    case WorkerMessageType::Progress: {
        const QJsonValue p = o.value(QStringLiteral("progress"));
        if (p.isDouble())
            m.progress = p.toDouble();
        m.message = o.value(QStringLiteral("message")).toString();
        break;
    }
    case WorkerMessageType::Done: {
        const QJsonObject r = o.value(QStringLiteral("result")).toObject();
        m.result = ResultInfo{r.value(QStringLiteral("filename")).toString(),
                              r.value(QStringLiteral("content_type")).toString(),
                              r.value(QStringLiteral("size")).toInteger(),
                              r.value(QStringLiteral("sha256")).toString()};
        m.resultFile = o.value(QStringLiteral("file")).toString();
        m.inlineData =
            QByteArray::fromBase64(o.value(QStringLiteral("inline")).toString().toLatin1());
        m.stderrTail = o.value(QStringLiteral("stderr")).toString();
        break;
    }
    case WorkerMessageType::Failed: {
        const QJsonObject e = o.value(QStringLiteral("error")).toObject();
        m.error = JobError{e.value(QStringLiteral("code")).toString(),
                           e.value(QStringLiteral("message")).toString()};
        m.retryable = o.value(QStringLiteral("retryable")).toBool();
        m.stderrTail = o.value(QStringLiteral("stderr")).toString();
        break;
    }
    case WorkerMessageType::Run:
    case WorkerMessageType::Offer:
        m.jobId = o.value(QStringLiteral("job_id")).toString();
        m.kind = o.value(QStringLiteral("kind")).toString();
        m.params = o.value(QStringLiteral("params")).toObject();
        m.timeoutS = o.value(QStringLiteral("timeout_s")).toInt();
        m.attempt = o.value(QStringLiteral("attempt")).toInt();
        break;
    case WorkerMessageType::Started:
    case WorkerMessageType::Returned:
    case WorkerMessageType::Revoke:
    case WorkerMessageType::Cancel:
        break;
    }
    return m;
}

} // namespace jobdesk
