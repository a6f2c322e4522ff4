#include "dashboardstats.h"

#include "timeformat.h"

#include <QJsonArray>

namespace jobdesk {

namespace {

std::optional<double> optionalNumber(const QJsonValue &value)
{
    if (value.isDouble())
        return value.toDouble();
    return std::nullopt;
}

ApiError malformed(const QString &what)
{
    return ApiError::make(ErrorCode::Internal,
                          QStringLiteral("the stats reply has no valid %1").arg(what));
}

} // namespace

Result<DashboardStats> DashboardStats::fromJson(const QJsonObject &reply)
{
    DashboardStats s;
    s.version = reply.value(QStringLiteral("version")).toString();
    s.uptimeS = reply.value(QStringLiteral("uptime_s")).toInteger();
    const QJsonValue counts = reply.value(QStringLiteral("counts"));
    if (!counts.isObject())
        return malformed(QStringLiteral("counts"));
    const QJsonObject countsObject = counts.toObject();
    for (JobStatus status : kAllStatuses)
        s.counts.insert(status, countsObject.value(statusName(status)).toInteger());
    s.deadLetters = reply.value(QStringLiteral("dead_letter")).toInteger();
    const QJsonObject workers = reply.value(QStringLiteral("workers")).toObject();
    s.workersTotal = workers.value(QStringLiteral("total")).toInt();
    s.workersBusy = workers.value(QStringLiteral("busy")).toInt();
    const QJsonValue last24h = reply.value(QStringLiteral("last_24h"));
    if (last24h.isObject()) {
        s.completedLast24h = last24h.toObject().value(QStringLiteral("completed")).toInteger();
        s.failedLast24h = last24h.toObject().value(QStringLiteral("failed")).toInteger();
    }

    s.fromMs = parseTimestamp(reply.value(QStringLiteral("from")).toString());
    s.toMs = parseTimestamp(reply.value(QStringLiteral("to")).toString());
    s.stepMs = reply.value(QStringLiteral("step_s")).toInteger(60) * 1000;
    const QJsonValue series = reply.value(QStringLiteral("series"));
    if (!series.isUndefined() && !series.isArray())
        return malformed(QStringLiteral("series"));
    for (const QJsonValue &v : series.toArray()) {
        const QJsonObject item = v.toObject();
        DashboardPoint p;
        p.tMs = parseTimestamp(item.value(QStringLiteral("t")).toString());
        if (p.tMs <= 0)
            return malformed(QStringLiteral("series time"));
        p.submitted = item.value(QStringLiteral("submitted")).toInteger();
        p.completed = item.value(QStringLiteral("completed")).toInteger();
        p.failed = item.value(QStringLiteral("failed")).toInteger();
        p.cancelled = item.value(QStringLiteral("cancelled")).toInteger();
        p.queueDepth = item.value(QStringLiteral("queue_depth")).toInteger();
        p.busy = item.value(QStringLiteral("busy")).toInteger();
        s.series.append(p);
    }
    for (const QJsonValue &v : reply.value(QStringLiteral("kinds")).toArray()) {
        const QJsonObject item = v.toObject();
        DashboardKind k;
        k.kind = item.value(QStringLiteral("kind")).toString();
        if (k.kind.isEmpty())
            return malformed(QStringLiteral("kind name"));
        k.submitted = item.value(QStringLiteral("submitted")).toInteger();
        k.completed = item.value(QStringLiteral("completed")).toInteger();
        k.failed = item.value(QStringLiteral("failed")).toInteger();
        k.cancelled = item.value(QStringLiteral("cancelled")).toInteger();
        k.failureRate = optionalNumber(item.value(QStringLiteral("failure_rate")));
        const QJsonObject duration = item.value(QStringLiteral("duration")).toObject();
        k.durationCount = duration.value(QStringLiteral("count")).toInteger();
        k.p50S = optionalNumber(duration.value(QStringLiteral("p50_s")));
        k.p95S = optionalNumber(duration.value(QStringLiteral("p95_s")));
        s.kinds.append(k);
    }
    return s;
}

} // namespace jobdesk
