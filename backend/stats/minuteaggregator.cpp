#include "minuteaggregator.h"

#include "jobstatus.h"

namespace jobdesk {

KindMinuteCounts &MinuteAggregator::row(qint64 atMs, const QString &kind)
{
    const qint64 minute = aggregateMinuteStart(atMs);
    auto [it, inserted] = m_rows.try_emplace({minute, kind});
    if (inserted) {
        it->second.minuteMs = minute;
        it->second.kind = kind;
    }
    return it->second;
}

void MinuteAggregator::jobSubmitted(qint64 atMs, const Job &job)
{
    ++row(atMs, job.kind).submitted;
}

void MinuteAggregator::jobFinished(qint64 atMs, const Job &job, std::optional<qint64> runMs)
{
    if (!isTerminal(job.status))
        return;
    KindMinuteCounts &counts = row(atMs, job.kind);
    switch (job.status) {
    case JobStatus::Completed:
        ++counts.completed;
        break;
    case JobStatus::Failed:
        ++counts.failed;
        break;
    case JobStatus::Cancelled:
        ++counts.cancelled;
        break;
    default:
        break;
    }
    if (runMs && *runMs >= 0) {
        counts.durationSumMs += *runMs;
        ++counts.durationBuckets[std::size_t(jobDurationBucket(double(*runMs) / 1000.0))];
    }
}

void MinuteAggregator::sampleGauges(qint64 atMs, qint64 queueDepth, qint64 busyWorkers)
{
    m_gauges = GaugeSample{atMs, queueDepth, busyWorkers};
}

MinuteAggregates MinuteAggregator::take()
{
    MinuteAggregates out;
    out.kinds.reserve(qsizetype(m_rows.size()));
    for (auto &[key, counts] : m_rows)
        out.kinds.append(std::move(counts));
    out.gauges = m_gauges;
    m_rows.clear();
    m_gauges.reset();
    return out;
}

} // namespace jobdesk
