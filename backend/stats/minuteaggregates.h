#pragma once

#include "durationbuckets.h"

#include <QList>
#include <QString>
#include <optional>

namespace jobdesk {

/// The start of the minute holding `ms` (ms since the epoch, UTC): the key
/// of the per-minute aggregates.
inline qint64 aggregateMinuteStart(qint64 ms)
{
    constexpr qint64 kMinuteMs = 60 * 1000;
    const qint64 r = ms % kMinuteMs;
    return r < 0 ? ms - r - kMinuteMs : ms - r; // a floor, before the epoch too
}

/// The per-minute counts of one job kind. As a delta (MinuteAggregates),
/// what one write transaction adds to the minute starting at `minuteMs`; as
/// a total (AggregateRange::kinds), the sums over a range.
struct KindMinuteCounts
{
    qint64 minuteMs = 0; // the minute's start, ms since the epoch (UTC)
    QString kind;
    qint64 submitted = 0;
    /// Jobs that reached COMPLETED, FAILED (dead letters: not the failed
    /// attempts that were retried) or CANCELLED.
    qint64 completed = 0;
    qint64 failed = 0;
    qint64 cancelled = 0;
    /// The run time of the last attempt of each job that reached a terminal
    /// state after an attempt ran (what /metrics' job duration observes).
    qint64 durationSumMs = 0;
    DurationBuckets durationBuckets{};

    qint64 durationCount() const
    {
        qint64 n = 0;
        for (qint64 b : durationBuckets)
            n += b;
        return n;
    }
    bool operator==(const KindMinuteCounts &o) const
    {
        return minuteMs == o.minuteMs && kind == o.kind && submitted == o.submitted &&
               completed == o.completed && failed == o.failed && cancelled == o.cancelled &&
               durationSumMs == o.durationSumMs && durationBuckets == o.durationBuckets;
    }
};

/// The queue depth (PENDING jobs) and busy workers as one commit left them.
/// Both change only through commits, so a sample per commit sees every change.
struct GaugeSample
{
    qint64 atMs = 0;
    qint64 queueDepth = 0;
    qint64 busyWorkers = 0;
};

/// What one write transaction adds to the per-minute aggregates.
struct MinuteAggregates
{
    QList<KindMinuteCounts> kinds;
    std::optional<GaugeSample> gauges;

    bool isEmpty() const { return kinds.isEmpty() && !gauges; }
};

/// One step of a range read: the counts summed over its minutes, and the
/// gauges' highest and latest values among the minutes that had a commit.
struct AggregateStep
{
    qint64 startMs = 0;
    qint64 submitted = 0;
    qint64 completed = 0;
    qint64 failed = 0;
    qint64 cancelled = 0;
    bool hasGauges = false; // false: no commit in the step; the gauges carry over
    qint64 queueDepthPeak = 0;
    qint64 busyPeak = 0;
    qint64 queueDepthLast = 0;
    qint64 busyLast = 0;
};

/// The per-minute aggregates over [from, to), read in one read transaction.
struct AggregateRange
{
    /// The steps that have rows, oldest first; the others had no commit.
    QList<AggregateStep> steps;
    /// The last sample before the range, where its gauges start from.
    std::optional<GaugeSample> gaugesBefore;
    /// Every kind with rows in the range, summed over it, by name
    /// (`minuteMs` is the range's start).
    QList<KindMinuteCounts> kinds;
};

} // namespace jobdesk
