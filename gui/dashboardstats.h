#pragma once

#include "apierror.h"
#include "jobstatus.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>

namespace jobdesk {

/// One step of the stats series: counts summed over the step, gauges at
/// their highest in it.
struct DashboardPoint
{
    qint64 tMs = 0; // the step's start
    qint64 submitted = 0;
    qint64 completed = 0;
    qint64 failed = 0;
    qint64 cancelled = 0;
    qint64 queueDepth = 0;
    qint64 busy = 0;
};

/// One kind over the whole range.
struct DashboardKind
{
    QString kind;
    qint64 submitted = 0;
    qint64 completed = 0;
    qint64 failed = 0;
    qint64 cancelled = 0;
    std::optional<double> failureRate; // failed / (completed + failed)
    qint64 durationCount = 0;
    std::optional<double> p50S;
    std::optional<double> p95S;
};

/// What the dashboard shows: the reply of the `stats` op (CONTRACT.md;
/// docs/api.md, "Stats") read into values.
struct DashboardStats
{
    QString version;
    qint64 uptimeS = 0;
    QHash<JobStatus, qint64> counts;
    qint64 deadLetters = 0;
    int workersTotal = 0;
    int workersBusy = 0;
    /// Jobs that ended COMPLETED / FAILED in the last 24 hours; nullopt when
    /// the backend does not report them.
    std::optional<qint64> completedLast24h;
    std::optional<qint64> failedLast24h;

    qint64 fromMs = 0;
    qint64 toMs = 0;
    qint64 stepMs = 60 * 1000;
    QList<DashboardPoint> series;
    QList<DashboardKind> kinds;

    qint64 count(JobStatus status) const { return counts.value(status, 0); }
    /// Reads a `stats` reply; an error names what is missing or malformed.
    static Result<DashboardStats> fromJson(const QJsonObject &reply);
};

} // namespace jobdesk
