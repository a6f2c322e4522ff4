#include "jobservice.h"

#include "jobjson.h"
#include "paramsschema.h"
#include "reliability.h"
#include "timeformat.h"
#include "uuid7.h"
#include "version.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QRandomGenerator>

#include <algorithm>
#include <cmath>

Q_LOGGING_CATEGORY(lcService, "jobdesk.service")

namespace jobdesk {

namespace r = reliability;

namespace {

// Terminal snapshots kept for fast polls; older ones fall back to the store.
constexpr qsizetype kSnapshotCacheEntries = 200000;
// Jobs purged per transaction, so housekeeping never holds the writer long.
constexpr int kPurgeBatch = 500;
constexpr std::chrono::hours kHousekeepingInterval{1};

ApiError shuttingDown()
{
    return ApiError{ErrorCode::Unavailable, QStringLiteral("jobdeskd is shutting down"), {}, 5};
}

QJsonObject errorEventData(const JobError &error)
{
    return QJsonObject{{QStringLiteral("error"), jobErrorToJson(error)}};
}

std::shared_ptr<const JobSnapshot> makeSnapshot(const Job &job)
{
    auto s = std::make_shared<JobSnapshot>();
    s->id = job.id;
    s->rev = job.rev;
    s->terminal = isTerminal(job.status);
    s->json = jobToJsonBytes(job);
    s->etag = "\"r" + QByteArray::number(job.rev) + '"';
    return s;
}

} // namespace

// ---------------------------------------------------------------------------
// The batch: everything one transaction changes, and what to do once it is
// durable.
// ---------------------------------------------------------------------------

class JobService::Batch
{
public:
    explicit Batch(qint64 now) : now(now) {}

    /// Marks a job as written by this batch.
    void touch(const Job &job, bool statusChanged, bool isNew = false)
    {
        auto [it, inserted] = dirty.try_emplace(job.id, Dirty{isNew, statusChanged});
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
    };

    const qint64 now;
    std::unordered_map<QString, Dirty> dirty;
    std::vector<QString> order;
    /// Replies to run after the commit, with the job as committed.
    std::vector<std::pair<QString, std::function<void(const Job &)>>> replies;
    /// Replies that do not depend on the commit (errors found while applying).
    std::vector<std::function<void()>> immediate;
    /// What to tell callers if the commit fails.
    std::vector<std::function<void(const ApiError &)>> onFailure;
    /// Mutations from workers that must be applied again if the commit fails.
    std::vector<Mutation> replayOnFailure;
    std::vector<WorkerAssignment> dispatches;
    std::vector<qint64> cancels;
    std::vector<std::pair<QString, JobEvent>> events;
    /// Jobs purged by this batch: their files go once the commit is durable.
    std::vector<Job> purged;
    /// Terminal jobs read from the store into the working set by this batch.
    std::vector<QString> loaded;
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
    connect(&m_drainTimer, &QTimer::timeout, this, &JobService::finishDrain);

    connect(&m_workers, &WorkerSupervisor::workerAvailable, this, &JobService::scheduleFlush);
    connect(&m_workers, &WorkerSupervisor::progress, this, &JobService::onWorkerProgress);
    connect(&m_workers, &WorkerSupervisor::finished, this, &JobService::onWorkerFinished);
}

JobService::~JobService() = default;

// ---------------------------------------------------------------------------
// Start and stop
// ---------------------------------------------------------------------------

bool JobService::start(QString *error)
{
    m_uptime.start();
    m_committedRev = m_store.currentRev();
    const QList<Job> unfinished = m_store.unfinishedJobs();
    for (const Job &job : unfinished) {
        m_active.emplace(job.id, job);
        m_snapshots.publish(makeSnapshot(job)); // polls of live jobs never miss
    }
    enqueue([this](Batch &batch) { recover(batch); });
    flush();
    if (m_flushFailed) {
        if (error)
            *error = QStringLiteral("cannot recover jobs: %1").arg(m_store.lastError());
        return false;
    }
    qCInfo(lcService) << "started with" << m_active.size() << "unfinished jobs," << m_queue.size()
                      << "queued";
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
                job.error = JobError{QStringLiteral("cancelled"),
                                     QStringLiteral("cancelled; the backend restarted before "
                                                    "the attempt stopped")};
                job.finishedAtMs = batch.now;
                transition(batch, job, JobStatus::Cancelled, errorEventData(*job.error));
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
    armRetryTimer();
}

void JobService::stop()
{
    if (m_stopped)
        return;
    flushThrottledProgress();
    flush();
    m_stopped = true;
    m_retryTimer.stop();
    m_progressTimer.stop();
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

void JobService::submit(SubmitRequest request, JobCallback done)
{
    if (m_stopped || m_draining) {
        done(shuttingDown());
        return;
    }
    const KindInfo *kind = m_kinds.find(request.kind);
    if (!kind) {
        done(ApiError::make(ErrorCode::InvalidParams,
                            QStringLiteral("unknown kind \"%1\"").arg(request.kind)));
        return;
    }
    Job job;
    job.id = newUuid7();
    job.kind = request.kind;
    job.params = withDefaults(kind->paramsSchema, request.params);
    job.priority = request.priority;
    job.timeoutS = request.timeoutS.value_or(kind->defaultTimeoutS);
    job.maxAttempts = request.maxAttempts.value_or(kind->defaultMaxAttempts);
    job.attemptLimit = job.maxAttempts;
    job.progress = 0.0;

    enqueue([this, job = std::move(job), done = std::move(done)](Batch &batch) mutable {
        job.createdAtMs = batch.now;
        const QString id = job.id;
        auto [it, inserted] = m_active.emplace(id, std::move(job));
        Q_ASSERT(inserted);
        m_eventSeq[id] = 0;
        addEvent(batch, it->second, QStringLiteral("state"),
                 QJsonObject{{QStringLiteral("to"), statusName(JobStatus::Pending)}});
        batch.touch(it->second, true, true);
        queueInsert(it->second);
        batch.replies.emplace_back(id, [done](const Job &j) { done(j); });
        batch.onFailure.push_back([done](const ApiError &e) { done(e); });
    });
}

void JobService::cancel(const QString &id, CancelCallback done)
{
    if (m_stopped) {
        done(shuttingDown());
        return;
    }
    enqueue([this, id, done = std::move(done)](Batch &batch) {
        Job *job = findJob(batch, id);
        if (!job) {
            batch.immediate.push_back(
                [done, id] { done(ApiError::make(ErrorCode::NotFound, QStringLiteral("no job %1").arg(id))); });
            return;
        }
        switch (job->status) {
        case JobStatus::Pending:
        case JobStatus::Retrying:
            queueErase(*job);
            m_retryDue.erase({job->nextAttemptAtMs, job->id});
            job->nextAttemptAtMs = 0;
            job->finishedAtMs = batch.now;
            job->error = JobError{QStringLiteral("cancelled"), QStringLiteral("cancelled by request")};
            transition(batch, *job, JobStatus::Cancelled);
            batch.replies.emplace_back(id, [done](const Job &j) { done(CancelOutcome{j, false}); });
            break;
        case JobStatus::Processing:
            if (!job->cancelRequested) {
                job->cancelRequested = true;
                addEvent(batch, *job, QStringLiteral("cancel_requested"), {});
                batch.touch(*job, true);
                batch.cancels.push_back(job->fence);
            }
            batch.replies.emplace_back(id, [done](const Job &j) { done(CancelOutcome{j, true}); });
            break;
        case JobStatus::Cancelled: {
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
    });
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
            batch.immediate.push_back(
                [done, id] { done(ApiError::make(ErrorCode::NotFound, QStringLiteral("no job %1").arg(id))); });
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
        job->deadLetter = false;
        job->cancelRequested = false;
        job->error.reset();
        job->result.reset();
        job->finishedAtMs = 0;
        job->progress = 0.0;
        job->etaS.reset();
        job->interruptions = 0;
        transition(batch, *job, JobStatus::Pending,
                   QJsonObject{{QStringLiteral("reason"), QStringLiteral("re-driven by request")}});
        queueInsert(*job);
        batch.replies.emplace_back(id, [done](const Job &j) { done(j); });
        batch.onFailure.push_back([done](const ApiError &e) { done(e); });
    });
}

// ---------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------

Result<Job> JobService::job(const QString &id)
{
    if (auto it = m_active.find(id); it != m_active.end())
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

Result<JobService::ResultData> JobService::result(const QString &id)
{
    Result<Job> found = job(id);
    if (!found)
        return found.error();
    const Job &j = found.value();
    if (j.status != JobStatus::Completed || !j.result)
        return ApiError::make(ErrorCode::Conflict,
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

QJsonObject JobService::stats()
{
    QJsonObject counts;
    const QHash<JobStatus, qint64> byStatus = m_store.countsByStatus();
    for (JobStatus s : kAllStatuses)
        counts.insert(statusName(s), byStatus.value(s, 0));
    return QJsonObject{
        {QStringLiteral("version"), QStringLiteral(JOBDESK_VERSION)},
        {QStringLiteral("uptime_s"), m_uptime.isValid() ? m_uptime.elapsed() / 1000 : 0},
        {QStringLiteral("counts"), counts},
        {QStringLiteral("dead_letter"), m_store.deadLetterCount()},
        {QStringLiteral("workers"),
         QJsonObject{{QStringLiteral("total"), m_workers.total()},
                     {QStringLiteral("busy"), m_workers.busy()},
                     {QStringLiteral("restarts"), m_workers.restarts()}}},
        {QStringLiteral("queue_depth"), static_cast<qint64>(m_queue.size())},
    };
}

std::shared_ptr<const JobSnapshot> JobService::snapshot(const QString &id) const
{
    return m_snapshots.find(id);
}

// ---------------------------------------------------------------------------
// Worker reports
// ---------------------------------------------------------------------------

void JobService::onWorkerProgress(const QString &jobId, qint64 fence,
                                  std::optional<double> progress, const QString &message)
{
    m_throttledProgress[jobId] = PendingProgress{fence, progress, message};
    const qint64 last = m_lastProgressWriteMs.count(jobId) ? m_lastProgressWriteMs[jobId] : 0;
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
    enqueue([this, reports = std::move(reports)](Batch &batch) {
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
    Mutation apply = [this, jobId, fence, outcome](Batch &batch) {
        auto it = m_active.find(jobId);
        if (it == m_active.end() || it->second.status != JobStatus::Processing ||
            it->second.fence != fence) {
            qCDebug(lcService) << "ignoring the outcome of stale dispatch" << fence << "of" << jobId;
            return;
        }
        finishAttempt(batch, it->second, outcome);
    };
    enqueue([this, apply](Batch &batch) {
        apply(batch);
        batch.replayOnFailure.push_back(apply);
    });
}

void JobService::finishAttempt(Batch &batch, Job &job, const WorkerOutcome &outcome)
{
    m_throttledProgress.erase(job.id);
    switch (outcome.kind) {
    case WorkerOutcome::Kind::Done:
        job.result = outcome.result;
        job.resultFile = outcome.resultFile;
        if (outcome.resultFile.isEmpty() && !batch.storeFailed &&
            !m_store.putResultBlob(job.id, outcome.inlineData))
            batch.storeFailed = true;
        job.progress = 100.0;
        job.etaS.reset();
        job.error.reset();
        job.finishedAtMs = batch.now;
        transition(batch, job, JobStatus::Completed,
                   QJsonObject{{QStringLiteral("attempt"), job.attempt},
                               {QStringLiteral("result"), resultInfoToJson(outcome.result)}});
        return;
    case WorkerOutcome::Kind::Cancelled:
        job.error = outcome.error.code.isEmpty()
                        ? JobError{QStringLiteral("cancelled"), QStringLiteral("cancelled by request")}
                        : outcome.error;
        job.etaS.reset();
        job.finishedAtMs = batch.now;
        transition(batch, job, JobStatus::Cancelled, errorEventData(*job.error));
        return;
    case WorkerOutcome::Kind::Failed:
    case WorkerOutcome::Kind::Crashed:
    case WorkerOutcome::Kind::TimedOut:
        break;
    }
    if (job.cancelRequested) {
        // The user asked for the stop; how the attempt ended no longer matters.
        job.error = JobError{QStringLiteral("cancelled"), QStringLiteral("cancelled by request")};
        job.etaS.reset();
        job.finishedAtMs = batch.now;
        transition(batch, job, JobStatus::Cancelled, errorEventData(outcome.error));
        return;
    }
    const bool retryable = outcome.kind != WorkerOutcome::Kind::Failed || outcome.retryable;
    failAttempt(batch, job, outcome.error, retryable);
}

void JobService::failAttempt(Batch &batch, Job &job, const JobError &error, bool retryable)
{
    job.error = error;
    job.etaS.reset();
    QJsonObject data = errorEventData(error);
    data.insert(QStringLiteral("attempt"), job.attempt);
    if (retryable && job.attempt < job.attemptLimit) {
        // Exponential backoff with full jitter (AWS Architecture Blog): spreads
        // retries of jobs that failed together.
        const double ceiling = std::min<double>(
            m_options.retryBackoffCap.count(),
            m_options.retryBackoffBase.count() * std::pow(2.0, std::max(0, job.attempt - 1)));
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

void JobService::enqueue(Mutation m)
{
    m_mutations.push_back(std::move(m));
    scheduleFlush();
}

void JobService::scheduleFlush()
{
    if (m_flushQueued || m_stopped)
        return;
    m_flushQueued = true;
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
    job.status = to;
    addEvent(batch, job, QStringLiteral("state"), std::move(eventData));
    batch.touch(job, true);
}

void JobService::dispatchToIdleWorkers(Batch &batch)
{
    if (m_draining)
        return;
    int idle = m_workers.idle() - static_cast<int>(batch.dispatches.size());
    while (idle > 0 && !m_queue.empty()) {
        const QString id = m_queue.begin()->id;
        m_queue.erase(m_queue.begin());
        auto it = m_active.find(id);
        if (it == m_active.end() || it->second.status != JobStatus::Pending)
            continue;
        Job &job = it->second;
        ++job.attempt;
        job.fence = m_store.nextFence();
        job.startedAtMs = batch.now;
        job.progress = 0.0;
        job.etaS.reset();
        job.message.clear();
        transition(batch, job, JobStatus::Processing,
                   QJsonObject{{QStringLiteral("attempt"), job.attempt}});
        batch.dispatches.push_back(
            WorkerAssignment{job.id, job.fence, job.kind, job.params, job.timeoutS, job.attempt});
        --idle;
    }
}

void JobService::queueInsert(const Job &job)
{
    m_queue.insert(QueueKey{job.priority, job.createdAtMs, job.id});
}

void JobService::queueErase(const Job &job)
{
    m_queue.erase(QueueKey{job.priority, job.createdAtMs, job.id});
}

void JobService::flush()
{
    m_flushQueued = false;
    if (m_stopped)
        return;
    if (m_mutations.empty() && (m_queue.empty() || m_workers.idle() == 0))
        return;

    Batch batch(nowMs());
    std::vector<Mutation> mutations = std::move(m_mutations);
    m_mutations.clear();

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
    for (const QString &id : batch.order) {
        if (batch.storeFailed)
            break;
        Job &job = m_active.at(id);
        job.rev = m_store.nextRev();
        job.updatedAtMs = batch.now;
        const bool ok = batch.dirty.at(id).isNew ? m_store.insertJob(job) : m_store.updateJob(job);
        if (!ok)
            batch.storeFailed = true;
    }
    for (const auto &[id, event] : batch.events) {
        if (batch.storeFailed || !m_store.appendEvent(id, event)) {
            batch.storeFailed = true;
            break;
        }
    }
    if (!batch.storeFailed && !m_store.commit())
        batch.storeFailed = true;

    for (auto &reply : batch.immediate)
        reply();

    m_flushFailed = batch.storeFailed;
    if (batch.storeFailed) {
        qCCritical(lcService) << "commit failed:" << m_store.lastError();
        m_store.rollback();
        const ApiError error{ErrorCode::Unavailable,
                             QStringLiteral("the job store cannot commit: %1").arg(m_store.lastError()),
                             {},
                             5};
        for (auto &fail : batch.onFailure)
            fail(error);
        reloadAfterFailedCommit();
        // Worker outcomes are facts that must not be lost: apply them again
        // once the store can take them.
        if (!batch.replayOnFailure.empty()) {
            auto replays = std::move(batch.replayOnFailure);
            QTimer::singleShot(1000, this, [this, replays] {
                for (const Mutation &m : replays)
                    enqueue(m);
            });
        }
        return;
    }

    m_committedRev = m_store.currentRev();
    std::unordered_map<QString, Job> committed;
    for (const QString &id : batch.order) {
        auto it = m_active.find(id);
        const Job &job = it->second;
        m_snapshots.publish(makeSnapshot(job));
        Q_EMIT jobChanged(job, batch.dirty.at(id).statusChanged);
        committed.emplace(id, job);
        if (isTerminal(job.status)) {
            m_eventSeq.erase(id);
            m_lastProgressWriteMs.erase(id);
            m_active.erase(it);
        }
    }
    // Terminal jobs loaded for a request that changed nothing leave too.
    for (const QString &id : batch.loaded) {
        auto it = m_active.find(id);
        if (it != m_active.end() && isTerminal(it->second.status)) {
            m_eventSeq.erase(id);
            m_active.erase(it);
        }
    }
    m_snapshots.trim(kSnapshotCacheEntries);
    for (const Job &job : batch.purged) {
        m_snapshots.remove(job.id);
        if (!job.resultFile.isEmpty() &&
            !QFile::remove(QDir(m_options.resultsDir).filePath(job.resultFile)))
            qCWarning(lcService) << "cannot remove the result file of purged job" << job.id;
    }

    for (auto &[id, reply] : batch.replies)
        reply(committed.at(id));
    for (qint64 fence : batch.cancels)
        m_workers.cancel(fence);
    for (const WorkerAssignment &a : batch.dispatches) {
        if (!m_workers.dispatch(a)) {
            // The worker vanished between the claim and the send: give the
            // attempt back.
            enqueue([this, id = a.jobId, fence = a.fence](Batch &b) {
                auto it = m_active.find(id);
                if (it == m_active.end() || it->second.fence != fence ||
                    it->second.status != JobStatus::Processing)
                    return;
                it->second.attempt = std::max(0, it->second.attempt - 1);
                transition(b, it->second, JobStatus::Pending,
                           QJsonObject{{QStringLiteral("reason"),
                                        QStringLiteral("no worker took the attempt")}});
                queueInsert(it->second);
            });
        }
    }
    armRetryTimer();
    if (m_draining && processingCount() == 0 && m_drainTimer.isActive()) {
        m_drainTimer.stop();
        QMetaObject::invokeMethod(this, &JobService::finishDrain, Qt::QueuedConnection);
    }
    if (!m_mutations.empty())
        scheduleFlush();
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
    const int running = processingCount();
    qCInfo(lcService) << "stopping: waiting up to" << grace.count() << "ms for" << running
                      << "running attempts";
    if (running == 0)
        QMetaObject::invokeMethod(this, &JobService::finishDrain, Qt::QueuedConnection);
    else
        m_drainTimer.start(grace);
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
                job.error = JobError{QStringLiteral("cancelled"),
                                     QStringLiteral("cancelled; jobdeskd stopped before the "
                                                    "attempt did")};
                job.finishedAtMs = batch.now;
                transition(batch, job, JobStatus::Cancelled, errorEventData(*job.error));
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
    if (!m_store.checkpoint())
        qCWarning(lcService) << "WAL checkpoint failed:" << m_store.lastError();
}

void JobService::purgeExpiredBatch()
{
    if (m_stopped)
        return;
    const qint64 cutoff =
        nowMs() - std::chrono::duration_cast<std::chrono::milliseconds>(m_options.retention).count();
    const QList<Job> expired = m_store.finishedBefore(cutoff, kPurgeBatch);
    if (expired.isEmpty())
        return;
    enqueue([this, expired](Batch &batch) {
        for (const Job &job : expired) {
            if (m_active.count(job.id))
                continue; // re-driven since it was read
            if (batch.storeFailed || !m_store.purgeJob(job.id)) {
                batch.storeFailed = true;
                return;
            }
            batch.purged.push_back(job);
        }
    });
    qCInfo(lcService) << "purging" << expired.size() << "jobs finished before"
                      << formatTimestamp(cutoff);
    if (expired.size() == kPurgeBatch) // more to do: the next batch after this commit
        QTimer::singleShot(0, this, &JobService::purgeExpiredBatch);
}

void JobService::reloadAfterFailedCommit()
{
    // The in-memory working set ran ahead of the store; the store is the
    // truth, so rebuild from it.
    m_active.clear();
    m_queue.clear();
    m_retryDue.clear();
    m_eventSeq.clear();
    for (const Job &job : m_store.unfinishedJobs()) {
        auto [it, inserted] = m_active.emplace(job.id, job);
        Q_UNUSED(inserted);
        if (job.status == JobStatus::Pending)
            queueInsert(it->second);
        else if (job.status == JobStatus::Retrying)
            m_retryDue.emplace(job.nextAttemptAtMs, job.id);
    }
    armRetryTimer();
}

} // namespace jobdesk
