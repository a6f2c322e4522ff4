#pragma once

#include "job.h"
#include "stats/minuteaggregates.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QString>
#include <functional>
#include <optional>

namespace jobdesk {

/// A filter over jobs, newest first (`GET /api/v1/jobs`, the `list` op).
struct ListQuery
{
    QList<JobStatus> statuses; // empty = any
    QString kind;              // empty = any
    std::optional<bool> deadLetter;
    int limit = 50;
    /// Opaque to clients; the store encodes where the previous page ended.
    QString cursor;
};

struct ListPage
{
    QList<Job> items;
    QString nextCursor; // empty when this was the last page
};

/// One entry of the change feed: a job's latest state, or a tombstone for a
/// purged job (`deleted`, with only `id` and `rev` meaningful).
struct JobChange
{
    Job job;
    bool deleted = false;
};

struct ChangesPage
{
    QList<JobChange> items; // oldest first
    /// The newest rev returned, or max(since, current) when nothing changed.
    qint64 rev = 0;
    /// More changes wait after `rev` (the page stopped at its limit or at
    /// its size): read on at once rather than at the next poll.
    bool more = false;
};

/// One entry of a job's timeline.
struct JobEvent
{
    qint64 seq = 0; // per job, from 1
    qint64 atMs = 0;
    QString type; // "state", "attempt", "interrupted", ...
    QJsonObject data;

    QJsonObject toJson() const;
};

/// The answer to a submit that carried an idempotency key, kept so that a
/// repeat of the same request gets the same answer (the IETF draft "The
/// Idempotency-Key HTTP Header Field"). HTTP's `Idempotency-Key` and the
/// ZeroMQ `idempotency_key` share one namespace. Records outlive their job.
struct IdempotencyRecord
{
    QString key;
    QByteArray fingerprint; // canonical JSON of the submit fields
    QString jobId;
    int statusCode = 202;
    QByteArray response; // the body as first sent: the job object
    qint64 createdAtMs = 0;
};

/// One webhook delivery in the durable outbox: written in the same commit as
/// the terminal transition it announces, then attempted until it is
/// delivered or given up. Its id is the `webhook-id` of every attempt.
struct WebhookDelivery
{
    enum class State
    {
        Pending,   // to be attempted at nextAttemptAtMs
        Delivered, // a 2xx answer
        Gone,      // the receiver answered 410: no more attempts
        Failed,    // given up after the retry window
        Refused,   // the callback URL is no longer allowed
    };

    QString id;
    QString jobId;
    QString url;
    QString eventType; // job.completed, job.failed, job.cancelled
    QByteArray body;   // the exact bytes signed and sent on every attempt
    qint64 createdAtMs = 0;
    int attempts = 0;
    qint64 nextAttemptAtMs = 0;
    State state = State::Pending;
    int lastStatus = 0; // HTTP status of the last attempt; 0 = no answer
    QString lastError;

    bool operator==(const WebhookDelivery &o) const;
};

/// The stored name of a delivery state ("pending", "delivered", ...).
QString webhookStateName(WebhookDelivery::State state);
std::optional<WebhookDelivery::State> webhookStateFromName(const QString &name);

/// Where jobs live. The embedded default is SQLite; a PostgreSQL store for
/// several nodes implements the same interface (change feed and leases
/// rather than raw counters, see docs/architecture.md).
///
/// One writer: every mutation happens between begin() and commit(), issued
/// by the job service's write path on one thread. Reads never see a write
/// transaction that has not committed. All methods report failure through
/// their return value; lastError() says why.
class JobStore
{
public:
    virtual ~JobStore() = default;

    /// Opens or creates the store in `dataDir`, running migrations.
    virtual bool open(const QString &dataDir) = 0;
    virtual void close() = 0;
    virtual bool isOpen() const = 0;
    virtual QString lastError() const = 0;

    // --- the write transaction ---
    virtual bool begin() = 0;
    virtual bool commit() = 0;
    virtual void rollback() = 0;
    /// commit() without waiting for the disk: the COMMIT and its fsync may
    /// run on another thread while the caller's event loop goes on, and
    /// `done` gets its outcome on the caller's thread (the store has taken
    /// it in as commit() would: rolled back on failure, lastError() set).
    /// Until `done` runs, nothing may use the write transaction's methods
    /// (begin() to rollback(), checkpoint()); reads may go on and see the
    /// store as last committed. `done` may run before this returns (the
    /// default commits at once).
    virtual void commitInBackground(std::function<void(bool committed)> done);
    /// Blocks until a commitInBackground() in flight has run its `done`.
    virtual void waitForBackgroundCommit() {}
    /// The next value of the store-wide change counter. Values taken in a
    /// transaction that rolls back may be reused; committed ones never are.
    virtual qint64 nextRev() = 0;
    /// The next fencing number for a dispatch or an offer, in a transaction
    /// or not; not handed out twice by a store object, even when its
    /// transaction rolls back (a dispatch may be sent before its commit).
    /// After a crash a number that was never committed may come again: the
    /// workers that had it died with that run.
    virtual qint64 nextFence() = 0;
    virtual bool insertJob(const Job &job) = 0;
    /// Writes every stored field of an existing job (looked up by id).
    virtual bool updateJob(const Job &job) = 0;
    virtual bool appendEvent(const QString &jobId, const JobEvent &event) = 0;
    /// Stores the bytes of a small result, replacing any earlier one.
    virtual bool putResultBlob(const QString &jobId, const QByteArray &data) = 0;
    /// Deletes a job with its events and result bytes and leaves a tombstone
    /// (taking nextRev()) that the change feed reports as `deleted`.
    virtual bool purgeJob(const QString &id) = 0;
    /// Stores the answer to a keyed submit; a key is stored once.
    virtual bool putIdempotencyRecord(const IdempotencyRecord &record) = 0;
    /// Deletes at most `limit` idempotency records created before
    /// `beforeMs`. Returns how many went, or -1 on failure.
    virtual int purgeIdempotencyRecords(qint64 beforeMs, int limit) = 0;
    /// Adds a delivery to the webhook outbox (its job must exist).
    virtual bool insertWebhook(const WebhookDelivery &delivery) = 0;
    /// Writes the attempt count, schedule, state and last result of a delivery.
    virtual bool updateWebhook(const WebhookDelivery &delivery) = 0;
    /// Folds the write-ahead log back into the database so it cannot grow
    /// without bound. Outside a write transaction.
    virtual bool checkpoint() = 0;

    // --- reads (committed state) ---
    virtual std::optional<Job> job(const QString &id) = 0;
    /// Every job in PENDING, PROCESSING or RETRYING: the queue and what a
    /// previous run left running.
    virtual QList<Job> unfinishedJobs() = 0;
    virtual ListPage list(const ListQuery &query) = 0;
    virtual ChangesPage changesSince(qint64 rev, int limit) = 0;
    virtual QList<JobEvent> events(const QString &jobId) = 0;
    virtual std::optional<QByteArray> resultBlob(const QString &jobId) = 0;
    virtual QHash<JobStatus, qint64> countsByStatus() = 0;
    virtual qint64 deadLetterCount() = 0;
    /// The newest committed rev.
    virtual qint64 currentRev() = 0;
    /// Terminal jobs that finished before `beforeMs`, oldest first, leaving
    /// out those with a webhook delivery still pending: a job is not purged
    /// while its delivery may still be attempted.
    virtual QList<Job> finishedBefore(qint64 beforeMs, int limit) = 0;
    /// The name of every result file a job names (relative to the results
    /// folder), for the sweep at start; nullopt on failure.
    virtual std::optional<QSet<QString>> resultFileNames() = 0;
    virtual std::optional<IdempotencyRecord> idempotencyRecord(const QString &key) = 0;
    /// Whether a job of that id existed and was purged (its tombstone).
    virtual bool wasPurged(const QString &id) = 0;
    /// Every delivery still to be attempted, the soonest first.
    virtual QList<WebhookDelivery> pendingWebhooks() = 0;
    /// A job's deliveries, oldest first.
    virtual QList<WebhookDelivery> webhooks(const QString &jobId) = 0;

    // --- per-minute aggregates (the stats series; stats/minuteaggregates.h) ---
    /// Adds what one write transaction counted: each kind's counts and
    /// duration buckets add to its minute's row; the gauges keep, per
    /// minute, their highest value and the latest. In the write transaction
    /// that commits the changes counted, so nothing is ever counted twice.
    virtual bool addMinuteAggregates(const MinuteAggregates &delta) = 0;
    /// Deletes the aggregates of the minutes before `beforeMs`, in the
    /// write transaction. Returns how many rows went, or -1 on failure.
    virtual int purgeMinuteAggregates(qint64 beforeMs) = 0;
    /// The aggregates of the minutes in [fromMs, toMs), summed into steps of
    /// `stepMs` counted from `fromMs`, and per kind over the whole range;
    /// nullopt on failure.
    virtual std::optional<AggregateRange> minuteAggregates(qint64 fromMs, qint64 toMs,
                                                           qint64 stepMs) = 0;
};

} // namespace jobdesk
