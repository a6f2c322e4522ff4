// The store's part of the API: idempotency records and the webhook outbox,
// durable across reopening, and the purge rule for pending deliveries.

#include "store/sqlitejobstore.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace jobdesk;

class tst_ApiStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void idempotencyRecordsSurviveReopening();
    void aKeyIsStoredOnce();
    void idempotencyRecordsOutliveTheirJob();
    void oldKeysArePurgedInBatches();
    void outboxRoundTrip();
    void pendingDeliveryHoldsOffThePurge();
    void outboxRowsGoWithTheirJob();
    void writesNeedATransaction();
    void upgradesAVersionTwoStore();

private:
    bool addJob(const QString &id, qint64 finishedAtMs = 0);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteJobStore> m_store;
};

namespace {

const QString kJob = QStringLiteral("0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b");
const QString kOther = QStringLiteral("0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4c");

WebhookDelivery makeDelivery(const QString &id, const QString &jobId, qint64 due)
{
    WebhookDelivery d;
    d.id = id;
    d.jobId = jobId;
    d.url = QStringLiteral("http://localhost:9/hook");
    d.eventType = QStringLiteral("job.completed");
    d.body = R"({"type":"job.completed"})";
    d.createdAtMs = due;
    d.nextAttemptAtMs = due;
    return d;
}

} // namespace

void tst_ApiStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<SqliteJobStore>();
    QVERIFY2(m_store->open(m_dir->path()), qPrintable(m_store->lastError()));
    QVERIFY(m_store->isOpen());
}

void tst_ApiStore::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

bool tst_ApiStore::addJob(const QString &id, qint64 finishedAtMs)
{
    Job job;
    job.id = id;
    job.kind = QStringLiteral("demo.sleep");
    job.status = finishedAtMs > 0 ? JobStatus::Completed : JobStatus::Pending;
    job.createdAtMs = 1000;
    job.finishedAtMs = finishedAtMs;
    if (!m_store->begin())
        return false;
    job.rev = m_store->nextRev();
    if (!m_store->insertJob(job)) {
        m_store->rollback();
        return false;
    }
    return m_store->commit();
}

void tst_ApiStore::idempotencyRecordsSurviveReopening()
{
    QVERIFY(addJob(kJob));
    const IdempotencyRecord record{QStringLiteral("key-1"),
                                   R"({"kind":"demo.sleep"})",
                                   kJob,
                                   202,
                                   R"({"id":"x","rev":1})",
                                   12345};
    QVERIFY(m_store->begin());
    QVERIFY(m_store->putIdempotencyRecord(record));
    QVERIFY(m_store->commit());
    QVERIFY(!m_store->idempotencyRecord(QStringLiteral("key-2")));
    QVERIFY(m_store->lastError().isEmpty());

    m_store = std::make_unique<SqliteJobStore>();
    QVERIFY(m_store->open(m_dir->path()));
    const std::optional<IdempotencyRecord> read =
        m_store->idempotencyRecord(QStringLiteral("key-1"));
    QVERIFY(read);
    QCOMPARE(read->fingerprint, record.fingerprint);
    QCOMPARE(read->jobId, kJob);
    QCOMPARE(read->statusCode, 202);
    QCOMPARE(read->response, record.response);
    QCOMPARE(read->createdAtMs, 12345);
}

void tst_ApiStore::aKeyIsStoredOnce()
{
    QVERIFY(m_store->begin());
    QVERIFY(m_store->putIdempotencyRecord({QStringLiteral("k"), "a", kJob, 202, "{}", 1}));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("putIdempotencyRecord"));
    QVERIFY(!m_store->putIdempotencyRecord({QStringLiteral("k"), "b", kJob, 202, "{}", 2}));
    m_store->rollback();
}

void tst_ApiStore::idempotencyRecordsOutliveTheirJob()
{
    QVERIFY(addJob(kJob, 5000));
    QVERIFY(m_store->begin());
    QVERIFY(m_store->putIdempotencyRecord({QStringLiteral("k"), "f", kJob, 202, "{}", 1}));
    QVERIFY(m_store->commit());
    QVERIFY(!m_store->wasPurged(kJob));
    QVERIFY(m_store->begin());
    QVERIFY(m_store->purgeJob(kJob));
    QVERIFY(m_store->commit());
    QVERIFY(m_store->wasPurged(kJob));
    QVERIFY(!m_store->wasPurged(kOther));
    QVERIFY(m_store->idempotencyRecord(QStringLiteral("k")));
}

void tst_ApiStore::oldKeysArePurgedInBatches()
{
    QVERIFY(m_store->begin());
    for (int i = 0; i < 5; ++i)
        QVERIFY(m_store->putIdempotencyRecord(
            {QStringLiteral("old%1").arg(i), "f", kJob, 202, "{}", 100 + i}));
    QVERIFY(m_store->putIdempotencyRecord({QStringLiteral("new"), "f", kJob, 202, "{}", 10000}));
    QVERIFY(m_store->commit());

    QVERIFY(m_store->begin());
    QCOMPARE(m_store->purgeIdempotencyRecords(5000, 3), 3);
    QVERIFY(m_store->commit());
    // The oldest went first.
    QVERIFY(!m_store->idempotencyRecord(QStringLiteral("old0")));
    QVERIFY(m_store->idempotencyRecord(QStringLiteral("old3")));
    QVERIFY(m_store->begin());
    QCOMPARE(m_store->purgeIdempotencyRecords(5000, 3), 2);
    QCOMPARE(m_store->purgeIdempotencyRecords(5000, 3), 0);
    QVERIFY(m_store->commit());
    QVERIFY(m_store->idempotencyRecord(QStringLiteral("new")));
}

void tst_ApiStore::outboxRoundTrip()
{
    QVERIFY(addJob(kJob, 5000));
    WebhookDelivery later = makeDelivery(QStringLiteral("msg_b"), kJob, 9000);
    WebhookDelivery sooner = makeDelivery(QStringLiteral("msg_a"), kJob, 7000);
    QVERIFY(m_store->begin());
    QVERIFY(m_store->insertWebhook(later));
    QVERIFY(m_store->insertWebhook(sooner));
    QVERIFY(m_store->commit());
    QCOMPARE(m_store->pendingWebhooks(), (QList<WebhookDelivery>{sooner, later}));

    sooner.attempts = 1;
    sooner.state = WebhookDelivery::State::Delivered;
    sooner.lastStatus = 204;
    later.attempts = 3;
    later.nextAttemptAtMs = 20000;
    later.lastStatus = 500;
    later.lastError = QStringLiteral("answered 500");
    QVERIFY(m_store->begin());
    QVERIFY(m_store->updateWebhook(sooner));
    QVERIFY(m_store->updateWebhook(later));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("no webhook msg_z"));
    QVERIFY(!m_store->updateWebhook(makeDelivery(QStringLiteral("msg_z"), kJob, 1)));
    QVERIFY(m_store->commit());

    m_store = std::make_unique<SqliteJobStore>();
    QVERIFY(m_store->open(m_dir->path()));
    QCOMPARE(m_store->pendingWebhooks(), QList<WebhookDelivery>{later});
    QCOMPARE(m_store->webhooks(kJob), (QList<WebhookDelivery>{sooner, later}));
}

void tst_ApiStore::pendingDeliveryHoldsOffThePurge()
{
    QVERIFY(addJob(kJob, 5000));
    QVERIFY(addJob(kOther, 6000));
    WebhookDelivery d = makeDelivery(QStringLiteral("msg_a"), kJob, 5000);
    QVERIFY(m_store->begin());
    QVERIFY(m_store->insertWebhook(d));
    QVERIFY(m_store->commit());
    QList<Job> expired = m_store->finishedBefore(100000, 10);
    QCOMPARE(expired.size(), 1);
    QCOMPARE(expired.first().id, kOther);

    d.state = WebhookDelivery::State::Gone;
    QVERIFY(m_store->begin());
    QVERIFY(m_store->updateWebhook(d));
    QVERIFY(m_store->commit());
    expired = m_store->finishedBefore(100000, 10);
    QCOMPARE(expired.size(), 2);
}

void tst_ApiStore::outboxRowsGoWithTheirJob()
{
    QVERIFY(addJob(kJob, 5000));
    WebhookDelivery d = makeDelivery(QStringLiteral("msg_a"), kJob, 5000);
    d.state = WebhookDelivery::State::Delivered;
    QVERIFY(m_store->begin());
    QVERIFY(m_store->insertWebhook(d));
    QVERIFY(m_store->purgeJob(kJob));
    QVERIFY(m_store->commit());
    QVERIFY(m_store->webhooks(kJob).isEmpty());
    // A delivery needs its job.
    QVERIFY(m_store->begin());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("insertWebhook"));
    QVERIFY(!m_store->insertWebhook(makeDelivery(QStringLiteral("msg_b"), kOther, 1)));
    m_store->rollback();
}

void tst_ApiStore::writesNeedATransaction()
{
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("outside a write transaction"));
    QVERIFY(!m_store->putIdempotencyRecord({QStringLiteral("k"), "f", kJob, 202, "{}", 1}));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("outside a write transaction"));
    QVERIFY(!m_store->insertWebhook(makeDelivery(QStringLiteral("m"), kJob, 1)));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("outside a write transaction"));
    QCOMPARE(m_store->purgeIdempotencyRecords(1, 1), -1);
}

void tst_ApiStore::upgradesAVersionTwoStore()
{
    // A store as the previous release left it: migrate it to the outbox.
    m_store.reset();
    const QString path = m_dir->filePath(QStringLiteral("jobdesk.db"));
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("downgrade"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        // Every table a later step made goes (their indexes with them).
        const QStringList versionTwo = {"jobs", "job_events", "results", "tombstones", "meta",
                                        "idempotency_keys"};
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table'")));
        QStringList later;
        while (q.next()) {
            if (!versionTwo.contains(q.value(0).toString()))
                later << q.value(0).toString();
        }
        QVERIFY(later.contains(QStringLiteral("webhook_outbox")));
        for (const QString &table : later)
            QVERIFY(q.exec(QStringLiteral("DROP TABLE %1").arg(table)));
        QVERIFY(q.exec(QStringLiteral("PRAGMA user_version = 2")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("downgrade"));
    m_store = std::make_unique<SqliteJobStore>();
    QVERIFY2(m_store->open(m_dir->path()), qPrintable(m_store->lastError()));
    QVERIFY(addJob(kJob, 5000));
    QVERIFY(m_store->begin());
    QVERIFY(m_store->insertWebhook(makeDelivery(QStringLiteral("msg_a"), kJob, 1)));
    QVERIFY(m_store->commit());
    QCOMPARE(m_store->pendingWebhooks().size(), 1);
}

QTEST_GUILESS_MAIN(tst_ApiStore)
#include "tst_apistore.moc"
