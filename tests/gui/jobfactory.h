#pragma once

#include "job.h"

#include <QString>

// Jobs as the backend would send them, for model tests and the benchmark.
namespace jobfactory {

inline QString idFor(int n)
{
    // UUID-shaped, unique per n, sortable by n.
    return QStringLiteral("0193a0c4-5e1b-7c2d-9f31-%1").arg(n, 12, 10, QLatin1Char('0'));
}

inline jobdesk::Job make(int n, jobdesk::JobStatus status = jobdesk::JobStatus::Pending,
                         qint64 rev = 1, const QString &kind = QStringLiteral("demo.sleep"))
{
    jobdesk::Job job;
    job.id = idFor(n);
    job.kind = kind;
    job.params =
        QJsonObject{{QStringLiteral("duration_s"), 5 + n % 7}, {QStringLiteral("steps"), 20}};
    job.status = status;
    job.progress = status == jobdesk::JobStatus::Completed ? 100.0 : 0.0;
    job.createdAtMs = 1'790'000'000'000 + n * 1000;
    job.updatedAtMs = job.createdAtMs;
    if (status != jobdesk::JobStatus::Pending) {
        job.startedAtMs = job.createdAtMs + 10;
        job.attempt = 1;
    }
    if (jobdesk::isTerminal(status))
        job.finishedAtMs = job.startedAtMs + 5000;
    job.rev = rev;
    return job;
}

} // namespace jobfactory
