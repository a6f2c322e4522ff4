#pragma once

#include "apierror.h"
#include "http/pollhint.h"
#include "job.h"
#include "jobsnapshot.h"
#include "kindcatalog.h"
#include "stats/statsrange.h"
#include "store/jobstore.h"
#include "submitrequest.h"
#include "webhooks/callbackallowlist.h"
#include "workerpool/workersupervisor.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

namespace jobdesk {

class ApiMetrics;

/// A submit as both adapters hand it to the service: the validated request
/// and where to announce the job's end.
struct SubmitCommand
{
    SubmitRequest request;
    QString callbackUrl; // empty: no webhook
    /// Where the idempotency key came from, to name it in errors.
    IdempotencyKeySource keySource = IdempotencyKeySource::Header;

    /// The idempotency fingerprint: SubmitRequest::fingerprint(), with
    /// `callback_url` added when there is one (canonical JSON either way).
    QByteArray fingerprint() const;
};

/// What a submit answered: the job as first stored, serialized, and
/// whether this is a repeat of an earlier submit with the same key.
struct SubmitOutcome
{
    QString jobId;
    qint64 rev = 0;
    QByteArray body; // the job object as first sent
    bool replayed = false;
};

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
        /// Idempotency keys are kept at least this long (purged hourly after).
        std::chrono::hours idempotencyRetention{24};
        /// Submits beyond this many PENDING jobs are refused (503).
        qint64 maxPending = 1000000;
        /// Hosts a callback_url may name.
        CallbackAllowlist callbackAllow = CallbackAllowlist::loopbackOnly();
        /// Where jobs are counted for /metrics; may be null.
        ApiMetrics *metrics = nullptr;
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
    using SubmitCallback = std::function<void(Result<SubmitOutcome>)>;

    /// Validates a submit body (HTTP's, or the fields of ZeroMQ's `submit`
    /// op): parseSubmitRequest() for the job, plus `callback_url`, which
    /// must be an http(s) URL the callback allowlist passes (422 otherwise).
    Result<SubmitCommand> parseSubmit(QJsonObject body, IdempotencyKeySource keySource) const;
    /// Stores a new PENDING job; `done` runs after the commit that holds it.
    ///
    /// With an idempotency key (IETF draft "The Idempotency-Key HTTP Header
    /// Field"): a key already stored with the same fingerprint answers the
    /// stored outcome again (`replayed`), with another fingerprint it is
    /// `invalid_params` (422), and a key whose first submit is not committed
    /// yet is `conflict` (409). The key is stored in the commit that stores
    /// the job. A refused submit (invalid, queue full) stores nothing.
    ///
    /// Admission control: with Options::maxPending jobs PENDING, a new job
    /// is refused with `unavailable` (503) and a Retry-After.
    void submit(SubmitCommand command, SubmitCallback done);
    void cancel(const QString &id, CancelCallback done);
    /// Re-drives a FAILED or CANCELLED job: back to PENDING with
    /// `max_attempts` more attempts.
    void retry(const QString &id, JobCallback done);

    Result<Job> job(const QString &id);
    Result<ListPage> list(const ListQuery &query);
    Result<ChangesPage> changesSince(qint64 rev, int limit);
    Result<QList<JobEvent>> events(const QString &id);

    /// Records one webhook delivery attempt through the write path: the
    /// outbox row as it now stands and a `webhook` event in the job's
    /// timeline, in one commit. `done(true)` once durable.
    void recordWebhookAttempt(const WebhookDelivery &delivery, const QJsonObject &event,
                              std::function<void(bool stored)> done);
    /// The deliveries still to be attempted (at start).
    QList<WebhookDelivery> pendingWebhooks();

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
    /// workers, the totals of the last 24 h (`last_24h`) and the series over
    /// `range` from the per-minute aggregates (stats/statsseries.h);
    /// `unavailable` when the store cannot be read.
    Result<QJsonObject> stats(const StatsRange &range);
    /// Thread-safe: the latest committed snapshot of a job, or null.
    std::shared_ptr<const JobSnapshot> snapshot(const QString &id) const;
    /// Thread-safe: the newest committed rev.
    qint64 currentRev() const { return m_committedRev.load(); }
    /// Thread-safe: the Retry-After to send with a job's state (0 = none).
    int suggestRetryAfterS(const JobSnapshot &snapshot) const;
    /// Thread-safe: the queue as of the last commit.
    std::shared_ptr<const QueueGauge> queueGauge() const;

    /// Ready to take work: the store is open and a worker said READY.
    bool isReady() const;
    int workersReady() const;
    int workersBusy() const;
    qint64 queueDepth() const { return static_cast<qint64>(m_queue.size()); }

Q_SIGNALS:
    /// After the commit that made a change durable. `statusChanged` is true
    /// when status, cancel_requested or dead_letter changed (a `job.state`
    /// event), false for progress-only changes. `json` is the job as
    /// serialized once for the commit (what polls and replies send too).
    void jobChanged(const jobdesk::Job &job, const QByteArray &json, bool statusChanged);
    /// After the commit that put a delivery in the webhook outbox.
    void webhookQueued(const jobdesk::WebhookDelivery &delivery);

private:
    class Batch;
    using Mutation = std::function<void(Batch &)>;

    /// How a queued mutation orders with worker reports that come after it.
    enum class Order
    {
        Strict,  ///< reports wait behind it (it may touch their jobs)
        AnyOrder ///< reports may be applied before it (a submit: a new job)
    };
    void enqueue(Mutation m, Order order = Order::Strict);
    /// enqueue(), or, while a commit runs and only submits wait, applied
    /// at once to m_open. For mutations that write nothing to the store.
    void applyOrEnqueue(Mutation m);
    /// Sends the batch's claims of jobs whose PENDING state is durable.
    void sendEarly(Batch &batch);
    void scheduleFlush();
    /// Applies the queued mutations and writes them in one transaction,
    /// whose COMMIT then runs in the background (finishFlush()).
    void flush();
    /// What a batch does once its commit has held or failed, then what
    /// waited for that commit.
    void finishFlush(Batch &batch);
    /// Answers, publishes and dispatches for a committed batch; rolls the
    /// working set back and tells callers for a failed one.
    void settleBatch(Batch &batch);
    /// flush() and waits for its commit: for start and stop.
    void flushAndWait();
    void reloadAfterFailedCommit();
    void logStateChange(const Job &job) const;

    Job *findJob(Batch &batch, const QString &id);
    void transition(Batch &batch, Job &job, JobStatus to, QJsonObject eventData = {});
    void addEvent(Batch &batch, const Job &job, const QString &type, QJsonObject data);
    void dispatchToIdleWorkers(Batch &batch);
    /// Claims a PENDING job for the attempt `fence`: PROCESSING, the next attempt.
    void claim(Batch &batch, Job &job, qint64 fence);
    /// Offers durable PENDING jobs to busy workers that take offers, and
    /// revokes offers that a job of higher priority should have.
    void offerToBusyWorkers();
    /// offerToBusyWorkers() once the event loop is back: the reports read in
    /// one go (each worker's end and the start of its next offer) share one
    /// walk of the queue.
    void scheduleOfferWalk();
    /// Revokes the newest offers, one per idle worker not yet fed by an
    /// offer on its way back.
    void takeBackOffersFor(int idle);
    /// Idle workers not promised to a claim waiting for its commit.
    int idleUnpromised() const;
    /// Whether the queue holds a job that is not in a worker's line.
    bool hasDispatchableJob() const;
    /// Whether an attempt of `jobId` outlived a failed commit and still runs.
    bool hasAbandonedAttempt(const QString &jobId) const;
    /// Hands an assignment to its worker; false (and the attempt given
    /// back) when no worker took it.
    bool sendDispatch(const WorkerAssignment &assignment);
    /// giveBackAttempt() by a mutation, applied again should its commit fail.
    void giveBackLater(const QString &jobId, qint64 fence, const QString &reason);
    /// A PROCESSING job whose attempt never really ran: back to PENDING, or
    /// CANCELLED when a cancel is pending.
    void giveBackAttempt(Batch &batch, Job &job, const QString &reason);
    /// Ends a job CANCELLED with `error`; the timeline's state event carries
    /// `eventData`, by default the error.
    /// What cancel() does, applied to `batch`: for the mutations that
    /// answer cancels which waited for a worker's word.
    void cancelInBatch(Batch &batch, const QString &id, const CancelCallback &done);
    /// Ends a drain once nothing runs and no offer is out.
    void finishDrainIfIdle();
    void endCancelled(Batch &batch, Job &job, const JobError &error,
                      std::optional<QJsonObject> eventData = std::nullopt);
    void finishAttempt(Batch &batch, Job &job, const WorkerOutcome &outcome);
    void failAttempt(Batch &batch, Job &job, const JobError &error, bool retryable,
                     const QString &stderrTail = {});
    void recover(Batch &batch);

    void onWorkerProgress(const QString &jobId, qint64 fence, std::optional<double> progress,
                          const QString &message);
    void onWorkerFinished(const QString &jobId, qint64 fence, const WorkerOutcome &outcome);
    void onWorkerStarted(const QString &jobId, qint64 fence);
    void onWorkerReturned(const QString &jobId, qint64 fence);
    /// Whether `name` is a result file of that attempt (not a path, its fence).
    static bool isOwnResultFile(const QString &jobId, qint64 fence, const QString &name);
    void flushThrottledProgress();
    void promoteDueRetries();
    void armRetryTimer();

    void finishDrain();
    int processingCount() const;
    void purgeExpiredBatch();
    void purgeExpiredKeys();

    void queueInsert(const Job &job);
    void queueErase(const Job &job);
    /// Takes the first job of the queue (highest priority, oldest).
    QString queueTakeFirst();
    void queueClear();
    void publishQueueGauge();
    void countCommitted(const Batch &batch);
    /// The run time of the attempt of job `id` that ended in `batch`, if any.
    static std::optional<qint64> attemptRunMs(const Batch &batch, const QString &id);

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
    /// How many queued jobs each priority has (for the queue gauge).
    std::map<int, qint64> m_queueBands;
    /// When recent attempts ended (ms), oldest first: the throughput.
    std::deque<qint64> m_attemptEnds;
    mutable std::mutex m_gaugeMutex;
    std::shared_ptr<const QueueGauge> m_gauge = std::make_shared<QueueGauge>();

    /// Keys of submits not committed yet, with their fingerprints.
    std::unordered_map<QString, QByteArray> m_keysInFlight;
    /// Submits accepted but not yet applied to the queue (admission control).
    qint64 m_uncommittedSubmits = 0;
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

    /// Attempts sent before a commit that failed, asked to stop and not
    /// ended yet, by fence: their jobs are not dispatched again until then.
    std::unordered_map<qint64, QString> m_abandoned;

    /// Jobs a busy worker holds as offers, by id: PENDING (in the store and
    /// here) and still in m_queue, but neither dispatched nor offered again
    /// until the worker starts (a claim) or returns them.
    struct Offer
    {
        qint64 fence = 0;
        int priority = 0;
        bool revoked = false;
        /// Cancels waiting for the worker to return or start the job.
        std::vector<CancelCallback> cancels;
    };
    std::unordered_map<QString, Offer> m_offered;
    /// The offers of PENDING jobs, in queue order (best first).
    std::vector<Offer *> offersInQueueOrder();
    /// Asks for an offer back, once.
    void revokeOffer(Offer &offer);

    /// Jobs per status and dead letters as of the last commit (the `stats`
    /// counts), counted once at start and then kept by each commit.
    std::map<JobStatus, qint64> m_statusCounts;
    qint64 m_deadLetters = 0;

    /// The last event seq written per active job (timelines count from 1).
    std::unordered_map<QString, qint64> m_eventSeq;

    QTimer m_housekeepingTimer;
    QTimer m_drainTimer;
    std::function<void()> m_drainDone;
    bool m_draining = false;

    std::vector<Mutation> m_mutations;
    /// Queued mutations with Order::Strict.
    int m_strictQueued = 0;
    bool m_flushQueued = false;
    bool m_offerWalkQueued = false;
    bool m_flushFailed = false;
    /// The batch whose COMMIT is running in the background; null between
    /// commits. The next batch waits for it (one write transaction at a
    /// time).
    std::unique_ptr<Batch> m_committing;
    /// A purge batch is queued or committing.
    bool m_purging = false;
    /// A flush was asked for while a commit ran.
    bool m_flushWanted = false;
    /// The WAL checkpoint waits for a moment with no commit running.
    bool m_checkpointWanted = false;
    /// The batch gathering worker reports while m_committing's COMMIT runs:
    /// applied at once, written by the next flush.
    std::unique_ptr<Batch> m_open;
    /// After a failed commit: how long to wait before the next, and until when.
    qint64 m_storeBackoffMs = 0;
    qint64 m_storeRetryAtMs = 0;
    bool m_reloadPending = false;
    bool m_stopping = false; // stop() is committing the last batch
    bool m_stopped = false;
};

} // namespace jobdesk
