#pragma once

#include "jobstatus.h"

#include <QtGlobal>
#include <optional>
#include <vector>

namespace jobdesk {

/// What a job answer needs to suggest when to poll again: the fields of the
/// job that say how far it is and where it waits.
struct PollState
{
    JobStatus status = JobStatus::Pending;
    int priority = 0;
    qint64 createdAtMs = 0;
    qint64 startedAtMs = 0;
    qint64 nextAttemptAtMs = 0;
    std::optional<double> progress;
    std::optional<double> etaS;
};

/// The queue as the write path last saw it: how many jobs wait at each
/// priority and since when, and how fast attempts finish.
struct QueueGauge
{
    struct Band
    {
        int priority = 0;
        qint64 count = 0;
        qint64 oldestCreatedAtMs = 0;
        qint64 newestCreatedAtMs = 0;
    };
    std::vector<Band> bands; // highest priority first
    /// Attempts finished per second while busy, recently; 0 = not known yet.
    double throughputPerS = 0;
    int workers = 0;

    qint64 pending() const;
    /// About how many queued jobs run before `job` (exact across priorities;
    /// within its own priority interpolated by age, which is exact when
    /// jobs of one priority arrive at an even pace).
    qint64 ahead(const PollState &job) const;
    /// About how long until `jobs` more queued jobs have started, seconds.
    double drainTimeS(qint64 jobs) const;
};

/// The `Retry-After` (seconds, 1 to 60) to suggest with a non-terminal job:
/// half the expected wait for the next thing worth seeing, so a client
/// that follows it polls about twice per wait and never far too late.
///   PROCESSING with an `eta_s`: half of it; without one, a quarter of the
///   time the attempt has run so far (long jobs are polled less often).
///   RETRYING: the time until `next_attempt_at`.
///   PENDING: half the time the jobs ahead of it should take to start, from
///   the recent throughput (or, before any attempt has finished, one second
///   per job per worker).
/// Terminal jobs get 0: no Retry-After.
int suggestRetryAfterS(const PollState &job, const QueueGauge &queue, qint64 nowMs);

} // namespace jobdesk
