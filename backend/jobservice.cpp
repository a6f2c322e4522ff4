#include "jobservice.h"

#include "http/apimetrics.h"
#include "jobjson.h"
#include "jsonwriter.h"
#include "loglinewriter.h"
#include "paramsschema.h"
#include "reliability.h"
#include "stats/minuteaggregator.h"
#include "stats/statsseries.h"
#include "timeformat.h"
#include "uuid7.h"
#include "version.h"
#include "webhooks/webhookpayload.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

Q_LOGGING_CATEGORY(lcService, "jobdesk.service")

namespace jobdesk {

namespace r = reliability;

namespace {

// Terminal snapshots kept for fast polls; older ones fall back to the store.
constexpr qsizetype kSnapshotCacheEntries = 200000;
// Jobs purged per transaction, so housekeeping never holds the writer long.
constexpr int kPurgeBatch = 500;
// Idempotency keys purged per transaction.
constexpr int kKeyPurgeBatch = 5000;
// Attempt ends remembered to estimate the throughput.
constexpr std::size_t kThroughputSamples = 200;
constexpr std::chrono::hours kHousekeepingInterval{1};

ApiError shuttingDown()
{
    return ApiError{ErrorCode::Unavailable, QStringLiteral("jobdeskd is shutting down"), {}, 5};
}

QJsonObject errorEventData(const JobError &error)
{
    return QJsonObject{{QStringLiteral("error"), jobErrorToJson(error)}};
}

// What an attempt wrote on stderr belongs in its timeline entry.
QJsonObject withStderr(QJsonObject data, const WorkerOutcome &outcome)
{
    if (!outcome.stderrTail.isEmpty())
        data.insert(QStringLiteral("stderr"), outcome.stderrTail);
    return data;
}

std::shared_ptr<const JobSnapshot> makeSnapshot(const Job &job)
{
    auto s = std::make_shared<JobSnapshot>();
    s->id = job.id;
    s->rev = job.rev;
    s->terminal = isTerminal(job.status);
    s->json = jobToJsonBytes(job);
    s->etag = "\"r" + QByteArray::number(job.rev) + '"';
    s->poll = PollState{job.status,          job.priority, job.createdAtMs, job.startedAtMs,
                        job.nextAttemptAtMs, job.progress, job.etaS};
    return s;
}

JobError cancelledByRequest()
{
    return JobError{QStringLiteral("cancelled"), QStringLiteral("cancelled by request")};
}

ApiError keyReused(IdempotencyKeySource source)
{
    ApiError e = ApiError::make(ErrorCode::InvalidParams,
                                QStringLiteral("this idempotency key was first used with a "
                                               "different request"));
    e.fieldErrors.append({source == IdempotencyKeySource::Header
                              ? QStringLiteral("Idempotency-Key")
                              : QStringLiteral("idempotency_key"),
                          QStringLiteral("was first used with a different request")});
    return e;
}

ApiError keyInFlight()
{
    return ApiError{ErrorCode::Conflict,
                    QStringLiteral("the first request with this idempotency key is still being "
                                   "stored; send it again shortly"),
                    {},
                    1};
}

qint64 revOf(const QByteArray &jobJson)
{
    return QJsonDocument::fromJson(jobJson).object().value(QStringLiteral("rev")).toInteger();
}

} // namespace

// ---------------------------------------------------------------------------
// The batch: everything one transaction changes, and what to do once it is
// durable.
// ---------------------------------------------------------------------------

class JobService::Batch
{
public:
    explicit Batch(qint64 now)
        : now(now)
    {
    }

    /// Marks a job as written by this batch.
    void touch(const Job &job, bool statusChanged, bool isNew = false)
    {
        auto [it, inserted] = dirty.try_emplace(job.id, Dirty{isNew, statusChanged, order.size()});
        if (inserted) {
            order.push_back(job.id);
        } else {
            it->second.statusChanged |= statusChanged;
        }
    }

    struct Dirty
    {
        bool isNew = false;
        bool statusChanged = false;
        std::size_t position = 0; // in `order`
    };

    /// When the batch's changes happen; moves on while a batch gathers
    /// worker reports during the previous commit.
    qint64 now;
    std::unordered_map<QString, Dirty> dirty;
    std::vector<QString> order;
    /// Replies to run after the commit, with the job as committed.
    std::vector<std::pair<QString, std::function<void(const JobSnapshot &, const Job &)>>> replies;
    /// The jobs of `order` as written, serialized once: what the commit
    /// publishes, announces and answers.
    std::vector<std::shared_ptr<const JobSnapshot>> snapshots;
    /// The jobs of `order` as written: the working set may be ahead of
    /// them by the time the commit is done (the next batch gathers then).
    std::vector<Job> written;
    /// Replies that do not depend on the commit (errors found while applying).
    std::vector<std::function<void()>> immediate;
    /// What to tell callers if the commit fails.
    std::vector<std::function<void(const ApiError &)>> onFailure;
    /// Mutations from workers that must be applied again if the commit fails.
    std::vector<Mutation> replayOnFailure;
    std::vector<WorkerAssignment> dispatches;
    /// Claimed jobs whose row this batch had not changed before the claim:
    /// their PENDING state is durable, so they may start before the commit.
    std::unordered_set<QString> claimedDurable;
    /// The attempts sent before the commit (fence, job): stopped if it fails.
    std::vector<std::pair<qint64, QString>> sentEarly;
    std::vector<qint64> cancels;
    std::vector<std::pair<QString, JobEvent>> events;
    /// Inline results to store (job id, bytes), written after the rows.
    std::vector<std::pair<QString, QByteArray>> resultBlobs;
    /// Jobs purged by this batch: their files go once the commit is durable.
    std::vector<Job> purged;
    /// Terminal jobs read from the store into the working set by this batch.
    std::vector<QString> loaded;
    /// Idempotency keys to store with their (new) jobs: job id, record.
    std::vector<std::pair<QString, IdempotencyRecord>> keys;
    /// Jobs that reached a terminal state in this batch, once each.
    std::vector<QString> becameTerminal;
    /// Webhook deliveries this batch puts in the outbox.
    std::vector<WebhookDelivery> webhooks;
    /// To run once the commit is durable.
    std::vector<std::function<void()>> afterCommit;
    /// How long each attempt that ended in this batch ran, by job id: the
    /// run time /metrics and the stats observe when the job finishes.
    std::unordered_map<QString, qint64> attemptRunMs;
    /// How this batch changes the number of jobs in each status and of dead
    /// letters; added to the service's counts once the commit is durable.
    std::map<JobStatus, qint64> statusDelta;
    qint64 deadLetterDelta = 0;
    bool storeFailed = false;
};

bool JobService::QueueKey::operator<(const QueueKey &o) const
{
    if (priority != o.priority)
        return priority > o.priority;
    if (createdAtMs != o.createdAtMs)
        return createdAtMs < o.createdAtMs;
    return id < o.id;
}

QByteArray SubmitCommand::fingerprint() const
{
    const QByteArray base = request.fingerprint();
    if (callbackUrl.isEmpty())
        return base;
    // QJsonObject keeps its keys sorted, so this stays canonical.
    QJsonObject fields = QJsonDocument::fromJson(base).object();
    fields.insert(QStringLiteral("callback_url"), callbackUrl);
    return QJsonDocument(fields).toJson(QJsonDocument::Compact);
}

JobService::JobService(JobStore &store, WorkerSupervisor &workers, KindCatalog kinds,
                       Options options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_workers(workers)
    , m_kinds(std::move(kinds))
    , m_options(std::move(options))
{
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &JobService::promoteDueRetries);
    m_progressTimer.setSingleShot(true);
    m_progressTimer.setInterval(r::kProgressThrottle);
    connect(&m_progressTimer, &QTimer::timeout, this, &JobService::flushThrottledProgress);

    m_housekeepingTimer.setInterval(kHousekeepingInterval);
    connect(&m_housekeepingTimer, &QTimer::timeout, this, &JobService::housekeep);
    m_drainTimer.setSingleShot(true);
    m_drainTimer.setTimerType(Qt::PreciseTimer); // a coarse timer may end the grace 5 % early
    connect(&m_drainTimer, &QTimer::timeout, this, &JobService::finishDrain);

    connect(&m_workers, &WorkerSupervisor::workerAvailable, this, &JobService::scheduleFlush);
    connect(&m_workers, &WorkerSupervisor::progress, this, &JobService::onWorkerProgress);
    connect(&m_workers, &WorkerSupervisor::finished, this, &JobService::onWorkerFinished);
    connect(&m_workers, &WorkerSupervisor::started, this, &JobService::onWorkerStarted);
    connect(&m_workers, &WorkerSupervisor::returned, this, &JobService::onWorkerReturned);
}

JobService::~JobService()
{
    m_store.waitForBackgroundCommit();
}

// ---------------------------------------------------------------------------
// Start and stop
// ---------------------------------------------------------------------------

bool JobService::start(QString *error)
{
    m_uptime.start();
    m_committedRev = m_store.currentRev();
    // One scan at start; from here on each commit keeps the counts.
    const QHash<JobStatus, qint64> counts = m_store.countsByStatus();
    const QString countsError = m_store.lastError();
    m_deadLetters = m_store.deadLetterCount();
    if (!countsError.isEmpty() || !m_store.lastError().isEmpty()) {
        if (error)
            *error = QStringLiteral("cannot count the jobs: %1")
                         .arg(countsError.isEmpty() ? m_store.lastError() : countsError);
        return false;
    }
    for (auto it = counts.begin(); it != counts.end(); ++it)
        m_statusCounts[it.key()] = it.value();
    const QList<Job> unfinished = m_store.unfinishedJobs();
    for (const Job &job : unfinished) {
        m_active.emplace(job.id, job);
        m_snapshots.publish(makeSnapshot(job)); // polls of live jobs never miss
    }
    enqueue([this](Batch &batch) { recover(batch); });
    flushAndWait();
    if (m_flushFailed) {
        if (error)
            *error = QStringLiteral("cannot recover jobs: %1").arg(m_store.lastError());
        return false;
    }
    qCInfo(lcService) << "started with" << m_active.size() << "unfinished jobs," << m_queue.size()
                      << "queued";
    publishQueueGauge();
    housekeep();
    m_housekeepingTimer.start();
    return true;
}

void JobService::recover(Batch &batch)
{
    for (auto &[id, job] : m_active) {
        switch (job.status) {
        case JobStatus::Pending:
            queueInsert(job);
            break;
        case JobStatus::Retrying:
            m_retryDue.emplace(job.nextAttemptAtMs, job.id);
            break;
        case JobStatus::Processing:
            if (job.cancelRequested) {
                endCancelled(batch, job,
                             JobError{QStringLiteral("cancelled"),
                                      QStringLiteral("cancelled; the backend restarted before "
                                                     "the attempt stopped")});
            } else if (++job.interruptions >= m_options.maxInterruptions) {
                job.interruptions = 0;
                failAttempt(batch, job,
                            JobError{QStringLiteral("worker_crashed"),
                                     QStringLiteral("the attempt was interrupted by %1 backend "
                                                    "restarts")
                                         .arg(m_options.maxInterruptions)},
                            true);
            } else {
                // The attempt never finished through no fault of the job: it
                // does not count.
                job.attempt = std::max(0, job.attempt - 1);
                transition(batch, job, JobStatus::Pending,
                           QJsonObject{{QStringLiteral("reason"),
                                        QStringLiteral("interrupted by a backend restart")},
                                       {QStringLiteral("interruptions"), job.interruptions}});
                queueInsert(job);
            }
            break;
        default:
            break;
        }
    }
    // Attempts ended here by a restart ran for an unknown part of the time
    // since their dispatch (the downtime included): they observe no run time.
    batch.attemptRunMs.clear();
    armRetryTimer();
}

void JobService::stop()
{
    if (m_stopped)
        return;
    flushThrottledProgress();
    // The last sample of the gauges says no worker is busy: the series
    // repeats it until the next start, and nothing runs while jobdeskd is down.
    m_stopping = true;
    // Cancels still waiting for a worker's word about an offer: the worker
    // goes with us, and the job is PENDING in the store: it ends CANCELLED.
    // (Nothing is dispatched or offered any more: the offer can go.)
    enqueue([this](Batch &batch) {
        std::vector<std::pair<QString, std::vector<CancelCallback>>> waiting;
        for (auto it = m_offered.begin(); it != m_offered.end();) {
            if (it->second.cancels.empty()) {
                ++it;
                continue;
            }
            waiting.emplace_back(it->first, std::move(it->second.cancels));
            it = m_offered.erase(it);
        }
        for (const auto &[id, cancels] : waiting) {
            for (const CancelCallback &done : cancels)
                cancelInBatch(batch, id, done);
        }
    });
    flushAndWait();
    m_stopped = true;
    m_retryTimer.stop();
    m_progressTimer.stop();
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

Result<SubmitCommand> JobService::parseSubmit(QJsonObject body,
                                              IdempotencyKeySource keySource) const
{
    // callback_url is the service's own field (the webhook): checked here,
    // the rest by the shared submit parser.
    const QJsonValue callback = body.take(QStringLiteral("callback_url"));
    QList<FieldError> callbackErrors;
    QString callbackUrl;
    if (!callback.isUndefined() && !callback.isNull()) {
        if (!callback.isString() || callback.toString().isEmpty()) {
            callbackErrors.append(
                {QStringLiteral("callback_url"), QStringLiteral("must be an http or https URL")});
        } else {
            callbackUrl = callback.toString();
            const QString refusal = m_options.callbackAllow.refusal(callbackUrl);
            if (!refusal.isEmpty())
                callbackErrors.append({QStringLiteral("callback_url"), refusal});
        }
    }
    Result<SubmitRequest> parsed = parseSubmitRequest(body, m_kinds, keySource);
    if (!parsed) {
        ApiError error = parsed.error();
        error.fieldErrors += callbackErrors;
        return error;
    }
    if (!callbackErrors.isEmpty()) {
        ApiError error = ApiError::make(ErrorCode::InvalidParams,
                                        QStringLiteral("the callback_url is not allowed"));
        error.fieldErrors = callbackErrors;
        return error;
    }
    return SubmitCommand{std::move(parsed).value(), callbackUrl, keySource};
}

void JobService::submit(SubmitCommand command, SubmitCallback done)
{
    if (m_stopped || m_draining) {
        done(shuttingDown());
        return;
    }
    const SubmitRequest &request = command.request;
    const KindInfo *kind = m_kinds.find(request.kind);
    if (!kind) {
        done(ApiError::make(ErrorCode::InvalidParams,
                            QStringLiteral("unknown kind \"%1\"").arg(request.kind)));
        return;
    }

    const QString key = request.idempotencyKey;
    QByteArray fingerprint;
    if (!key.isEmpty()) {
        fingerprint = command.fingerprint();
        if (const auto inFlight = m_keysInFlight.find(key); inFlight != m_keysInFlight.end()) {
            done(inFlight->second == fingerprint ? keyInFlight() : keyReused(command.keySource));
            return;
        }
        const std::optional<IdempotencyRecord> record = m_store.idempotencyRecord(key);
        if (!record && !m_store.lastError().isEmpty()) {
            done(ApiError{
                ErrorCode::Unavailable,
                QStringLiteral("the job store cannot be read: %1").arg(m_store.lastError()),
                {},
                5});
            return;
        }
        if (record) {
            if (record->fingerprint != fingerprint)
                done(keyReused(command.keySource));
            else
                done(SubmitOutcome{record->jobId, revOf(record->response), record->response, true});
            return;
        }
    }

    const qint64 pending = static_cast<qint64>(m_queue.size()) + m_uncommittedSubmits;
    if (pending >= m_options.maxPending) {
        const std::shared_ptr<const QueueGauge> gauge = queueGauge();
        const double drainS = gauge->drainTimeS(pending - m_options.maxPending + 1);
        done(ApiError{ErrorCode::Unavailable,
                      QStringLiteral("the queue is full: %1 jobs are waiting (--max-pending %2)")
                          .arg(pending)
                          .arg(m_options.maxPending),
                      {},
                      std::clamp(static_cast<int>(std::ceil(drainS)), 1, 60)});
        return;
    }

    Job job;
    job.id = newUuid7();
    job.kind = request.kind;
    job.params = withDefaults(kind->paramsSchema, request.params);
    JsonWriter(job.paramsJson).object(job.params);
    job.priority = request.priority;
    job.timeoutS = request.timeoutS.value_or(kind->defaultTimeoutS);
    job.maxAttempts = request.maxAttempts.value_or(kind->defaultMaxAttempts);
    job.attemptLimit = job.maxAttempts;
    job.progress = 0.0;
    job.callbackUrl = command.callbackUrl;

    ++m_uncommittedSubmits;
    if (!key.isEmpty())
        m_keysInFlight.emplace(key, fingerprint);
    // Once the commit holding the key has succeeded or failed, the store
    // (or nothing) answers for the key.
    const auto settle = [this, key] {
        if (!key.isEmpty())
            m_keysInFlight.erase(key);
    };

    enqueue(
        [this, job = std::move(job), key, fingerprint, settle,
         done = std::move(done)](Batch &batch) mutable {
            --m_uncommittedSubmits; // from here on the queue counts it
            job.createdAtMs = batch.now;
            const QString id = job.id;
            auto [it, inserted] = m_active.emplace(id, std::move(job));
            Q_ASSERT(inserted);
            m_eventSeq[id] = 0;
            addEvent(batch, it->second, QStringLiteral("state"),
                     QJsonObject{{QStringLiteral("to"), statusName(JobStatus::Pending)}});
            batch.touch(it->second, true, true);
            ++batch.statusDelta[JobStatus::Pending];
            queueInsert(it->second);
            if (!key.isEmpty())
                batch.keys.emplace_back(id, IdempotencyRecord{key, fingerprint, id, 202, {}, 0});
            batch.replies.emplace_back(id, [done, settle](const JobSnapshot &s, const Job &) {
                settle();
                done(SubmitOutcome{s.id, s.rev, s.json, false});
            });
            batch.onFailure.push_back([done, settle](const ApiError &e) {
                settle();
                done(e);
            });
        },
        Order::AnyOrder);
}

void JobService::cancel(const QString &id, CancelCallback done)
{
    if (m_stopped) {
        done(shuttingDown());
        return;
    }
    enqueue([this, id, done = std::move(done)](Batch &batch) { cancelInBatch(batch, id, done); });
}

void JobService::cancelInBatch(Batch &batch, const QString &id, const CancelCallback &done)
{
    Job *job = findJob(batch, id);
    if (!job) {
        batch.immediate.push_back([done, id] {
            done(ApiError::make(ErrorCode::NotFound, QStringLiteral("no job %1").arg(id)));
        });
        return;
    }
    switch (job->status) {
    case JobStatus::Pending:
    case JobStatus::Retrying:
        if (const auto offer = m_offered.find(job->id); offer != m_offered.end()) {
            // In a worker's line: it may have started it a moment ago,
            // unbeknown to us. The answer waits for the worker to give
            // it back (CANCELLED at once, 200) or for its start (then it
            // is a running job asked to stop, 202).
            revokeOffer(offer->second);
            offer->second.cancels.push_back(done);
            return;
        }
        queueErase(*job);
        m_retryDue.erase({job->nextAttemptAtMs, job->id});
        job->nextAttemptAtMs = 0;
        endCancelled(batch, *job, cancelledByRequest(), QJsonObject{});
        batch.replies.emplace_back(id, [done](const JobSnapshot &, const Job &j) {
            done(CancelOutcome{j, false});
        });
        break;
    case JobStatus::Processing:
        if (job->cancelRequested) {
            // Asked already (a resent or double request). If that was in
            // this batch, the answer is whatever its commit makes of it;
            // otherwise there is nothing to write or wait for.
            if (batch.dirty.count(job->id)) {
                batch.replies.emplace_back(id, [done](const JobSnapshot &, const Job &j) {
                    done(CancelOutcome{j, true});
                });
                batch.onFailure.push_back([done](const ApiError &e) { done(e); });
                return;
            }
            const Job copy = *job;
            batch.immediate.push_back([done, copy] { done(CancelOutcome{copy, true}); });
            return;
        }
        job->cancelRequested = true;
        addEvent(batch, *job, QStringLiteral("cancel_requested"), {});
        batch.touch(*job, true);
        batch.cancels.push_back(job->fence);
        batch.replies.emplace_back(id, [done](const JobSnapshot &, const Job &j) {
            done(CancelOutcome{j, true});
        });
        break;
    case JobStatus::Cancelled: {
        if (batch.dirty.count(job->id)) { // cancelled by this very batch
            batch.replies.emplace_back(id, [done](const JobSnapshot &, const Job &j) {
                done(CancelOutcome{j, false});
            });
            break;
        }
        const Job copy = *job;
        batch.immediate.push_back([done, copy] { done(CancelOutcome{copy, false}); });
        return;
    }
    case JobStatus::Completed:
    case JobStatus::Failed: {
        const QString status = statusName(job->status);
        batch.immediate.push_back([done, status] {
            done(ApiError::make(ErrorCode::Conflict,
                                QStringLiteral("the job already ended %1").arg(status)));
        });
        return;
    }
    }
    batch.onFailure.push_back([done](const ApiError &e) { done(e); });
}

void JobService::retry(const QString &id, JobCallback done)
{
    if (m_stopped || m_draining) {
        done(shuttingDown());
        return;
    }
    enqueue([this, id, done = std::move(done)](Batch &batch) {
        Job *job = findJob(batch, id);
        if (!job) {
            batch.immediate.push_back([done, id] {
                done(ApiError::make(ErrorCode::NotFound, QStringLiteral("no job %1").arg(id)));
            });
            return;
        }
        if (job->status != JobStatus::Failed && job->status != JobStatus::Cancelled) {
            const QString status = statusName(job->status);
            batch.immediate.push_back([done, status] {
                done(ApiError::make(ErrorCode::Conflict,
                                    QStringLiteral("only FAILED or CANCELLED jobs can be retried; "
                                                   "this one is %1")
                                        .arg(status)));
            });
            return;
        }
        job->attemptLimit = job->attempt + job->maxAttempts;
        job->cancelRequested = false;
        job->error.reset();
        job->result.reset();
        job->finishedAtMs = 0;
        job->progress = 0.0;
        job->etaS.reset();
        job->interruptions = 0;
        transition(batch, *job, JobStatus::Pending,
                   QJsonObject{{QStringLiteral("reason"), QStringLiteral("re-driven by request")}});
        job->deadLetter = false; // after the move, which counts it out of the dead letters
        queueInsert(*job);
        batch.replies.emplace_back(id, [done](const JobSnapshot &, const Job &j) { done(j); });
        batch.onFailure.push_back([done](const ApiError &e) { done(e); });
    });
}

// ---------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------

Result<Job> JobService::job(const QString &id)
{
    // A job the commit in flight changes is read as last committed: no
    // answer gets ahead of the disk.
    const bool changing =
        (m_committing && m_committing->dirty.count(id)) || (m_open && m_open->dirty.count(id));
    if (auto it = m_active.find(id); it != m_active.end() && !changing)
        return it->second;
    std::optional<Job> stored = m_store.job(id);
    if (!stored)
        return ApiError::make(ErrorCode::NotFound, QStringLiteral("no job %1").arg(id));
    if (!m_snapshots.find(id))
        m_snapshots.publish(makeSnapshot(*stored));
    return *stored;
}

Result<ListPage> JobService::list(const ListQuery &query)
{
    ListQuery q = query;
    q.limit = std::clamp(q.limit, 1, r::kMaxListLimit);
    ListPage page = m_store.list(q);
    if (!m_store.lastError().isEmpty() && page.items.isEmpty() && !q.cursor.isEmpty())
        return ApiError::make(ErrorCode::InvalidRequest, QStringLiteral("invalid cursor"));
    return page;
}

Result<ChangesPage> JobService::changesSince(qint64 rev, int limit)
{
    if (rev < 0)
        return ApiError::make(ErrorCode::InvalidRequest,
                              QStringLiteral("changed_since must be a rev (0 or more)"));
    return m_store.changesSince(rev, std::clamp(limit, 1, r::kMaxListLimit));
}

Result<QList<JobEvent>> JobService::events(const QString &id)
{
    if (!m_active.count(id) && !m_store.job(id))
        return ApiError::make(ErrorCode::NotFound, QStringLiteral("no job %1").arg(id));
    return m_store.events(id);
}

void JobService::recordWebhookAttempt(const WebhookDelivery &delivery, const QJsonObject &event,
                                      std::function<void(bool)> done)
{
    if (m_stopped) {
        done(false);
        return;
    }
    enqueue([this, delivery, event, done = std::move(done)](Batch &batch) {
        // The outbox row goes with its job; a job that is gone has nothing
        // left to record (and writing would fail the whole batch).
        if (Job *job = findJob(batch, delivery.jobId)) {
            if (!batch.storeFailed && !m_store.updateWebhook(delivery))
                batch.storeFailed = true;
            addEvent(batch, *job, QStringLiteral("webhook"), event);
        }
        batch.afterCommit.push_back([done] { done(true); });
        batch.onFailure.push_back([done](const ApiError &) { done(false); });
    });
}

QList<WebhookDelivery> JobService::pendingWebhooks()
{
    return m_store.pendingWebhooks();
}

Result<JobService::ResultData> JobService::result(const QString &id)
{
    Result<Job> found = job(id);
    if (!found) {
        if (found.error().code == ErrorCode::NotFound && m_store.wasPurged(id))
            return ApiError::make(ErrorCode::Gone,
                                  QStringLiteral("job %1 and its result were purged").arg(id));
        return found.error();
    }
    const Job &j = found.value();
    if (j.status != JobStatus::Completed || !j.result)
        return ApiError::make(
            ErrorCode::Conflict,
            QStringLiteral("the job is %1; it has no result").arg(statusName(j.status)));
    ResultData data{j, {}, {}};
    if (j.resultFile.isEmpty()) {
        std::optional<QByteArray> blob = m_store.resultBlob(id);
        if (!blob)
            return ApiError::make(ErrorCode::Gone, QStringLiteral("the result is no longer kept"));
        data.bytes = *blob;
    } else {
        data.filePath = QDir(m_options.resultsDir).filePath(j.resultFile);
        if (!QFileInfo::exists(data.filePath))
            return ApiError::make(ErrorCode::Gone, QStringLiteral("the result file is gone"));
    }
    return data;
}

Result<QJsonObject> JobService::stats(const StatsRange &range)
{
    const qint64 now = nowMs();
    const StatsRange lastDay = StatsRange::lastHoursTotal(now, 24);
    const std::optional<AggregateRange> aggregates =
        m_store.minuteAggregates(range.fromMs, range.toMs, range.stepMs);
    const std::optional<AggregateRange> dayTotals =
        aggregates ? m_store.minuteAggregates(lastDay.fromMs, lastDay.toMs, lastDay.stepMs)
                   : std::nullopt;
    if (!dayTotals)
        return ApiError{ErrorCode::Unavailable,
                        QStringLiteral("the job store cannot be read: %1").arg(m_store.lastError()),
                        {},
                        5};
    // Kept up to date at each commit: a dashboard polling every few seconds
    // must not scan a million rows on the write thread each time.
    QJsonObject counts;
    for (JobStatus status : kAllStatuses) {
        const auto it = m_statusCounts.find(status);
        counts.insert(statusName(status), it == m_statusCounts.end() ? 0 : it->second);
    }
    QJsonObject out{
        {QStringLiteral("version"), QStringLiteral(JOBDESK_VERSION)},
        {QStringLiteral("uptime_s"), m_uptime.isValid() ? m_uptime.elapsed() / 1000 : 0},
        {QStringLiteral("counts"), counts},
        {QStringLiteral("dead_letter"), m_deadLetters},
        {QStringLiteral("workers"),
         QJsonObject{{QStringLiteral("total"), m_workers.total()},
                     {QStringLiteral("busy"), m_workers.busy()},
                     {QStringLiteral("restarts"), m_workers.restarts()}}},
        {QStringLiteral("queue_depth"), static_cast<qint64>(m_queue.size())},
        {QStringLiteral("last_24h"), statsTotalsJson(*dayTotals)},
    };
    const QJsonObject series = statsSeriesJson(range, *aggregates, now);
    for (auto it = series.begin(); it != series.end(); ++it)
        out.insert(it.key(), it.value());
    return out;
}

std::shared_ptr<const JobSnapshot> JobService::snapshot(const QString &id) const
{
    return m_snapshots.find(id);
}

std::shared_ptr<const QueueGauge> JobService::queueGauge() const
{
    std::lock_guard lock(m_gaugeMutex);
    return m_gauge;
}

int JobService::suggestRetryAfterS(const JobSnapshot &snapshot) const
{
    if (snapshot.terminal)
        return 0;
    return jobdesk::suggestRetryAfterS(snapshot.poll, *queueGauge(), nowMs());
}

int JobService::workersReady() const
{
    return m_workers.idle() + m_workers.busy();
}

int JobService::workersBusy() const
{
    return m_workers.busy();
}

bool JobService::isReady() const
{
    return !m_stopped && !m_draining && m_store.isOpen() && workersReady() > 0;
}

// ---------------------------------------------------------------------------
// Worker reports
// ---------------------------------------------------------------------------

void JobService::onWorkerProgress(const QString &jobId, qint64 fence,
                                  std::optional<double> progress, const QString &message)
{
    const auto active = m_active.find(jobId);
    if (active == m_active.end() || active->second.status != JobStatus::Processing ||
        active->second.fence != fence || m_abandoned.count(fence))
        return; // a fenced-off attempt: its reports must not displace the live one's
    m_throttledProgress[jobId] = PendingProgress{fence, progress, message};
    // The dispatch wrote the row last when no progress has yet: a job that
    // ends within one throttle window writes no progress row at all (its
    // outcome takes the last report).
    qint64 last = 0;
    if (auto written = m_lastProgressWriteMs.find(jobId); written != m_lastProgressWriteMs.end())
        last = written->second;
    else
        last = active->second.startedAtMs;
    if (nowMs() - last >= r::kProgressThrottle.count())
        flushThrottledProgress();
    else if (!m_progressTimer.isActive())
        m_progressTimer.start();
}

void JobService::flushThrottledProgress()
{
    if (m_throttledProgress.empty())
        return;
    auto reports = std::move(m_throttledProgress);
    m_throttledProgress.clear();
    applyOrEnqueue([this, reports = std::move(reports)](Batch &batch) {
        for (const auto &[id, p] : reports) {
            auto it = m_active.find(id);
            if (it == m_active.end())
                continue;
            Job &job = it->second;
            if (job.status != JobStatus::Processing || job.fence != p.fence)
                continue; // a stale dispatch: fenced off
            job.progress = p.progress;
            job.message = p.message;
            // The ETA is stored with the progress it came from, so an
            // unchanged rev always means an unchanged job object.
            job.etaS.reset();
            if (p.progress && *p.progress > 0.0 && *p.progress < 100.0 && job.startedAtMs > 0) {
                const double elapsedS = (batch.now - job.startedAtMs) / 1000.0;
                job.etaS = std::round(elapsedS * (100.0 - *p.progress) / *p.progress * 10.0) / 10.0;
            }
            m_lastProgressWriteMs[id] = batch.now;
            batch.touch(job, false);
        }
    });
}

void JobService::onWorkerFinished(const QString &jobId, qint64 fence, const WorkerOutcome &outcome)
{
    if (m_abandoned.erase(fence) > 0) {
        // An attempt sent before a commit that failed, stopped since: not an
        // outcome of the job, whatever it says. Should that commit have been
        // durable after all (an I/O error reported on a COMMIT that landed),
        // the job is handed back rather than left PROCESSING with no worker.
        giveBackLater(jobId, fence,
                      QStringLiteral("the attempt was stopped after a failed commit"));
        if (isOwnResultFile(jobId, fence, outcome.resultFile))
            QFile::remove(QDir(m_options.resultsDir).filePath(outcome.resultFile));
        return;
    }
    Mutation apply = [this, jobId, fence, outcome](Batch &batch) {
        auto it = m_active.find(jobId);
        if (it == m_active.end() || it->second.status != JobStatus::Processing ||
            it->second.fence != fence) {
            qCDebug(lcService) << "ignoring the outcome of stale dispatch" << fence << "of"
                               << jobId;
            // A file named with another fence than the job's current one is
            // no result of it; the same fence may be the job's own result
            // (a repeated report), which stays. Anything missed here goes at
            // the next start (sweepResultsFolder).
            if (it != m_active.end() && it->second.fence != fence &&
                isOwnResultFile(jobId, fence, outcome.resultFile))
                QFile::remove(QDir(m_options.resultsDir).filePath(outcome.resultFile));
            return;
        }
        finishAttempt(batch, it->second, outcome);
    };
    applyOrEnqueue([this, apply](Batch &batch) {
        apply(batch);
        batch.replayOnFailure.push_back(apply);
    });
}

void JobService::onWorkerStarted(const QString &jobId, qint64 fence)
{
    // Ordered with the worker's other reports: its end comes after this.
    applyOrEnqueue([this, jobId, fence](Batch &batch) {
        const auto offer = m_offered.find(jobId);
        const bool current = offer != m_offered.end() && offer->second.fence == fence;
        std::vector<CancelCallback> cancels;
        if (current) {
            cancels = std::move(offer->second.cancels);
            m_offered.erase(offer);
        }
        const auto it = m_active.find(jobId);
        if (!current || it == m_active.end() || it->second.status != JobStatus::Pending) {
            // Not the job's attempt (the offer was settled otherwise): stopped,
            // its end ignored, and the job not dispatched again until it has
            // ended (never two at once). An attempt whose end was read
            // already runs no more.
            if (m_workers.isRunning(fence)) {
                m_abandoned.emplace(fence, jobId);
                m_workers.cancel(fence);
            }
            for (const CancelCallback &done : cancels)
                cancelInBatch(batch, jobId, done);
            return;
        }
        // Even while draining: it runs, so it is PROCESSING, and the drain
        // waits for it like for any other attempt.
        queueErase(it->second);
        claim(batch, it->second, fence);
        // Like an early dispatch: it runs before its claim is durable, and
        // is stopped should that commit fail.
        batch.sentEarly.emplace_back(fence, jobId);
        // Cancels that waited for the worker's word: a running job now, in
        // this same batch (a later one may never come, at stop).
        for (const CancelCallback &done : cancels)
            cancelInBatch(batch, jobId, done);
    });
}

void JobService::onWorkerReturned(const QString &jobId, qint64 fence)
{
    const auto offer = m_offered.find(jobId);
    if (offer == m_offered.end() || offer->second.fence != fence)
        return;
    if (!offer->second.cancels.empty()) {
        // Cancels waited for the worker's word: a PENDING job, cancelled at
        // once. The offer stays until then, so that nothing offers or
        // dispatches the job meanwhile, and a cancel applied before then
        // joins those waiting.
        enqueue([this, jobId, fence](Batch &batch) {
            const auto it = m_offered.find(jobId);
            if (it == m_offered.end() || it->second.fence != fence)
                return;
            const std::vector<CancelCallback> cancels = std::move(it->second.cancels);
            m_offered.erase(it);
            // The first cancels the job; the others find it cancelled by
            // this batch and get the same answer.
            for (const CancelCallback &done : cancels)
                cancelInBatch(batch, jobId, done);
        });
        return;
    }
    // Still in m_queue: from now on it may go to any worker.
    m_offered.erase(offer);
    if (m_draining) {
        finishDrainIfIdle();
        return;
    }
    // An idle worker takes it first (it may have been taken back for one).
    if (m_workers.idle() > 0)
        scheduleFlush();
    else
        offerToBusyWorkers();
}

bool JobService::isOwnResultFile(const QString &jobId, qint64 fence, const QString &name)
{
    // The worker names an attempt's file <job id>.<fence>.<extension>.
    const QString prefix = jobId + QLatin1Char('.') + QString::number(fence) + QLatin1Char('.');
    return name.startsWith(prefix) && !name.contains(QLatin1Char('/'));
}

void JobService::finishAttempt(Batch &batch, Job &job, const WorkerOutcome &outcome)
{
    // Progress still waiting for its throttle window is the last thing the
    // attempt said before it ended: keep it, so a failed job shows how far
    // it got.
    if (auto pending = m_throttledProgress.find(job.id); pending != m_throttledProgress.end()) {
        if (pending->second.fence == job.fence) {
            job.progress = pending->second.progress;
            job.message = pending->second.message;
        }
        m_throttledProgress.erase(pending);
    }
    switch (outcome.kind) {
    case WorkerOutcome::Kind::Done:
        job.result = outcome.result;
        job.resultFile = outcome.resultFile;
        if (outcome.resultFile.isEmpty())
            batch.resultBlobs.emplace_back(job.id, outcome.inlineData);
        job.progress = 100.0;
        job.etaS.reset();
        job.error.reset();
        job.finishedAtMs = batch.now;
        transition(
            batch, job, JobStatus::Completed,
            withStderr(QJsonObject{{QStringLiteral("attempt"), job.attempt},
                                   {QStringLiteral("result"), resultInfoToJson(outcome.result)}},
                       outcome));
        return;
    case WorkerOutcome::Kind::Lost:
        giveBackAttempt(batch, job,
                        QStringLiteral("its outcome was lost: %1").arg(outcome.error.message));
        return;
    case WorkerOutcome::Kind::Cancelled: {
        const JobError error = outcome.error.code.isEmpty() ? cancelledByRequest() : outcome.error;
        endCancelled(batch, job, error, withStderr(errorEventData(error), outcome));
        return;
    }
    case WorkerOutcome::Kind::Failed:
    case WorkerOutcome::Kind::Crashed:
    case WorkerOutcome::Kind::TimedOut:
        break;
    }
    if (job.cancelRequested) {
        // The user asked for the stop; how the attempt ended no longer matters.
        endCancelled(batch, job, cancelledByRequest(),
                     withStderr(errorEventData(outcome.error), outcome));
        return;
    }
    const bool retryable = outcome.kind != WorkerOutcome::Kind::Failed || outcome.retryable;
    failAttempt(batch, job, outcome.error, retryable, outcome.stderrTail);
}

void JobService::failAttempt(Batch &batch, Job &job, const JobError &error, bool retryable,
                             const QString &stderrTail)
{
    job.error = error;
    job.etaS.reset();
    QJsonObject data = errorEventData(error);
    if (!stderrTail.isEmpty())
        data.insert(QStringLiteral("stderr"), stderrTail);
    data.insert(QStringLiteral("attempt"), job.attempt);
    if (retryable && job.attempt < job.attemptLimit) {
        // Exponential backoff with full jitter (AWS Architecture Blog): spreads
        // retries of jobs that failed together.
        const double ceiling = std::min<double>(m_options.retryBackoffCap.count(),
                                                m_options.retryBackoffBase.count() *
                                                    std::pow(2.0, std::max(0, job.attempt - 1)));
        const auto delayMs =
            static_cast<qint64>(QRandomGenerator::global()->bounded(std::max(1.0, ceiling)));
        job.nextAttemptAtMs = batch.now + delayMs;
        data.insert(QStringLiteral("next_attempt_at"), formatTimestamp(job.nextAttemptAtMs));
        transition(batch, job, JobStatus::Retrying, data);
        m_retryDue.emplace(job.nextAttemptAtMs, job.id);
        return;
    }
    job.deadLetter = true;
    job.finishedAtMs = batch.now;
    data.insert(QStringLiteral("dead_letter"), true);
    data.insert(QStringLiteral("reason"), retryable ? QStringLiteral("attempts exhausted")
                                                    : QStringLiteral("permanent error"));
    transition(batch, job, JobStatus::Failed, data);
}

void JobService::promoteDueRetries()
{
    enqueue([this](Batch &batch) {
        while (!m_retryDue.empty() && m_retryDue.begin()->first <= batch.now) {
            const QString id = m_retryDue.begin()->second;
            m_retryDue.erase(m_retryDue.begin());
            auto it = m_active.find(id);
            if (it == m_active.end() || it->second.status != JobStatus::Retrying)
                continue;
            it->second.nextAttemptAtMs = 0;
            transition(batch, it->second, JobStatus::Pending);
            queueInsert(it->second);
        }
    });
}

void JobService::armRetryTimer()
{
    if (m_retryDue.empty()) {
        m_retryTimer.stop();
        return;
    }
    const qint64 wait = std::max<qint64>(0, m_retryDue.begin()->first - nowMs());
    m_retryTimer.start(static_cast<int>(std::min<qint64>(wait, 24LL * 3600 * 1000)));
}

// ---------------------------------------------------------------------------
// The write path
// ---------------------------------------------------------------------------

void JobService::enqueue(Mutation m, Order order)
{
    if (order == Order::Strict)
        ++m_strictQueued;
    m_mutations.push_back(std::move(m));
    scheduleFlush();
}

void JobService::applyOrEnqueue(Mutation m)
{
    // Only a mutation that writes nothing itself, and with nothing queued
    // ahead of it but submits (a new job is no other job's business):
    // changes to a job still apply in the order they came.
    if (!m_committing || m_strictQueued > 0 || m_stopped) {
        enqueue(std::move(m));
        return;
    }
    // While a commit runs, a worker's report is taken in at once and the
    // worker gets its next job now, not after the disk: the batch it opens
    // is written once that commit is done.
    if (!m_open)
        m_open = std::make_unique<Batch>(nowMs());
    else
        m_open->now = nowMs();
    m(*m_open);
    dispatchToIdleWorkers(*m_open);
    sendEarly(*m_open);
    scheduleOfferWalk();
    m_flushWanted = true;
}

void JobService::sendEarly(Batch &batch)
{
    // Jobs already durable as PENDING start at once, before a row of the
    // batch is written: a worker is not kept waiting for a flush. Should a
    // write or the commit fail, those attempts are stopped and fenced off,
    // and the jobs run again (at least once). A job changed before its
    // claim (new, re-driven, due for retry) waits for the commit: a refused
    // submit or re-drive never runs. While the store fails, nothing starts
    // before its commit holds: a retried commit must not launch attempts
    // it then has to stop.
    if (batch.storeFailed || m_storeBackoffMs != 0)
        return;
    auto started = std::stable_partition(
        batch.dispatches.begin(), batch.dispatches.end(),
        [&batch](const WorkerAssignment &a) { return !batch.claimedDurable.count(a.jobId); });
    std::for_each(started, batch.dispatches.end(), [this, &batch](const WorkerAssignment &a) {
        // Only an attempt a worker took can outlive a failed commit.
        if (sendDispatch(a))
            batch.sentEarly.emplace_back(a.fence, a.jobId);
    });
    batch.dispatches.erase(started, batch.dispatches.end());
}

void JobService::scheduleOfferWalk()
{
    if (std::exchange(m_offerWalkQueued, true))
        return;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_offerWalkQueued = false;
            offerToBusyWorkers();
        },
        Qt::QueuedConnection);
}

void JobService::scheduleFlush()
{
    if (m_flushQueued || m_stopped)
        return;
    m_flushQueued = true;
    // After a failed commit the store gets a moment before the next try, so
    // a full disk costs one attempt per backoff, not a busy loop.
    if (const qint64 wait = m_storeRetryAtMs - nowMs(); wait > 0) {
        QTimer::singleShot(std::chrono::milliseconds(wait), this, &JobService::flush);
        return;
    }
    // Posted, not called: whatever else is already waiting in the event queue
    // (more submits, worker reports) is applied in the same transaction.
    QMetaObject::invokeMethod(this, &JobService::flush, Qt::QueuedConnection);
}

Job *JobService::findJob(Batch &batch, const QString &id)
{
    if (auto it = m_active.find(id); it != m_active.end())
        return &it->second;
    std::optional<Job> stored = m_store.job(id);
    if (!stored)
        return nullptr;
    // Terminal jobs join the working set for this batch; the commit drops
    // them again if they stay terminal.
    auto [it, inserted] = m_active.emplace(id, std::move(*stored));
    Q_UNUSED(inserted);
    batch.loaded.push_back(id);
    return &it->second;
}

void JobService::addEvent(Batch &batch, const Job &job, const QString &type, QJsonObject data)
{
    auto seq = m_eventSeq.find(job.id);
    if (seq == m_eventSeq.end())
        seq = m_eventSeq.emplace(job.id, m_store.events(job.id).size()).first;
    // Written after the job rows, which a new job's events refer to.
    batch.events.emplace_back(job.id, JobEvent{++seq->second, batch.now, type, std::move(data)});
}

void JobService::transition(Batch &batch, Job &job, JobStatus to, QJsonObject eventData)
{
    if (!canTransition(job.status, to)) {
        qCCritical(lcService) << "illegal transition refused:" << job.id << statusName(job.status)
                              << "->" << statusName(to);
        return;
    }
    eventData.insert(QStringLiteral("from"), statusName(job.status));
    eventData.insert(QStringLiteral("to"), statusName(to));
    if (job.status == JobStatus::Processing && to != JobStatus::Processing) {
        batch.attemptRunMs[job.id] = std::max<qint64>(0, batch.now - job.startedAtMs);
        m_attemptEnds.push_back(batch.now);
        if (m_attemptEnds.size() > kThroughputSamples)
            m_attemptEnds.pop_front();
    }
    --batch.statusDelta[job.status];
    ++batch.statusDelta[to];
    // The flag as it was before this move (a re-drive clears it after).
    if (job.status == JobStatus::Failed && job.deadLetter)
        --batch.deadLetterDelta;
    if (to == JobStatus::Failed && job.deadLetter)
        ++batch.deadLetterDelta;
    if (isTerminal(to) && std::find(batch.becameTerminal.begin(), batch.becameTerminal.end(),
                                    job.id) == batch.becameTerminal.end())
        batch.becameTerminal.push_back(job.id);
    job.status = to;
    addEvent(batch, job, QStringLiteral("state"), std::move(eventData));
    batch.touch(job, true);
}

void JobService::dispatchToIdleWorkers(Batch &batch)
{
    // Stopping: the workers go with us, and offered jobs may be starting.
    if (m_draining || m_stopping)
        return;
    // Workers promised to claims that wait for their commit are not idle.
    int idle = m_workers.idle() - static_cast<int>(batch.dispatches.size());
    const Batch *committing = m_committing.get();
    if (committing && committing != &batch)
        idle -= static_cast<int>(committing->dispatches.size());
    // Jobs whose attempt outlived a failed commit wait for it to end: a job
    // never runs twice at once. Offered jobs wait for their worker.
    std::unordered_set<QString> waiting;
    for (const auto &[fence, jobId] : m_abandoned)
        waiting.insert(jobId);
    std::vector<QueueKey> skipped;
    while (idle > 0 && !m_queue.empty()) {
        if (waiting.count(m_queue.begin()->id) || m_offered.count(m_queue.begin()->id)) {
            skipped.push_back(*m_queue.begin());
            m_queue.erase(m_queue.begin());
            continue;
        }
        const QString id = queueTakeFirst();
        auto it = m_active.find(id);
        if (it == m_active.end() || it->second.status != JobStatus::Pending)
            continue;
        Job &job = it->second;
        if (!batch.dirty.count(job.id) && !(committing && committing->dirty.count(job.id)))
            batch.claimedDurable.insert(job.id);
        claim(batch, job, m_store.nextFence());
        batch.dispatches.push_back(WorkerAssignment{job.id, job.fence, job.kind, job.params,
                                                    job.timeoutS, job.attempt, job.paramsJson});
        --idle;
    }
    m_queue.insert(skipped.begin(), skipped.end()); // their bands never left m_queueBands
    // Idle workers and nothing left to take, while jobs wait in busy
    // workers' lines: some come back for them.
    if (idle > 0 && !m_offered.empty())
        takeBackOffersFor(idle);
}

void JobService::claim(Batch &batch, Job &job, qint64 fence)
{
    ++job.attempt;
    job.fence = fence;
    job.startedAtMs = batch.now;
    job.progress = 0.0;
    job.etaS.reset();
    job.message.clear();
    transition(batch, job, JobStatus::Processing,
               QJsonObject{{QStringLiteral("attempt"), job.attempt}});
}

bool JobService::hasAbandonedAttempt(const QString &jobId) const
{
    return std::any_of(m_abandoned.begin(), m_abandoned.end(),
                       [&jobId](const auto &entry) { return entry.second == jobId; });
}

bool JobService::hasDispatchableJob() const
{
    // Offered jobs sit at the front of the queue: a short walk.
    return std::any_of(m_queue.begin(), m_queue.end(), [this](const QueueKey &k) {
        return !m_offered.count(k.id) && !hasAbandonedAttempt(k.id);
    });
}

int JobService::idleUnpromised() const
{
    int idle = m_workers.idle();
    if (m_open)
        idle -= static_cast<int>(m_open->dispatches.size());
    if (m_committing)
        idle -= static_cast<int>(m_committing->dispatches.size());
    return std::max(0, idle);
}

void JobService::offerToBusyWorkers()
{
    // Like an early dispatch, an offer starts before anything is written:
    // only jobs whose PENDING state is durable, and not while the store fails.
    if (m_draining || m_stopping || m_stopped || m_storeBackoffMs != 0 || m_reloadPending)
        return;
    // An idle worker takes the head of the queue first: offered to a busy
    // one meanwhile, it would only wait.
    if (idleUnpromised() > 0)
        return;
    const auto offerable = [this](const QueueKey &k) -> const Job * {
        if ((m_open && m_open->dirty.count(k.id)) ||
            (m_committing && m_committing->dirty.count(k.id)) || hasAbandonedAttempt(k.id))
            return nullptr;
        const auto active = m_active.find(k.id);
        return active != m_active.end() && active->second.status == JobStatus::Pending
                   ? &active->second
                   : nullptr;
    };
    int open = m_workers.standbySlots();
    // With every line full, the look below can only revoke, and only for a
    // job of higher priority than an offer: none queued, nothing to do.
    int lowestOffered = std::numeric_limits<int>::max();
    for (const auto &[id, offer] : m_offered) {
        if (!offer.revoked)
            lowestOffered = std::min(lowestOffered, offer.priority);
    }
    if (open == 0 && (m_queue.empty() || m_queue.begin()->priority <= lowestOffered))
        return;
    // The front of the queue is nearly always durable; a bounded look keeps
    // a queue of fresh submits from being walked on every report.
    constexpr int kMostExamined = 256;
    int examined = 0;
    std::vector<qint64> made;
    // The best priority offered now or left waiting for a place in line.
    int better = std::numeric_limits<int>::min();
    for (auto it = m_queue.begin(); it != m_queue.end() && examined < kMostExamined; ++it) {
        if (const auto offered = m_offered.find(it->id); offered != m_offered.end()) {
            // A job on its way back keeps its place: nothing behind it is
            // offered before it.
            if (offered->second.revoked)
                break;
            continue;
        }
        ++examined;
        const Job *job = offerable(*it);
        if (!job)
            continue;
        better = std::max(better, job->priority);
        if (open == 0)
            break;
        const WorkerAssignment offer{job->id,        m_store.nextFence(), job->kind,
                                     job->params,    job->timeoutS,       job->attempt + 1,
                                     job->paramsJson};
        if (!m_workers.offer(offer))
            break;
        m_offered.emplace(job->id, Offer{offer.fence, job->priority, false, {}});
        made.push_back(offer.fence);
        --open;
    }
    // A job of higher priority, offered just now or waiting, goes ahead of
    // the offers made before it: those of lower priority come back (in
    // queue order, so they return in it) and are offered again behind it.
    if (better <= lowestOffered)
        return;
    for (Offer *offer : offersInQueueOrder()) {
        if (offer->priority < better &&
            std::find(made.begin(), made.end(), offer->fence) == made.end())
            revokeOffer(*offer);
    }
}

std::vector<JobService::Offer *> JobService::offersInQueueOrder()
{
    std::vector<std::pair<QueueKey, Offer *>> keyed;
    for (auto &[id, offer] : m_offered) {
        const auto active = m_active.find(id);
        if (active != m_active.end() && active->second.status == JobStatus::Pending)
            keyed.emplace_back(QueueKey{active->second.priority, active->second.createdAtMs, id},
                               &offer);
    }
    std::sort(keyed.begin(), keyed.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<Offer *> offers;
    offers.reserve(keyed.size());
    for (const auto &[key, offer] : keyed)
        offers.push_back(offer);
    return offers;
}

void JobService::revokeOffer(Offer &offer)
{
    if (offer.revoked)
        return;
    m_workers.revoke(offer.fence);
    offer.revoked = true;
}

void JobService::takeBackOffersFor(int idle)
{
    const std::vector<Offer *> offers = offersInQueueOrder();
    // Offers already on their way back count: each one feeds an idle worker.
    idle -= static_cast<int>(
        std::count_if(offers.begin(), offers.end(), [](const Offer *o) { return o->revoked; }));
    // The newest: the back of some line, the last that would have started.
    for (auto it = offers.rbegin(); it != offers.rend() && idle > 0; ++it) {
        if (!(*it)->revoked) {
            revokeOffer(**it);
            --idle;
        }
    }
}

void JobService::endCancelled(Batch &batch, Job &job, const JobError &error,
                              std::optional<QJsonObject> eventData)
{
    job.error = error;
    job.etaS.reset();
    job.finishedAtMs = batch.now;
    transition(batch, job, JobStatus::Cancelled,
               eventData ? std::move(*eventData) : errorEventData(error));
}

void JobService::giveBackAttempt(Batch &batch, Job &job, const QString &reason)
{
    // The attempt never ran for the job: it does not count. A cancel asked
    // for meanwhile ends the job instead of queueing it again.
    job.attempt = std::max(0, job.attempt - 1);
    if (job.cancelRequested) {
        endCancelled(batch, job, cancelledByRequest());
    } else {
        transition(batch, job, JobStatus::Pending, QJsonObject{{QStringLiteral("reason"), reason}});
        queueInsert(job);
    }
    // Nor is it an attempt that ended: no run time, no throughput sample
    // (transition() just took both).
    if (batch.attemptRunMs.erase(job.id) > 0 && !m_attemptEnds.empty())
        m_attemptEnds.pop_back();
}

bool JobService::sendDispatch(const WorkerAssignment &assignment)
{
    if (m_workers.dispatch(assignment))
        return true;
    // The worker vanished between the claim and the send: give the attempt
    // back, or end the job if it was asked to stop meanwhile.
    giveBackLater(assignment.jobId, assignment.fence, QStringLiteral("no worker took the attempt"));
    return false;
}

void JobService::giveBackLater(const QString &jobId, qint64 fence, const QString &reason)
{
    // Like a worker's outcome, a fact: applied again if its commit fails,
    // or the job would stay PROCESSING with no worker.
    Mutation giveBack = [this, jobId, fence, reason](Batch &b) {
        auto it = m_active.find(jobId);
        if (it == m_active.end() || it->second.fence != fence ||
            it->second.status != JobStatus::Processing)
            return;
        giveBackAttempt(b, it->second, reason);
    };
    enqueue([giveBack](Batch &b) {
        giveBack(b);
        b.replayOnFailure.push_back(giveBack);
    });
}

void JobService::queueInsert(const Job &job)
{
    if (m_queue.insert(QueueKey{job.priority, job.createdAtMs, job.id}).second)
        ++m_queueBands[job.priority];
}

void JobService::queueErase(const Job &job)
{
    if (m_queue.erase(QueueKey{job.priority, job.createdAtMs, job.id}) == 0)
        return;
    if (--m_queueBands[job.priority] <= 0)
        m_queueBands.erase(job.priority);
}

QString JobService::queueTakeFirst()
{
    const auto first = m_queue.begin();
    const QString id = first->id;
    const int priority = first->priority;
    m_queue.erase(first);
    if (--m_queueBands[priority] <= 0)
        m_queueBands.erase(priority);
    return id;
}

void JobService::queueClear()
{
    m_queue.clear();
    m_queueBands.clear();
}

void JobService::publishQueueGauge()
{
    auto gauge = std::make_shared<QueueGauge>();
    constexpr qint64 kEarliest = std::numeric_limits<qint64>::min();
    for (auto band = m_queueBands.rbegin(); band != m_queueBands.rend(); ++band) {
        const int priority = band->first;
        // The queue orders by priority (highest first), then age: a band is
        // the run from its first key to the first key of the next lower one.
        const auto first = m_queue.lower_bound(QueueKey{priority, kEarliest, QString()});
        const auto end = priority == std::numeric_limits<int>::min()
                             ? m_queue.end()
                             : m_queue.lower_bound(QueueKey{priority - 1, kEarliest, QString()});
        if (first == m_queue.end() || first == end)
            continue;
        gauge->bands.push_back(QueueGauge::Band{priority, band->second, first->createdAtMs,
                                                std::prev(end)->createdAtMs});
    }
    if (m_attemptEnds.size() >= 2 && m_attemptEnds.back() > m_attemptEnds.front())
        gauge->throughputPerS = double(m_attemptEnds.size() - 1) * 1000.0 /
                                double(m_attemptEnds.back() - m_attemptEnds.front());
    gauge->workers = m_workers.total();
    std::lock_guard lock(m_gaugeMutex);
    m_gauge = std::move(gauge);
}

std::optional<qint64> JobService::attemptRunMs(const Batch &batch, const QString &id)
{
    const auto it = batch.attemptRunMs.find(id);
    if (it == batch.attemptRunMs.end())
        return std::nullopt;
    return it->second;
}

void JobService::countCommitted(const Batch &batch)
{
    ApiMetrics *metrics = m_options.metrics;
    if (!metrics)
        return;
    for (const QString &id : batch.order) {
        if (batch.dirty.at(id).isNew)
            metrics->jobsSubmitted.increment(
                {batch.written[batch.dirty.at(id).position].kind.toStdString()});
    }
    for (const QString &id : batch.becameTerminal) {
        const Job &job = batch.written[batch.dirty.at(id).position];
        if (!isTerminal(job.status))
            continue; // re-driven again in the same batch
        metrics->jobsFinished.increment(
            {job.kind.toStdString(), statusName(job.status).toStdString()});
        if (const std::optional<qint64> runMs = attemptRunMs(batch, id))
            metrics->jobDuration.observe({}, double(*runMs) / 1000.0);
    }
}

void JobService::flushAndWait()
{
    m_store.waitForBackgroundCommit();
    flush();
    m_store.waitForBackgroundCommit();
}

void JobService::flush()
{
    m_flushQueued = false;
    if (m_stopped)
        return;
    if (m_committing) {
        m_flushWanted = true; // once that commit is done
        return;
    }
    m_flushWanted = false;
    if (m_reloadPending) {
        reloadAfterFailedCommit();
        if (m_reloadPending) {
            m_storeRetryAtMs = nowMs() + 1000;
            scheduleFlush();
            return;
        }
    }
    if (m_mutations.empty() && !m_open && (m_workers.idle() == 0 || !hasDispatchableJob())) {
        offerToBusyWorkers();
        return;
    }

    // The batch that gathered worker reports during the last commit, if any.
    std::unique_ptr<Batch> owned = m_open ? std::move(m_open) : std::make_unique<Batch>(nowMs());
    Batch &batch = *owned;
    batch.now = nowMs();
    std::vector<Mutation> mutations = std::move(m_mutations);
    m_mutations.clear();
    m_strictQueued = 0;

    // With no transaction, the mutations still run so that every caller
    // hears back, but nothing reaches the store (storeFailed guards writes)
    // and the working set is reloaded from the store afterwards.
    if (!m_store.begin()) {
        qCCritical(lcService) << "cannot begin a transaction:" << m_store.lastError();
        batch.storeFailed = true;
    }
    for (Mutation &m : mutations)
        m(batch);
    if (!batch.storeFailed)
        dispatchToIdleWorkers(batch);
    sendEarly(batch);
    for (const QString &id : batch.order) {
        if (batch.storeFailed)
            break;
        Job &job = m_active.at(id);
        job.rev = m_store.nextRev();
        job.updatedAtMs = batch.now;
        const bool ok = batch.dirty.at(id).isNew ? m_store.insertJob(job) : m_store.updateJob(job);
        if (!ok)
            batch.storeFailed = true;
        batch.snapshots.push_back(makeSnapshot(job));
        batch.written.push_back(job);
    }
    for (const auto &[id, data] : batch.resultBlobs) {
        if (batch.storeFailed || !m_store.putResultBlob(id, data)) {
            batch.storeFailed = true;
            break;
        }
    }
    // After the job rows: a key's answer is its job as committed, and an
    // outbox row refers to its job.
    for (auto &[id, record] : batch.keys) {
        if (batch.storeFailed)
            break;
        record.response = batch.snapshots.at(batch.dirty.at(id).position)->json;
        record.createdAtMs = batch.now;
        if (!m_store.putIdempotencyRecord(record))
            batch.storeFailed = true;
    }
    for (const QString &id : batch.becameTerminal) {
        if (batch.storeFailed)
            break;
        const Job &job = m_active.at(id);
        if (job.callbackUrl.isEmpty() || !isTerminal(job.status))
            continue;
        WebhookDelivery delivery = newWebhookDelivery(job, batch.now);
        if (!m_store.insertWebhook(delivery))
            batch.storeFailed = true;
        batch.webhooks.push_back(std::move(delivery));
    }
    for (const auto &[id, event] : batch.events) {
        if (batch.storeFailed || !m_store.appendEvent(id, event)) {
            batch.storeFailed = true;
            break;
        }
    }
    // The per-minute aggregates of the stats series count this batch in the
    // same transaction: a rollback or a crash never counts a change twice.
    if (!batch.storeFailed) {
        MinuteAggregator minutes;
        for (const QString &id : batch.order) {
            if (batch.dirty.at(id).isNew)
                minutes.jobSubmitted(batch.now, m_active.at(id));
        }
        for (const QString &id : batch.becameTerminal)
            minutes.jobFinished(batch.now, m_active.at(id), attemptRunMs(batch, id));
        minutes.sampleGauges(
            batch.now, static_cast<qint64>(m_queue.size()),
            m_stopping ? 0 : m_workers.busy() + static_cast<qint64>(batch.dispatches.size()));
        if (!m_store.addMinuteAggregates(minutes.take()))
            batch.storeFailed = true;
    }
    if (batch.storeFailed) {
        finishFlush(batch);
        return;
    }
    // The event loop goes on while the disk syncs: workers report, polls
    // and submits are read, the next batch gathers.
    m_committing = std::move(owned);
    m_store.commitInBackground([this](bool committed) {
        const std::unique_ptr<Batch> done = std::move(m_committing);
        done->storeFailed = !committed;
        finishFlush(*done);
    });
    offerToBusyWorkers();
}

void JobService::finishFlush(Batch &batch)
{
    if (batch.storeFailed && m_open) {
        // What the open batch took in stood on this one's changes: it fails
        // with it (its worker reports are applied again, its early attempts
        // stopped).
        const std::unique_ptr<Batch> open = std::move(m_open);
        for (auto &fail : open->onFailure)
            batch.onFailure.push_back(std::move(fail));
        for (auto &replay : open->replayOnFailure)
            batch.replayOnFailure.push_back(std::move(replay));
        batch.sentEarly.insert(batch.sentEarly.end(), open->sentEarly.begin(),
                               open->sentEarly.end());
        for (auto &reply : open->immediate)
            batch.immediate.push_back(std::move(reply));
    }
    settleBatch(batch);
    offerToBusyWorkers();
    if (m_checkpointWanted) {
        m_checkpointWanted = false;
        if (!m_store.checkpoint())
            qCWarning(lcService) << "WAL checkpoint failed:" << m_store.lastError();
    }
    if (m_flushWanted || m_open || !m_mutations.empty())
        scheduleFlush();
}

void JobService::settleBatch(Batch &batch)
{
    for (auto &reply : batch.immediate)
        reply();

    m_flushFailed = batch.storeFailed;
    if (batch.storeFailed) {
        qCCritical(lcService) << "commit failed:" << m_store.lastError();
        m_store.rollback();
        const ApiError error{
            ErrorCode::Unavailable,
            QStringLiteral("the job store cannot commit: %1").arg(m_store.lastError()),
            {},
            5};
        for (auto &fail : batch.onFailure)
            fail(error);
        // The store still has those jobs PENDING: their early attempts must
        // not run on beside the next dispatch (their reports are stale now).
        for (const auto &[fence, jobId] : batch.sentEarly) {
            // An attempt whose end has been read already (its report applied
            // or queued) runs no more: nothing to stop, nothing to wait for.
            if (!m_workers.isRunning(fence))
                continue;
            m_abandoned.emplace(fence, jobId);
            m_workers.cancel(fence);
        }
        m_storeBackoffMs = std::clamp<qint64>(m_storeBackoffMs * 2, 250, 5000);
        m_storeRetryAtMs = nowMs() + m_storeBackoffMs;
        reloadAfterFailedCommit();
        // Queued jobs and due retries are tried again once the backoff has
        // passed, even if nothing else happens meanwhile.
        scheduleFlush();
        // Worker outcomes are facts that must not be lost: apply them again
        // once the store can take them.
        if (!batch.replayOnFailure.empty()) {
            auto replays = std::move(batch.replayOnFailure);
            // Each replay signs up for the next failure too: a disk that
            // stays full for minutes must not drop a finished attempt.
            QTimer::singleShot(std::chrono::milliseconds(m_storeBackoffMs), this, [this, replays] {
                for (const Mutation &m : replays)
                    enqueue([m](Batch &b) {
                        m(b);
                        b.replayOnFailure.push_back(m);
                    });
            });
        }
        return;
    }

    if (m_storeBackoffMs > 0)
        qCInfo(lcService) << "the store commits again";
    m_storeBackoffMs = 0;
    m_storeRetryAtMs = 0;
    m_committedRev = m_store.currentRev();
    for (const auto &[status, delta] : batch.statusDelta)
        m_statusCounts[status] += delta;
    m_deadLetters += batch.deadLetterDelta;
    // Workers first: they start their jobs while the rest is published.
    for (qint64 fence : batch.cancels)
        m_workers.cancel(fence);
    for (const WorkerAssignment &a : batch.dispatches) {
        // A claim made early in a gathering batch may have been overtaken
        // by a later change of the same batch (a cancel, a requeue at stop):
        // what was written decides.
        const auto dirty = batch.dirty.find(a.jobId);
        Q_ASSERT(dirty != batch.dirty.end()); // a claim is a transition
        if (dirty == batch.dirty.end())
            continue;
        const Job &written = batch.written[dirty->second.position];
        if (written.status != JobStatus::Processing || written.fence != a.fence)
            continue;
        if (written.cancelRequested) // ends CANCELLED without ever starting
            giveBackLater(a.jobId, a.fence, QStringLiteral("cancelled before it started"));
        else
            sendDispatch(a);
    }
    // One write for the batch's log lines, not one per state change.
    const LogLineWriter::Batch logLines;
    for (std::size_t i = 0; i < batch.order.size(); ++i) {
        const Job &job = batch.written[i];
        const std::shared_ptr<const JobSnapshot> &snapshot = batch.snapshots[i];
        m_snapshots.publish(snapshot);
        const bool statusChanged = batch.dirty.at(job.id).statusChanged;
        if (statusChanged)
            logStateChange(job);
        Q_EMIT jobChanged(job, snapshot->json, statusChanged);
    }
    m_snapshots.trim(kSnapshotCacheEntries);
    countCommitted(batch);
    for (const Job &job : batch.purged) {
        m_snapshots.remove(job.id);
        if (!job.resultFile.isEmpty() &&
            !QFile::remove(QDir(m_options.resultsDir).filePath(job.resultFile)))
            qCWarning(lcService) << "cannot remove the result file of purged job" << job.id;
    }

    publishQueueGauge();
    for (auto &[id, reply] : batch.replies) {
        // A reply is queued with a change of its job; should one ever come
        // without, it still answers with the job as it stands.
        const auto dirty = batch.dirty.find(id);
        if (dirty != batch.dirty.end()) {
            reply(*batch.snapshots[dirty->second.position], batch.written[dirty->second.position]);
        } else {
            const Job job = m_active.at(id); // a copy: the reply may change m_active
            reply(*makeSnapshot(job), job);
        }
    }
    for (auto &after : batch.afterCommit)
        after();
    for (const WebhookDelivery &delivery : batch.webhooks)
        Q_EMIT webhookQueued(delivery);
    // Terminal jobs leave the working set, with those loaded for a request
    // that changed nothing.
    const auto dropIfTerminal = [this](const QString &id) {
        auto it = m_active.find(id);
        if (it == m_active.end() || !isTerminal(it->second.status))
            return;
        if (m_open && m_open->dirty.count(id))
            return; // ended in the batch gathering now: it goes with that one

        m_eventSeq.erase(id);
        m_lastProgressWriteMs.erase(id);
        m_active.erase(it);
    };
    for (const QString &id : batch.order)
        dropIfTerminal(id);
    for (const QString &id : batch.loaded)
        dropIfTerminal(id);
    armRetryTimer();
    if (m_draining)
        finishDrainIfIdle();
}

void JobService::finishDrainIfIdle()
{
    // Offers out at the drain were revoked: each comes back, or starts and
    // is waited for like any running attempt.
    if (processingCount() > 0 || !m_offered.empty() || !m_drainTimer.isActive())
        return;
    m_drainTimer.stop();
    QMetaObject::invokeMethod(this, &JobService::finishDrain, Qt::QueuedConnection);
}

// ---------------------------------------------------------------------------
// Graceful stop and housekeeping
// ---------------------------------------------------------------------------

int JobService::processingCount() const
{
    return static_cast<int>(std::count_if(m_active.begin(), m_active.end(), [](const auto &entry) {
        return entry.second.status == JobStatus::Processing;
    }));
}

void JobService::drain(std::chrono::milliseconds grace, std::function<void()> done)
{
    if (m_stopped || m_draining) {
        if (done)
            done();
        return;
    }
    m_draining = true;
    m_drainDone = std::move(done);
    // Offers go back unstarted; one that started meanwhile is stopped.
    for (auto &[id, offer] : m_offered)
        revokeOffer(offer);
    const int running = processingCount();
    qCInfo(lcService) << "stopping: waiting up to" << grace.count() << "ms for" << running
                      << "running attempts";
    m_drainTimer.start(grace);
    finishDrainIfIdle();
}

void JobService::finishDrain()
{
    if (m_stopped)
        return;
    // Whatever still runs goes back to the queue for the next start; the
    // attempt was not the job's fault, so it is not counted.
    enqueue([this](Batch &batch) {
        for (auto &[id, job] : m_active) {
            if (job.status != JobStatus::Processing)
                continue;
            if (job.cancelRequested) {
                endCancelled(batch, job,
                             JobError{QStringLiteral("cancelled"),
                                      QStringLiteral("cancelled; jobdeskd stopped before the "
                                                     "attempt did")});
                continue;
            }
            job.attempt = std::max(0, job.attempt - 1);
            transition(batch, job, JobStatus::Pending,
                       QJsonObject{{QStringLiteral("reason"),
                                    QStringLiteral("requeued: jobdeskd stopped before the attempt "
                                                   "finished")}});
            queueInsert(job);
        }
    });
    stop();
    if (auto done = std::move(m_drainDone))
        done();
}

void JobService::housekeep()
{
    purgeExpiredBatch();
    purgeExpiredKeys();
    if (!m_stopped) {
        // The per-minute aggregates outlive the longest range a stats read covers.
        const qint64 cutoff =
            nowMs() -
            std::chrono::duration_cast<std::chrono::milliseconds>(kStatsRetention).count();
        enqueue([this, cutoff](Batch &batch) {
            if (!batch.storeFailed && m_store.purgeMinuteAggregates(cutoff) < 0)
                batch.storeFailed = true;
        });
    }
    if (m_committing) {
        m_checkpointWanted = true; // after that commit
        return;
    }
    if (!m_store.checkpoint())
        qCWarning(lcService) << "WAL checkpoint failed:" << m_store.lastError();
}

void JobService::purgeExpiredBatch()
{
    // One purge batch at a time: the next reads what is left only once the
    // last one is committed, or it would find the same jobs again.
    if (m_stopped || m_purging)
        return;
    const qint64 cutoff =
        nowMs() -
        std::chrono::duration_cast<std::chrono::milliseconds>(m_options.retention).count();
    const QList<Job> expired = m_store.finishedBefore(cutoff, kPurgeBatch);
    if (expired.isEmpty())
        return;
    enqueue([this, expired](Batch &batch) {
        const bool more = expired.size() == kPurgeBatch;
        batch.afterCommit.push_back([this, more] {
            m_purging = false;
            if (more) // the next batch after this commit
                QTimer::singleShot(0, this, &JobService::purgeExpiredBatch);
        });
        batch.onFailure.push_back([this](const ApiError &) { m_purging = false; });
        for (const Job &job : expired) {
            if (m_active.count(job.id))
                continue; // re-driven since it was read
            if (batch.storeFailed || !m_store.purgeJob(job.id)) {
                batch.storeFailed = true;
                return;
            }
            --batch.statusDelta[job.status];
            if (job.deadLetter)
                --batch.deadLetterDelta;
            batch.purged.push_back(job);
        }
    });
    m_purging = true;
    qCInfo(lcService) << "purging" << expired.size() << "jobs finished before"
                      << formatTimestamp(cutoff);
}

void JobService::purgeExpiredKeys()
{
    if (m_stopped)
        return;
    const qint64 cutoff = nowMs() - std::chrono::duration_cast<std::chrono::milliseconds>(
                                        m_options.idempotencyRetention)
                                        .count();
    enqueue([this, cutoff](Batch &batch) {
        if (batch.storeFailed)
            return;
        const int purged = m_store.purgeIdempotencyRecords(cutoff, kKeyPurgeBatch);
        if (purged < 0) {
            batch.storeFailed = true;
            return;
        }
        if (purged > 0)
            qCInfo(lcService) << "purged" << purged << "idempotency keys older than"
                              << formatTimestamp(cutoff);
        if (purged == kKeyPurgeBatch) // more to do: the next batch after this commit
            batch.afterCommit.push_back(
                [this] { QTimer::singleShot(0, this, &JobService::purgeExpiredKeys); });
    });
}

void JobService::logStateChange(const Job &job) const
{
    // One line per committed change, with the job id, for the journal;
    // printf-style, as this runs for every change at full rate.
    QByteArray extra;
    if (job.cancelRequested && !isTerminal(job.status))
        extra += " cancel requested";
    if (job.error && job.status != JobStatus::Completed)
        extra += " error " + job.error->code.toUtf8() + ": " + job.error->message.toUtf8();
    if (job.deadLetter)
        extra += " dead letter";
    const QByteArray id = job.id.toLatin1();
    const QByteArray kind = job.kind.toUtf8();
    const QByteArray status = statusName(job.status).toLatin1();
    if (job.status == JobStatus::Failed || job.status == JobStatus::Retrying)
        qCWarning(lcService, "job %s %s %s attempt %d/%d%s", id.constData(), kind.constData(),
                  status.constData(), job.attempt, job.attemptLimit, extra.constData());
    else
        qCInfo(lcService, "job %s %s %s attempt %d/%d%s", id.constData(), kind.constData(),
               status.constData(), job.attempt, job.attemptLimit, extra.constData());
}

void JobService::reloadAfterFailedCommit()
{
    // The in-memory working set ran ahead of the store; the store is the
    // truth, so rebuild from it. If the store cannot even be read, keep the
    // working set and try again at the next flush: an empty read must not
    // make the service forget every live job.
    const QList<Job> unfinished = m_store.unfinishedJobs();
    if (!m_store.lastError().isEmpty()) {
        qCCritical(lcService) << "cannot reload the working set:" << m_store.lastError();
        m_reloadPending = true;
        return;
    }
    m_reloadPending = false;
    m_active.clear();
    queueClear();
    m_retryDue.clear();
    m_eventSeq.clear();
    for (const Job &job : unfinished) {
        auto [it, inserted] = m_active.emplace(job.id, job);
        Q_UNUSED(inserted);
        if (job.status == JobStatus::Pending)
            queueInsert(it->second);
        else if (job.status == JobStatus::Retrying)
            m_retryDue.emplace(job.nextAttemptAtMs, job.id);
    }
    armRetryTimer();
    publishQueueGauge();
}

} // namespace jobdesk
