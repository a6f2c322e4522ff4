#pragma once

#include "store/sqlitejobstore.h"

#include <QTimer>

/// A real SqliteJobStore whose next commits can be made to fail (and roll
/// back), as a full disk would: for the write path's failure handling
/// without a tmpfs.
class FailingCommitStore final : public jobdesk::JobStore
{
public:
    /// How many of the next commits fail.
    int failCommits = 0;
    /// If set, a failing commitInBackground() says so only after this long,
    /// the event loop running meanwhile (a slow disk that then gives up).
    int failLateMs = 0;
    /// Called as a commit that is to fail late begins (inside the caller's
    /// commitInBackground(): it may only schedule work).
    std::function<void()> onLateCommitBegun;
    /// Called just before a late failure is reported.
    std::function<void()> onLateFailure;
    /// If set, a commit in the background that succeeds starts only after
    /// this long (a slow disk), the event loop running meanwhile.
    int slowMs = 0;

    bool open(const QString &dataDir) override { return m_store.open(dataDir); }
    void close() override { m_store.close(); }
    bool isOpen() const override { return m_store.isOpen(); }
    QString lastError() const override
    {
        return m_failed ? QStringLiteral("injected commit failure") : m_store.lastError();
    }

    bool begin() override
    {
        m_failed = false;
        return m_store.begin();
    }
    bool commit() override
    {
        if (failCommits > 0) {
            --failCommits;
            m_store.rollback();
            m_failed = true;
            return false;
        }
        return m_store.commit();
    }
    void commitInBackground(std::function<void(bool committed)> done) override
    {
        if (failCommits > 0 && failLateMs > 0) {
            // The transaction stays open until the failure is reported, as
            // while a real COMMIT runs.
            --failCommits;
            m_lateFailure = std::move(done);
            m_lateTimer.setSingleShot(true);
            QObject::connect(&m_lateTimer, &QTimer::timeout, [this] { reportLateFailure(); });
            m_lateTimer.start(failLateMs);
            if (onLateCommitBegun)
                onLateCommitBegun();
            return;
        }
        if (failCommits > 0) {
            done(commit());
            return;
        }
        if (slowMs > 0) {
            m_slowCommit = std::move(done);
            m_slowTimer.setSingleShot(true);
            QObject::connect(&m_slowTimer, &QTimer::timeout, [this] { startSlowCommit(); });
            m_slowTimer.start(slowMs);
            return;
        }
        m_store.commitInBackground(std::move(done));
    }
    void waitForBackgroundCommit() override
    {
        reportLateFailure();
        startSlowCommit();
        m_store.waitForBackgroundCommit();
    }
    void rollback() override { m_store.rollback(); }
    qint64 nextRev() override { return m_store.nextRev(); }
    qint64 nextFence() override { return m_store.nextFence(); }
    bool insertJob(const jobdesk::Job &job) override { return m_store.insertJob(job); }
    bool updateJob(const jobdesk::Job &job) override { return m_store.updateJob(job); }
    bool appendEvent(const QString &id, const jobdesk::JobEvent &event) override
    {
        return m_store.appendEvent(id, event);
    }
    bool putResultBlob(const QString &id, const QByteArray &data) override
    {
        return m_store.putResultBlob(id, data);
    }
    bool purgeJob(const QString &id) override { return m_store.purgeJob(id); }
    bool putIdempotencyRecord(const jobdesk::IdempotencyRecord &record) override
    {
        return m_store.putIdempotencyRecord(record);
    }
    int purgeIdempotencyRecords(qint64 beforeMs, int limit) override
    {
        return m_store.purgeIdempotencyRecords(beforeMs, limit);
    }
    bool insertWebhook(const jobdesk::WebhookDelivery &d) override
    {
        return m_store.insertWebhook(d);
    }
    bool updateWebhook(const jobdesk::WebhookDelivery &d) override
    {
        return m_store.updateWebhook(d);
    }
    bool checkpoint() override { return m_store.checkpoint(); }

    // Reads report their own errors, not the injected one.
    std::optional<jobdesk::Job> job(const QString &id) override
    {
        m_failed = false;
        return m_store.job(id);
    }
    QList<jobdesk::Job> unfinishedJobs() override
    {
        m_failed = false;
        return m_store.unfinishedJobs();
    }
    jobdesk::ListPage list(const jobdesk::ListQuery &query) override { return m_store.list(query); }
    jobdesk::ChangesPage changesSince(qint64 rev, int limit) override
    {
        return m_store.changesSince(rev, limit);
    }
    QList<jobdesk::JobEvent> events(const QString &id) override { return m_store.events(id); }
    std::optional<QByteArray> resultBlob(const QString &id) override
    {
        return m_store.resultBlob(id);
    }
    QHash<jobdesk::JobStatus, qint64> countsByStatus() override { return m_store.countsByStatus(); }
    qint64 deadLetterCount() override { return m_store.deadLetterCount(); }
    qint64 currentRev() override { return m_store.currentRev(); }
    QList<jobdesk::Job> finishedBefore(qint64 beforeMs, int limit) override
    {
        return m_store.finishedBefore(beforeMs, limit);
    }
    std::optional<jobdesk::IdempotencyRecord> idempotencyRecord(const QString &key) override
    {
        return m_store.idempotencyRecord(key);
    }
    bool wasPurged(const QString &id) override { return m_store.wasPurged(id); }
    std::optional<QSet<QString>> resultFileNames() override { return m_store.resultFileNames(); }
    QList<jobdesk::WebhookDelivery> pendingWebhooks() override { return m_store.pendingWebhooks(); }
    QList<jobdesk::WebhookDelivery> webhooks(const QString &id) override
    {
        return m_store.webhooks(id);
    }
    bool addMinuteAggregates(const jobdesk::MinuteAggregates &delta) override
    {
        return m_store.addMinuteAggregates(delta);
    }
    int purgeMinuteAggregates(qint64 beforeMs) override
    {
        return m_store.purgeMinuteAggregates(beforeMs);
    }
    std::optional<jobdesk::AggregateRange> minuteAggregates(qint64 fromMs, qint64 toMs,
                                                            qint64 stepMs) override
    {
        return m_store.minuteAggregates(fromMs, toMs, stepMs);
    }

private:
    void reportLateFailure()
    {
        if (!m_lateFailure)
            return;
        m_lateTimer.stop();
        QObject::disconnect(&m_lateTimer, nullptr, nullptr, nullptr);
        const auto done = std::move(m_lateFailure);
        m_lateFailure = nullptr;
        if (onLateFailure)
            onLateFailure();
        m_store.rollback();
        m_failed = true;
        done(false);
    }
    void startSlowCommit()
    {
        if (!m_slowCommit)
            return;
        m_slowTimer.stop();
        QObject::disconnect(&m_slowTimer, nullptr, nullptr, nullptr);
        auto done = std::move(m_slowCommit);
        m_slowCommit = nullptr;
        m_store.commitInBackground(std::move(done));
    }

    jobdesk::SqliteJobStore m_store;
    bool m_failed = false;
    QTimer m_lateTimer;
    std::function<void(bool)> m_lateFailure;
    QTimer m_slowTimer;
    std::function<void(bool)> m_slowCommit;
};
