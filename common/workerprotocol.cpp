#include "workerprotocol.h"

#include "jobjson.h"

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

QString typeName(WorkerMessageType type)
{
    for (const TypeName &t : kTypeNames) {
        if (t.type == type)
            return QString::fromLatin1(t.name);
    }
    return {};
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
    QJsonObject o{{QStringLiteral("type"), typeName(m.type)}};
    const bool isEnd = m.type == WorkerMessageType::Done || m.type == WorkerMessageType::Failed;
    if (isEnd && m.nextFence != 0)
        o.insert(QStringLiteral("next_fence"), m.nextFence);
    if (m.lastReport && isEnd) {
        o.insert(QStringLiteral("last_progress"),
                 QJsonObject{{QStringLiteral("progress"),
                              m.progress ? QJsonValue(*m.progress) : QJsonValue(QJsonValue::Null)},
                             {QStringLiteral("message"), m.message}});
    }
    switch (m.type) {
    case WorkerMessageType::Ready:
        o.insert(QStringLiteral("secret"), m.secret);
        o.insert(QStringLiteral("pid"), m.pid);
        break;
    case WorkerMessageType::Heartbeat:
        break;
    case WorkerMessageType::Progress:
        o.insert(QStringLiteral("fence"), m.fence);
        o.insert(QStringLiteral("progress"),
                 m.progress ? QJsonValue(*m.progress) : QJsonValue(QJsonValue::Null));
        o.insert(QStringLiteral("message"), m.message);
        break;
    case WorkerMessageType::Done:
        o.insert(QStringLiteral("fence"), m.fence);
        o.insert(QStringLiteral("result"), resultInfoToJson(m.result));
        if (!m.resultFile.isEmpty())
            o.insert(QStringLiteral("file"), m.resultFile);
        else
            o.insert(QStringLiteral("inline"), QString::fromLatin1(m.inlineData.toBase64()));
        if (!m.stderrTail.isEmpty())
            o.insert(QStringLiteral("stderr"), m.stderrTail);
        break;
    case WorkerMessageType::Failed:
        o.insert(QStringLiteral("fence"), m.fence);
        o.insert(QStringLiteral("error"), jobErrorToJson(m.error));
        o.insert(QStringLiteral("retryable"), m.retryable);
        if (!m.stderrTail.isEmpty())
            o.insert(QStringLiteral("stderr"), m.stderrTail);
        break;
    case WorkerMessageType::Run:
    case WorkerMessageType::Offer:
        o.insert(QStringLiteral("fence"), m.fence);
        o.insert(QStringLiteral("job_id"), m.jobId);
        o.insert(QStringLiteral("kind"), m.kind);
        o.insert(QStringLiteral("params"), m.params);
        o.insert(QStringLiteral("timeout_s"), m.timeoutS);
        o.insert(QStringLiteral("attempt"), m.attempt);
        break;
    case WorkerMessageType::Started:
    case WorkerMessageType::Returned:
    case WorkerMessageType::Revoke:
    case WorkerMessageType::Cancel:
        o.insert(QStringLiteral("fence"), m.fence);
        break;
    }
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
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
