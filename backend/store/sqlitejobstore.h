#pragma once

#include "committhread.h"
#include "jobstore.h"

#include <QString>
#include <memory>

namespace jobdesk {

/// The embedded job store: one SQLite file, `<dataDir>/jobdesk.db`, in WAL
/// mode with `synchronous=FULL`.
///
/// It keeps two connections, both owned by the thread that calls open() and
/// only usable from it: a writer for the write transaction and a read-only
/// reader, so list and stats reads see committed state and never queue behind
/// an open write transaction. Every statement is prepared once per connection.
///
/// Mutations (insertJob, updateJob, appendEvent, putResultBlob, purgeJob,
/// the idempotency and webhook writes) are refused outside begin()/commit(). Each call clears
/// lastError() first, so an empty lastError() after a nullopt or an empty page means "not found",
/// not "failed".
class SqliteJobStore final : public JobStore
{
public:
    SqliteJobStore();
    ~SqliteJobStore() override;

    SqliteJobStore(const SqliteJobStore &) = delete;
    SqliteJobStore &operator=(const SqliteJobStore &) = delete;

    /// The schema version open() migrates every database to (PRAGMA user_version).
    static int latestSchemaVersion();

    bool open(const QString &dataDir) override;
    void close() override;
    bool isOpen() const override;
    QString lastError() const override;

    bool begin() override;
    /// Writes the rev and fence counters, then commits. A failed commit is
    /// rolled back (counters included) and returns false.
    bool commit() override;
    /// COMMIT runs on the store's commit thread; the counters are written
    /// before, on the calling thread.
    void commitInBackground(std::function<void(bool committed)> done) override;
    void waitForBackgroundCommit() override;
    void rollback() override;
    qint64 nextRev() override;
    qint64 nextFence() override;
    bool insertJob(const Job &job) override;
    bool updateJob(const Job &job) override;
    bool appendEvent(const QString &jobId, const JobEvent &event) override;
    bool putResultBlob(const QString &jobId, const QByteArray &data) override;

    /// Needs an open write transaction; false, changing nothing, for an
    /// unknown id. Events and the result blob go with the row.
    bool purgeJob(const QString &id) override;
    /// Fails (changing nothing) when the key is already stored.
    bool putIdempotencyRecord(const IdempotencyRecord &record) override;
    int purgeIdempotencyRecords(qint64 beforeMs, int limit) override;
    bool insertWebhook(const WebhookDelivery &delivery) override;
    /// False, changing nothing, for an unknown delivery id.
    bool updateWebhook(const WebhookDelivery &delivery) override;
    bool checkpoint() override;

    std::optional<Job> job(const QString &id) override;
    QList<Job> unfinishedJobs() override;
    /// An invalid cursor gives an empty page and sets lastError().
    ListPage list(const ListQuery &query) override;
    ChangesPage changesSince(qint64 rev, int limit) override;
    QList<JobEvent> events(const QString &jobId) override;
    std::optional<QByteArray> resultBlob(const QString &jobId) override;
    /// Every status is present, with 0 when no job has it.
    QHash<JobStatus, qint64> countsByStatus() override;
    qint64 deadLetterCount() override;
    qint64 currentRev() override;
    QList<Job> finishedBefore(qint64 beforeMs, int limit) override;
    std::optional<QSet<QString>> resultFileNames() override;
    std::optional<IdempotencyRecord> idempotencyRecord(const QString &key) override;
    bool wasPurged(const QString &id) override;
    QList<WebhookDelivery> pendingWebhooks() override;
    QList<WebhookDelivery> webhooks(const QString &jobId) override;

    bool addMinuteAggregates(const MinuteAggregates &delta) override;
    int purgeMinuteAggregates(qint64 beforeMs) override;
    std::optional<AggregateRange> minuteAggregates(qint64 fromMs, qint64 toMs,
                                                   qint64 stepMs) override;

private:
    struct Connections;

    bool fail(const QString &message);
    bool requireOpen();
    bool requireTransaction(const char *operation);
    bool loadCounters();
    bool saveCounters();
    /// Takes in the outcome of a COMMIT (`error` empty if it held).
    bool commitDone(const QString &error);

    std::unique_ptr<Connections> m_db;
    QString m_lastError;
    bool m_inTransaction = false;
    // The counters handed out so far, and their values at the last commit
    // (what rollback() returns to and what meta holds).
    qint64 m_rev = 0;
    qint64 m_fence = 0;
    qint64 m_committedRev = 0;
    // Last: destroyed first, so no commit is still running on the
    // connections above when they close.
    CommitThread m_commitThread;
};

} // namespace jobdesk
