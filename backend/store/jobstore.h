#pragma once

#include "job.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

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
};

/// One entry of a job's timeline.
struct JobEvent
{
    qint64 seq = 0; // per job, from 1
    qint64 atMs = 0;
    QString type;    // "state", "attempt", "interrupted", ...
    QJsonObject data;

    QJsonObject toJson() const;
};

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
    virtual QString lastError() const = 0;

    // --- the write transaction ---
    virtual bool begin() = 0;
    virtual bool commit() = 0;
    virtual void rollback() = 0;
    /// The next value of the store-wide change counter. Values taken in a
    /// transaction that rolls back may be reused; committed ones never are.
    virtual qint64 nextRev() = 0;
    /// The next fencing number for a dispatch; never reused once committed.
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
    /// Terminal jobs that finished before `beforeMs`, oldest first.
    virtual QList<Job> finishedBefore(qint64 beforeMs, int limit) = 0;
};

} // namespace jobdesk
