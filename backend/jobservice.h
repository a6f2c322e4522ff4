#pragma once

#include "apierror.h"
#include "job.h"
#include "jobsnapshot.h"
#include "kindcatalog.h"
#include "store/jobstore.h"
#include "submitrequest.h"
#include "workerpool/workersupervisor.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

namespace jobdesk {

/// What `cancel` did: the job as it now stands, and whether a running
/// attempt was asked to stop (HTTP 202) rather than the job being cancelled
/// at once or already cancelled (HTTP 200).
struct CancelOutcome
{
    Job job;
    bool stopRequested = false;
};

/// The one place where jobs change. HTTP and ZeroMQ adapters call it; it
/// checks every transition against the state table, writes the store in
/// group-committed transactions, then publishes snapshots and announces the
/// change (jobChanged) once the commit holding it is durable.
///
/// Group commit: requests are queued, and one flush, posted to the end of
/// the event queue, applies everything that arrived meanwhile in a single
/// transaction. At low load that is one request per commit with no added
/// delay; under load the batch grows with the queue. Dispatches to idle
/// workers ride in the same transaction.
///
/// Lives on the thread that owns the store (the main thread). Callbacks run
/// on that thread after the commit that holds their change.
class JobService : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString resultsDir; // where workers leave result files
        std::chrono::milliseconds retryBackoffBase{2000};
        std::chrono::milliseconds retryBackoffCap{300000};
        /// Backend restarts an attempt may suffer before it counts as a crash.
        int maxInterruptions = 3;
        /// Terminal jobs older than this are purged with their results.
        std::chrono::hours retention{48};
    };

    JobService(JobStore &store, WorkerSupervisor &workers, KindCatalog kinds, Options options,
               QObject *parent = nullptr);
    ~JobService() override;

    /// Recovers what an earlier run left behind and loads the queue.
    bool start(QString *error);
    /// Commits what is queued; later writes are refused with `unavailable`.
    void stop();
    /// Graceful stop: refuses new jobs (`unavailable`), dispatches nothing
    /// more, lets running attempts finish for up to `grace`, then puts what
    /// still runs back to PENDING (no attempt used), commits, and calls `done`.
    void drain(std::chrono::milliseconds grace, std::function<void()> done);
    /// Purges terminal jobs older than the retention with their events and
    /// result files, in bounded batches, and checkpoints the store's log.
    /// Runs at start and hourly.
    void housekeep();

    using JobCallback = std::function<void(Result<Job>)>;
    using CancelCallback = std::function<void(Result<CancelOutcome>)>;

    /// Stores a new PENDING job; `done` runs after the commit that holds it.
    void submit(SubmitRequest request, JobCallback done);
    void cancel(const QString &id, CancelCallback done);
    /// Re-drives a FAILED or CANCELLED job: back to PENDING with
    /// `max_attempts` more attempts.
    void retry(const QString &id, JobCallback done);

    Result<Job> job(const QString &id);
    Result<ListPage> list(const ListQuery &query);
    Result<ChangesPage> changesSince(qint64 rev, int limit);
    Result<QList<JobEvent>> events(const QString &id);

    /// The bytes of a small result, or the absolute path of a result file.
    struct ResultData
    {
        Job job;
        QByteArray bytes;
        QString filePath; // set instead of bytes for results kept as files
    };
    Result<ResultData> result(const QString &id);

    const KindCatalog &kinds() const { return m_kinds; }
    /// The `stats` object: version, uptime, counts by status, dead letters,
    /// workers.
    QJsonObject stats();
    /// Thread-safe: the latest committed snapshot of a job, or null.
    std::shared_ptr<const JobSnapshot> snapshot(const QString &id) const;
    /// Thread-safe: the newest committed rev.
    qint64 currentRev() const { return m_committedRev.load(); }

Q_SIGNALS:
    /// After the commit that made a change durable. `statusChanged` is true
    /// when status, cancel_requested or dead_letter changed (a `job.state`
    /// event), false for progress-only changes.
    void jobChanged(const jobdesk::Job &job, bool statusChanged);

private:
    class Batch;
    using Mutation = std::function<void(Batch &)>;

    void enqueue(Mutation m);
    void scheduleFlush();
    void flush();
    void reloadAfterFailedCommit();

    Job *findJob(Batch &batch, const QString &id);
    void transition(Batch &batch, Job &job, JobStatus to, QJsonObject eventData = {});
    void addEvent(Batch &batch, const Job &job, const QString &type, QJsonObject data);
    void dispatchToIdleWorkers(Batch &batch);
    void finishAttempt(Batch &batch, Job &job, const WorkerOutcome &outcome);
    void failAttempt(Batch &batch, Job &job, const JobError &error, bool retryable);
    void recover(Batch &batch);

    void onWorkerProgress(const QString &jobId, qint64 fence, std::optional<double> progress,
                          const QString &message);
    void onWorkerFinished(const QString &jobId, qint64 fence, const WorkerOutcome &outcome);
    void flushThrottledProgress();
    void promoteDueRetries();
    void armRetryTimer();

    void finishDrain();
    int processingCount() const;
    void purgeExpiredBatch();

    void queueInsert(const Job &job);
    void queueErase(const Job &job);

    JobStore &m_store;
    WorkerSupervisor &m_workers;
    KindCatalog m_kinds;
    Options m_options;
    JobSnapshotCache m_snapshots;
    std::atomic<qint64> m_committedRev{0};
    QElapsedTimer m_uptime;

    /// Non-terminal jobs: the live working set, mirrored from the store.
    std::unordered_map<QString, Job> m_active;

    /// PENDING jobs by priority (higher first), then age, then id.
    struct QueueKey
    {
        int priority;
        qint64 createdAtMs;
        QString id;
        bool operator<(const QueueKey &o) const;
    };
    std::set<QueueKey> m_queue;
    /// RETRYING jobs by the time they become PENDING again.
    std::set<std::pair<qint64, QString>> m_retryDue;
    QTimer m_retryTimer;

    /// Progress reports waiting for their throttle window, by job id.
    struct PendingProgress
    {
        qint64 fence;
        std::optional<double> progress;
        QString message;
    };
    std::unordered_map<QString, PendingProgress> m_throttledProgress;
    std::unordered_map<QString, qint64> m_lastProgressWriteMs;
    QTimer m_progressTimer;

    /// The last event seq written per active job (timelines count from 1).
    std::unordered_map<QString, qint64> m_eventSeq;

    QTimer m_housekeepingTimer;
    QTimer m_drainTimer;
    std::function<void()> m_drainDone;
    bool m_draining = false;

    std::vector<Mutation> m_mutations;
    bool m_flushQueued = false;
    bool m_flushFailed = false;
    bool m_stopped = false;
};

} // namespace jobdesk
