#pragma once

#include "job.h"
#include "minuteaggregates.h"

#include <map>
#include <optional>
#include <utility>

namespace jobdesk {

/// Turns what one write transaction changes into the deltas it adds to the
/// per-minute aggregates: jobs submitted, jobs that reached a terminal state
/// (with the run time of their last attempt, in the buckets /metrics uses),
/// and the queue depth and busy workers at the commit.
///
/// It keeps no running totals: the store adds the deltas to its rows in the
/// transaction that commits the changes they count, so a rolled-back or
/// crashed commit counts nothing and a replayed one counts once.
class MinuteAggregator
{
public:
    /// A new job was stored at `atMs`.
    void jobSubmitted(qint64 atMs, const Job &job);
    /// A job reached its state at `atMs`; only terminal states count (a job
    /// re-driven again before the commit does not). `runMs` is how long the
    /// attempt that ended with this change ran, from its dispatch: nullopt
    /// when the job ended while no attempt ran (cancelled while queued or
    /// waiting for a retry), so that waiting never counts as run time.
    void jobFinished(qint64 atMs, const Job &job, std::optional<qint64> runMs);
    /// The queue depth and busy workers as the transaction leaves them; the
    /// last sample taken wins.
    void sampleGauges(qint64 atMs, qint64 queueDepth, qint64 busyWorkers);

    bool isEmpty() const { return m_rows.empty() && !m_gauges; }
    /// The deltas collected since the last take(), by minute then kind; the
    /// aggregator starts afresh.
    MinuteAggregates take();

private:
    KindMinuteCounts &row(qint64 atMs, const QString &kind);

    std::map<std::pair<qint64, QString>, KindMinuteCounts> m_rows;
    std::optional<GaugeSample> m_gauges;
};

} // namespace jobdesk
