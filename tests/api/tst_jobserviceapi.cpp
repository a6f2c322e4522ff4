// The job service's side of the API against a real store: idempotency keys
// (replay, mismatch, in flight, across restarts and purges), admission
// control, the webhook outbox written with the terminal transition, webhook
// attempts in the timeline, metrics and poll hints. No worker is started,
// so jobs stay where the test puts them.

#include "http/apimetrics.h"
#include "jobservice.h"
#include "store/sqlitejobstore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

using namespace jobdesk;

class tst_JobServiceApi : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void sameKeySameRequestReplaysTheFirstAnswer();
    void sameKeyOtherRequestIsRefused_data();
    void sameKeyOtherRequestIsRefused();
    void keyStillBeingStoredIsAConflict();
    void keysSurviveARestart();
    void keysOutliveTheirPurgedJob();
    void expiredKeysArePurged();
    void fullQueueRefusesWithRetryAfter();
    void callbackUrlIsChecked_data();
    void callbackUrlIsChecked();
    void terminalTransitionQueuesTheWebhookInItsCommit();
    void noCallbackNoWebhook();
    void webhookAttemptsJoinTheTimeline();
    void metricsCountSubmitsAndEnds();
    void queuedJobsGetARetryAfter();
    void statsCountsFollowEveryCommit();
    void cancelledWhileWaitingCountsNoRunTime();

private:
    void startService(JobService::Options options = {});
    void stopService();
    /// Stops the service as the calling test function returns, passed or
    /// failed: the callbacks it handed the service capture its locals, and
    /// the stop answers those still waiting. Declare it after those locals.
    [[nodiscard]] auto stopServiceAtReturn()
    {
        return qScopeGuard([this] { stopService(); });
    }
    Result<SubmitOutcome> submitAndWait(const QJsonObject &body, const QString &key = {});
    SubmitCommand command(const QJsonObject &body, const QString &key = {});

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteJobStore> m_store;
    std::unique_ptr<WorkerSupervisor> m_workers;
    std::unique_ptr<JobService> m_service;
    std::unique_ptr<ApiMetrics> m_metrics;
};

namespace {

QJsonObject sleepJob(double seconds = 5, QJsonObject extra = {})
{
    QJsonObject body{{"kind", "demo.sleep"}, {"params", QJsonObject{{"duration_s", seconds}}}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        body.insert(it.key(), it.value());
    return body;
}

} // namespace

void tst_JobServiceApi::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_metrics = std::make_unique<ApiMetrics>();
    startService();
}

void tst_JobServiceApi::cleanup()
{
    stopService();
    m_dir.reset();
}

void tst_JobServiceApi::startService(JobService::Options options)
{
    m_store = std::make_unique<SqliteJobStore>();
    QVERIFY2(m_store->open(m_dir->path()), qPrintable(m_store->lastError()));
    WorkerSupervisor::Options workerOptions;
    workerOptions.workers = 1;
    m_workers = std::make_unique<WorkerSupervisor>(workerOptions); // never started: no dispatch
    options.resultsDir = m_dir->filePath(QStringLiteral("results"));
    if (!options.metrics)
        options.metrics = m_metrics.get();
    m_service = std::make_unique<JobService>(*m_store, *m_workers, KindCatalog::builtin(), options);
    QString error;
    QVERIFY2(m_service->start(&error), qPrintable(error));
}

void tst_JobServiceApi::stopService()
{
    if (m_service)
        m_service->stop();
    m_service.reset();
    m_workers.reset();
    m_store.reset();
}

SubmitCommand tst_JobServiceApi::command(const QJsonObject &body, const QString &key)
{
    Result<SubmitCommand> parsed = m_service->parseSubmit(body, IdempotencyKeySource::Header);
    if (!parsed)
        qFatal("invalid test submit: %s", qPrintable(parsed.error().detail));
    SubmitCommand c = std::move(parsed).value();
    c.request.idempotencyKey = key;
    return c;
}

Result<SubmitOutcome> tst_JobServiceApi::submitAndWait(const QJsonObject &body, const QString &key)
{
    // Shared, not on this frame: after a timeout the answer may still come.
    auto answer = std::make_shared<std::optional<Result<SubmitOutcome>>>();
    m_service->submit(command(body, key), [answer](Result<SubmitOutcome> r) { *answer = r; });
    (void)QTest::qWaitFor([&] { return answer->has_value(); }, 5000);
    if (!answer->has_value())
        return ApiError::make(ErrorCode::Internal, QStringLiteral("no answer"));
    return **answer;
}

void tst_JobServiceApi::sameKeySameRequestReplaysTheFirstAnswer()
{
    const Result<SubmitOutcome> first = submitAndWait(sleepJob(), QStringLiteral("k1"));
    QVERIFY(first.ok());
    QVERIFY(!first.value().replayed);
    const QJsonObject firstJob = QJsonDocument::fromJson(first.value().body).object();
    QCOMPARE(firstJob.value("id").toString(), first.value().jobId);
    QCOMPARE(firstJob.value("rev").toInteger(), first.value().rev);

    // The job moves on; the replay still says what the first answer said.
    std::optional<Result<CancelOutcome>> cancelled;
    const auto stopFirst = stopServiceAtReturn();
    m_service->cancel(first.value().jobId, [&](Result<CancelOutcome> r) { cancelled = r; });
    QTRY_VERIFY(cancelled.has_value());

    // Key order and defaults do not make another request.
    const QJsonObject sameAgain{
        {"params", QJsonObject{{"duration_s", 5}}}, {"kind", "demo.sleep"}, {"priority", 0}};
    const Result<SubmitOutcome> again = submitAndWait(sameAgain, QStringLiteral("k1"));
    QVERIFY(again.ok());
    QVERIFY(again.value().replayed);
    QCOMPARE(again.value().jobId, first.value().jobId);
    QCOMPARE(again.value().rev, first.value().rev);
    QCOMPARE(again.value().body, first.value().body);
    QCOMPARE(m_metrics->jobsSubmitted.value({"demo.sleep"}), 1.0);

    // Without a key, the same request is a new job.
    const Result<SubmitOutcome> unkeyed = submitAndWait(sleepJob());
    QVERIFY(unkeyed.ok());
    QVERIFY(unkeyed.value().jobId != first.value().jobId);
}

void tst_JobServiceApi::sameKeyOtherRequestIsRefused_data()
{
    QTest::addColumn<QJsonObject>("other");
    QTest::addColumn<int>("keySource");
    QTest::newRow("other params") << sleepJob(6) << int(IdempotencyKeySource::Header);
    QTest::newRow("other priority")
        << sleepJob(5, {{"priority", 3}}) << int(IdempotencyKeySource::Header);
    QTest::newRow("a callback_url added")
        << sleepJob(5, {{"callback_url", "http://localhost:9/hook"}})
        << int(IdempotencyKeySource::Header);
    QTest::newRow("over ZeroMQ") << sleepJob(7) << int(IdempotencyKeySource::Field);
}

void tst_JobServiceApi::sameKeyOtherRequestIsRefused()
{
    QFETCH(QJsonObject, other);
    QFETCH(int, keySource);
    QVERIFY(submitAndWait(sleepJob(), QStringLiteral("k2")).ok());
    SubmitCommand c = command(other, QStringLiteral("k2"));
    c.keySource = IdempotencyKeySource(keySource);
    std::optional<Result<SubmitOutcome>> answer;
    const auto stopFirst = stopServiceAtReturn();
    m_service->submit(c, [&](Result<SubmitOutcome> r) { answer = r; });
    QVERIFY(answer); // refused at once: nothing to store
    QVERIFY(!answer->ok());
    QCOMPARE(answer->error().code, ErrorCode::InvalidParams);
    QCOMPARE(answer->error().fieldErrors.value(0).field,
             keySource == int(IdempotencyKeySource::Header) ? QStringLiteral("Idempotency-Key")
                                                            : QStringLiteral("idempotency_key"));
}

void tst_JobServiceApi::keyStillBeingStoredIsAConflict()
{
    std::optional<Result<SubmitOutcome>> first, second, third;
    const auto stopFirst = stopServiceAtReturn();
    m_service->submit(command(sleepJob(), QStringLiteral("k3")), [&](auto r) { first = r; });
    // No event loop in between: the first is queued, not committed.
    m_service->submit(command(sleepJob(), QStringLiteral("k3")), [&](auto r) { second = r; });
    QVERIFY(second);
    QVERIFY(!second->ok());
    QCOMPARE(second->error().code, ErrorCode::Conflict);
    QVERIFY(second->error().retryAfterS >= 1);
    m_service->submit(command(sleepJob(8), QStringLiteral("k3")), [&](auto r) { third = r; });
    QCOMPARE(third->error().code, ErrorCode::InvalidParams);

    QTRY_VERIFY(first.has_value());
    QVERIFY(first->ok());
    const Result<SubmitOutcome> later = submitAndWait(sleepJob(), QStringLiteral("k3"));
    QVERIFY(later.ok());
    QVERIFY(later.value().replayed);
    QCOMPARE(later.value().jobId, first->value().jobId);
}

void tst_JobServiceApi::keysSurviveARestart()
{
    const Result<SubmitOutcome> first = submitAndWait(sleepJob(), QStringLiteral("k4"));
    QVERIFY(first.ok());
    stopService();
    startService();
    const Result<SubmitOutcome> again = submitAndWait(sleepJob(), QStringLiteral("k4"));
    QVERIFY(again.ok());
    QVERIFY(again.value().replayed);
    QCOMPARE(again.value().body, first.value().body);
}

void tst_JobServiceApi::keysOutliveTheirPurgedJob()
{
    const Result<SubmitOutcome> first = submitAndWait(sleepJob(), QStringLiteral("k5"));
    QVERIFY(first.ok());
    std::optional<Result<CancelOutcome>> cancelled;
    const auto stopFirst = stopServiceAtReturn();
    m_service->cancel(first.value().jobId, [&](Result<CancelOutcome> r) { cancelled = r; });
    QTRY_VERIFY(cancelled.has_value());
    stopService();
    {
        SqliteJobStore store;
        QVERIFY(store.open(m_dir->path()));
        QVERIFY(store.begin());
        QVERIFY(store.purgeJob(first.value().jobId));
        QVERIFY(store.commit());
    }
    startService();
    QVERIFY(!m_service->job(first.value().jobId).ok());
    const Result<SubmitOutcome> again = submitAndWait(sleepJob(), QStringLiteral("k5"));
    QVERIFY(again.ok());
    QVERIFY(again.value().replayed);
    QCOMPARE(again.value().jobId, first.value().jobId);
    // The result of a purged job is gone, not unknown.
    const Result<JobService::ResultData> result = m_service->result(first.value().jobId);
    QCOMPARE(result.error().code, ErrorCode::Gone);
}

void tst_JobServiceApi::expiredKeysArePurged()
{
    QVERIFY(submitAndWait(sleepJob(), QStringLiteral("k6")).ok());
    stopService();
    {
        // Made a day and a minute old.
        SqliteJobStore store;
        QVERIFY(store.open(m_dir->path()));
        const qint64 old = QDateTime::currentMSecsSinceEpoch() - (24 * 3600 + 60) * 1000LL;
        QVERIFY(store.begin());
        QCOMPARE(store.purgeIdempotencyRecords(QDateTime::currentMSecsSinceEpoch() + 1000, 10), 1);
        QVERIFY(store.putIdempotencyRecord({QStringLiteral("k6"), "f", "x", 202, "{}", old}));
        QVERIFY(store.putIdempotencyRecord(
            {QStringLiteral("fresh"), "f", "y", 202, "{}", QDateTime::currentMSecsSinceEpoch()}));
        QVERIFY(store.commit());
    }
    startService(); // housekeeping runs at start
    QTRY_VERIFY(!m_store->idempotencyRecord(QStringLiteral("k6")));
    QVERIFY(m_store->idempotencyRecord(QStringLiteral("fresh")));
}

void tst_JobServiceApi::fullQueueRefusesWithRetryAfter()
{
    stopService();
    JobService::Options options;
    options.maxPending = 2;
    startService(options);
    QVERIFY(submitAndWait(sleepJob(), QStringLiteral("a")).ok());
    QVERIFY(submitAndWait(sleepJob()).ok());
    const Result<SubmitOutcome> refused = submitAndWait(sleepJob());
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, ErrorCode::Unavailable);
    QVERIFY(refused.error().retryAfterS >= 1);
    QVERIFY(refused.error().detail.contains("max-pending"));
    // A repeat of an accepted submit adds nothing: it is still answered.
    const Result<SubmitOutcome> replay = submitAndWait(sleepJob(), QStringLiteral("a"));
    QVERIFY(replay.ok());
    QVERIFY(replay.value().replayed);
    QCOMPARE(m_service->queueDepth(), 2);
}

void tst_JobServiceApi::callbackUrlIsChecked_data()
{
    QTest::addColumn<QJsonValue>("url");
    QTest::addColumn<bool>("valid");
    QTest::newRow("loopback") << QJsonValue("http://127.0.0.1:8000/hook") << true;
    QTest::newRow("null means none") << QJsonValue(QJsonValue::Null) << true;
    QTest::newRow("not allowed") << QJsonValue("http://example.com/hook") << false;
    QTest::newRow("metadata") << QJsonValue("http://169.254.169.254/") << false;
    QTest::newRow("not a string") << QJsonValue(42) << false;
    QTest::newRow("empty") << QJsonValue("") << false;
}

void tst_JobServiceApi::callbackUrlIsChecked()
{
    QFETCH(QJsonValue, url);
    QFETCH(bool, valid);
    const Result<SubmitCommand> parsed =
        m_service->parseSubmit(sleepJob(5, {{"callback_url", url}}), IdempotencyKeySource::Header);
    QCOMPARE(parsed.ok(), valid);
    if (!valid) {
        QCOMPARE(parsed.error().code, ErrorCode::InvalidParams);
        QCOMPARE(parsed.error().fieldErrors.value(0).field, QStringLiteral("callback_url"));
    }
    // Alongside other errors, every field is named.
    if (!valid) {
        QJsonObject both = sleepJob(5, {{"callback_url", url}, {"bogus", 1}});
        const Result<SubmitCommand> two =
            m_service->parseSubmit(both, IdempotencyKeySource::Header);
        QCOMPARE(two.error().fieldErrors.size(), 2);
    }
}

void tst_JobServiceApi::terminalTransitionQueuesTheWebhookInItsCommit()
{
    QSignalSpy queued(m_service.get(), &JobService::webhookQueued);
    const Result<SubmitOutcome> submitted =
        submitAndWait(sleepJob(5, {{"callback_url", "http://localhost:9/hook"}}));
    QVERIFY(submitted.ok());
    QCOMPARE(queued.size(), 0);
    QVERIFY(m_store->webhooks(submitted.value().jobId).isEmpty());

    std::optional<Result<CancelOutcome>> cancelled;
    const auto stopFirst = stopServiceAtReturn();
    m_service->cancel(submitted.value().jobId, [&](Result<CancelOutcome> r) {
        cancelled = r;
        // Answered after the commit, which already holds the delivery.
        QCOMPARE(m_store->webhooks(submitted.value().jobId).size(), 1);
    });
    QTRY_VERIFY(cancelled.has_value());
    QCOMPARE(queued.size(), 1);
    const WebhookDelivery d = queued.first().first().value<WebhookDelivery>();
    QCOMPARE(m_store->webhooks(submitted.value().jobId), QList<WebhookDelivery>{d});
    QCOMPARE(d.eventType, QStringLiteral("job.cancelled"));
    QCOMPARE(d.url, QStringLiteral("http://localhost:9/hook"));
    const QJsonObject body = QJsonDocument::fromJson(d.body).object();
    QCOMPARE(body.value("type").toString(), QStringLiteral("job.cancelled"));
    const QJsonObject data = body.value("data").toObject();
    QCOMPARE(data.value("status").toString(), QStringLiteral("CANCELLED"));
    QCOMPARE(data.value("rev").toInteger(), cancelled->value().job.rev);
    QVERIFY(!data.contains("callback_url")); // internal, never serialized

    // While it is pending the job is not purged, whatever its age.
    QVERIFY(m_store->finishedBefore(QDateTime::currentMSecsSinceEpoch() + 3600000, 10).isEmpty());
}

void tst_JobServiceApi::noCallbackNoWebhook()
{
    QSignalSpy queued(m_service.get(), &JobService::webhookQueued);
    const Result<SubmitOutcome> submitted = submitAndWait(sleepJob());
    std::optional<Result<CancelOutcome>> cancelled;
    const auto stopFirst = stopServiceAtReturn();
    m_service->cancel(submitted.value().jobId, [&](Result<CancelOutcome> r) { cancelled = r; });
    QTRY_VERIFY(cancelled.has_value());
    QCOMPARE(queued.size(), 0);
}

void tst_JobServiceApi::webhookAttemptsJoinTheTimeline()
{
    QSignalSpy queued(m_service.get(), &JobService::webhookQueued);
    const Result<SubmitOutcome> submitted =
        submitAndWait(sleepJob(5, {{"callback_url", "http://localhost:9/hook"}}));
    const QString id = submitted.value().jobId;
    std::optional<Result<CancelOutcome>> cancelled;
    std::optional<bool> stored;
    const auto stopFirst = stopServiceAtReturn();
    m_service->cancel(id, [&](Result<CancelOutcome> r) { cancelled = r; });
    QTRY_COMPARE(queued.size(), 1);
    WebhookDelivery d = queued.first().first().value<WebhookDelivery>();
    const qint64 revBefore = m_service->job(id).value().rev;

    d.attempts = 1;
    d.lastStatus = 500;
    d.lastError = QStringLiteral("answered 500");
    d.nextAttemptAtMs += 5000;
    m_service->recordWebhookAttempt(d, QJsonObject{{"webhook_id", d.id}, {"outcome", "failed"}},
                                    [&](bool ok) { stored = ok; });
    QTRY_VERIFY(stored.has_value());
    QVERIFY(*stored);
    QCOMPARE(m_store->webhooks(id), QList<WebhookDelivery>{d});
    const QList<JobEvent> events = m_service->events(id).value();
    QCOMPARE(events.last().type, QStringLiteral("webhook"));
    QCOMPARE(events.last().data.value("outcome").toString(), QStringLiteral("failed"));
    QCOMPARE(events.last().seq, events.size());
    // The timeline grows; the job object (and its rev) does not change.
    QCOMPARE(m_service->job(id).value().rev, revBefore);

    d.attempts = 2;
    d.state = WebhookDelivery::State::Delivered;
    m_service->recordWebhookAttempt(d, QJsonObject{{"outcome", "delivered"}}, [](bool) {});
    QTRY_COMPARE(m_service->events(id).value().size(), events.size() + 1);
    QVERIFY(m_store->pendingWebhooks().isEmpty());
    QCOMPARE(m_store->finishedBefore(QDateTime::currentMSecsSinceEpoch() + 3600000, 10).size(), 1);
}

void tst_JobServiceApi::metricsCountSubmitsAndEnds()
{
    const Result<SubmitOutcome> a = submitAndWait(sleepJob());
    QVERIFY(submitAndWait(sleepJob()).ok());
    std::optional<Result<CancelOutcome>> cancelled;
    const auto stopFirst = stopServiceAtReturn();
    m_service->cancel(a.value().jobId, [&](Result<CancelOutcome> r) { cancelled = r; });
    QTRY_VERIFY(cancelled.has_value());
    QCOMPARE(m_metrics->jobsSubmitted.value({"demo.sleep"}), 2.0);
    QCOMPARE(m_metrics->jobsFinished.value({"demo.sleep", "CANCELLED"}), 1.0);
    // Never started: no run time to observe.
    QCOMPARE(m_metrics->jobDuration.series({}).count, 0u);
}

void tst_JobServiceApi::queuedJobsGetARetryAfter()
{
    QList<QString> ids;
    for (int i = 0; i < 5; ++i)
        ids << submitAndWait(sleepJob()).value().jobId;
    const std::shared_ptr<const QueueGauge> gauge = m_service->queueGauge();
    QCOMPARE(gauge->pending(), 5);
    QCOMPARE(gauge->bands.size(), std::size_t(1));
    const auto first = m_service->snapshot(ids.first());
    const auto last = m_service->snapshot(ids.last());
    QVERIFY(first && last);
    QCOMPARE(gauge->ahead(first->poll), 0);
    QCOMPARE(gauge->ahead(last->poll), 4);
    QVERIFY(m_service->suggestRetryAfterS(*first) >= 1);
    QVERIFY(m_service->suggestRetryAfterS(*last) >= m_service->suggestRetryAfterS(*first));
    std::optional<Result<CancelOutcome>> cancelled;
    const auto stopFirst = stopServiceAtReturn();
    m_service->cancel(ids.first(), [&](Result<CancelOutcome> r) { cancelled = r; });
    QTRY_VERIFY(cancelled.has_value());
    QCOMPARE(m_service->suggestRetryAfterS(*m_service->snapshot(ids.first())), 0);
    QCOMPARE(m_service->queueGauge()->pending(), 4);
}

void tst_JobServiceApi::statsCountsFollowEveryCommit()
{
    // A dead letter and a long-finished job left by an earlier run.
    stopService();
    {
        SqliteJobStore store;
        QVERIFY(store.open(m_dir->path()));
        const qint64 old = QDateTime::currentMSecsSinceEpoch() - 72 * 3600 * 1000LL;
        Job dead;
        dead.id = QStringLiteral("0193a0c4-0000-7000-8000-000000000001");
        dead.kind = QStringLiteral("demo.sleep");
        dead.status = JobStatus::Failed;
        dead.deadLetter = true;
        dead.attempt = dead.attemptLimit = 3;
        dead.error = JobError{QStringLiteral("job_error"), QStringLiteral("boom")};
        dead.createdAtMs = dead.updatedAtMs = dead.finishedAtMs =
            QDateTime::currentMSecsSinceEpoch();
        Job expired = dead;
        expired.id = QStringLiteral("0193a0c4-0000-7000-8000-000000000002");
        expired.status = JobStatus::Completed;
        expired.deadLetter = false;
        expired.error.reset();
        expired.createdAtMs = expired.updatedAtMs = expired.finishedAtMs = old;
        QVERIFY(store.begin());
        dead.rev = store.nextRev();
        QVERIFY(store.insertJob(dead));
        expired.rev = store.nextRev();
        QVERIFY(store.insertJob(expired));
        QVERIFY(store.commit());
    }
    startService(); // its housekeeping purges the expired job

    const auto counts = [this] {
        const Result<QJsonObject> stats =
            m_service->stats(StatsRange::lastHour(QDateTime::currentMSecsSinceEpoch()));
        return stats ? stats.value() : QJsonObject();
    };
    // The counts kept at commit agree with a scan of the store, step by step.
    const auto agreeWithTheStore = [&] {
        const QJsonObject stats = counts();
        const QJsonObject byStatus = stats.value(QStringLiteral("counts")).toObject();
        const QHash<JobStatus, qint64> scanned = m_store->countsByStatus();
        for (JobStatus status : kAllStatuses) {
            if (byStatus.value(statusName(status)).toInteger() != scanned.value(status))
                return false;
        }
        return stats.value(QStringLiteral("dead_letter")).toInteger() == m_store->deadLetterCount();
    };
    QTRY_VERIFY(!m_store->job(QStringLiteral("0193a0c4-0000-7000-8000-000000000002")));
    QVERIFY(agreeWithTheStore());
    QCOMPARE(counts().value("dead_letter").toInteger(), 1);
    QCOMPARE(counts().value("counts").toObject().value("COMPLETED").toInteger(), 0);

    const QString a = submitAndWait(sleepJob()).value().jobId;
    QVERIFY(submitAndWait(sleepJob()).ok());
    QVERIFY(agreeWithTheStore());
    QCOMPARE(counts().value("counts").toObject().value("PENDING").toInteger(), 2);

    std::optional<Result<CancelOutcome>> cancelled;
    std::optional<Result<Job>> redriven;
    const auto stopFirst = stopServiceAtReturn();
    m_service->cancel(a, [&](Result<CancelOutcome> r) { cancelled = r; });
    QTRY_VERIFY(cancelled.has_value());
    QVERIFY(agreeWithTheStore());
    QCOMPARE(counts().value("counts").toObject().value("CANCELLED").toInteger(), 1);

    // Re-driving the dead letter takes it out of FAILED and the dead letters.
    m_service->retry(QStringLiteral("0193a0c4-0000-7000-8000-000000000001"),
                     [&](Result<Job> r) { redriven = r; });
    QTRY_VERIFY(redriven.has_value());
    QVERIFY(redriven->ok());
    QVERIFY(agreeWithTheStore());
    QCOMPARE(counts().value("dead_letter").toInteger(), 0);
    QCOMPARE(counts().value("counts").toObject().value("PENDING").toInteger(), 2);

    // And after a restart, from the one scan at start.
    stopService();
    startService();
    QVERIFY(agreeWithTheStore());
    QCOMPARE(counts().value("counts").toObject().value("PENDING").toInteger(), 2);
}

void tst_JobServiceApi::cancelledWhileWaitingCountsNoRunTime()
{
    // A job whose first attempt ran an hour ago and now waits for its retry.
    stopService();
    const QString id = QStringLiteral("0193a0c4-0000-7000-8000-000000000003");
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    {
        SqliteJobStore store;
        QVERIFY(store.open(m_dir->path()));
        Job waiting;
        waiting.id = id;
        waiting.kind = QStringLiteral("demo.sleep");
        waiting.status = JobStatus::Retrying;
        waiting.attempt = 1;
        waiting.createdAtMs = now - 3600 * 1000;
        waiting.startedAtMs = now - 3600 * 1000;
        waiting.updatedAtMs = now - 3000 * 1000;
        waiting.nextAttemptAtMs = now + 3600 * 1000;
        QVERIFY(store.begin());
        waiting.rev = store.nextRev();
        QVERIFY(store.insertJob(waiting));
        QVERIFY(store.commit());
    }
    startService();
    std::optional<Result<CancelOutcome>> cancelled;
    const auto stopFirst = stopServiceAtReturn();
    m_service->cancel(id, [&](Result<CancelOutcome> r) { cancelled = r; });
    QTRY_VERIFY(cancelled.has_value());
    QCOMPARE(cancelled->value().job.status, JobStatus::Cancelled);
    QCOMPARE(m_metrics->jobsFinished.value({"demo.sleep", "CANCELLED"}), 1.0);
    // The hour it waited is not a run time, in /metrics or in the stats.
    QCOMPARE(m_metrics->jobDuration.series({}).count, 0u);
    const Result<QJsonObject> stats = m_service->stats(StatsRange::lastHour(now + 60000));
    QVERIFY(stats.ok());
    const QJsonArray kinds = stats.value().value(QStringLiteral("kinds")).toArray();
    QCOMPARE(kinds.size(), 1);
    const QJsonObject sleep = kinds.first().toObject();
    QCOMPARE(sleep.value(QStringLiteral("kind")).toString(), QStringLiteral("demo.sleep"));
    QCOMPARE(sleep.value(QStringLiteral("cancelled")).toInteger(), 1);
    QCOMPARE(sleep.value(QStringLiteral("duration"))
                 .toObject()
                 .value(QStringLiteral("count"))
                 .toInteger(),
             0);
}

QTEST_GUILESS_MAIN(tst_JobServiceApi)
#include "tst_jobserviceapi.moc"
