// Cancellation, completely: queued and backing-off jobs stop at once, cancel
// is idempotent, finished jobs refuse it, and a cancel intent stored before
// jobdeskd is killed is honoured by the next run.

#include "backendprocess.h"
#include "jobsapi.h"
#include "procfs.h"

#include <QJsonArray>
#include <QTest>

class tst_Cancellation : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void pendingJobIsCancelledAtOnce();
    void retryingJobIsCancelledAtOnce();
    void cancelOfAFinishedJobConflicts_data();
    void cancelOfAFinishedJobConflicts();
    void cancelIntentSurvivesAKilledBackend();
    void runningJobCancelledTwiceAnswersBoth();

private:
    std::unique_ptr<BackendProcess> m_backend;
    std::unique_ptr<JobsApi> m_api;
};

namespace {

QString errorCode(const QJsonObject &job)
{
    return job.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
}

} // namespace

void tst_Cancellation::initTestCase()
{
    m_backend = std::make_unique<BackendProcess>();
    // One worker, so a long job keeps others queued; a retry backoff of an
    // hour, so a failed attempt stays RETRYING for as long as the test needs
    // (full jitter: under a second with probability 1/3600).
    QVERIFY2(m_backend->start(1, {QStringLiteral("--retry-base"), QStringLiteral("3600"),
                                  QStringLiteral("--retry-cap"), QStringLiteral("3600")}),
             qPrintable(m_backend->errorText()));
    m_api = std::make_unique<JobsApi>(m_backend->httpBase(), m_backend->token());
}

void tst_Cancellation::cleanupTestCase()
{
    m_api.reset();
    if (m_backend)
        QCOMPARE(m_backend->stop(), 0);
    m_backend.reset();
}

void tst_Cancellation::pendingJobIsCancelledAtOnce()
{
    const QString busy = m_api->submitId(JobsApi::sleepJob(60, 600));
    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(busy), QStringLiteral("PROCESSING"), 10000);
    const QString queued = m_api->submitId(JobsApi::sleepJob(0));
    QCOMPARE(m_api->status(queued), QStringLiteral("PENDING"));

    const HttpReply cancel = m_api->cancel(queued);
    QCOMPARE(cancel.status, 200);
    QCOMPARE(cancel.json().value(QStringLiteral("status")).toString(), QStringLiteral("CANCELLED"));
    QCOMPARE(errorCode(cancel.json()), QStringLiteral("cancelled"));
    QVERIFY(!cancel.json().value(QStringLiteral("finished_at")).isNull());
    // Idempotent: the same answer again, and no second transition.
    const HttpReply again = m_api->cancel(queued);
    QCOMPARE(again.status, 200);
    QCOMPARE(again.json().value(QStringLiteral("status")).toString(), QStringLiteral("CANCELLED"));
    QCOMPARE(again.json().value(QStringLiteral("rev")), cancel.json().value(QStringLiteral("rev")));
    QCOMPARE(m_api->transitionsTo(queued, QStringLiteral("CANCELLED")), 1);
    QCOMPARE(m_api->job(queued).value(QStringLiteral("attempt")).toInt(), 0); // it never ran

    QCOMPARE(m_api->cancel(busy).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(busy), QStringLiteral("CANCELLED"), 10000);
}

void tst_Cancellation::retryingJobIsCancelledAtOnce()
{
    const QString id = m_api->submitId(JobsApi::sleepJob(0, 1, {{QStringLiteral("fail_at"), 0}}));
    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(id), QStringLiteral("RETRYING"), 10000);
    const QJsonObject retrying = m_api->job(id);
    QVERIFY(!retrying.value(QStringLiteral("next_attempt_at")).isNull());
    QCOMPARE(errorCode(retrying), QStringLiteral("job_error"));

    const HttpReply cancel = m_api->cancel(id);
    QCOMPARE(cancel.status, 200);
    const QJsonObject cancelled = cancel.json();
    QCOMPARE(cancelled.value(QStringLiteral("status")).toString(), QStringLiteral("CANCELLED"));
    QVERIFY(cancelled.value(QStringLiteral("next_attempt_at")).isNull());
    QCOMPARE(cancelled.value(QStringLiteral("dead_letter")).toBool(), false);
    QCOMPARE(cancelled.value(QStringLiteral("attempt")).toInt(), 1);
    QCOMPARE(m_api->cancel(id).status, 200);
    QCOMPARE(m_api->transitionsTo(id, QStringLiteral("CANCELLED")), 1);
    QCOMPARE(m_api->transitionsTo(id, QStringLiteral("PENDING")), 1); // only the submit's
}

void tst_Cancellation::cancelOfAFinishedJobConflicts_data()
{
    QTest::addColumn<QJsonObject>("params");
    QTest::addColumn<int>("maxAttempts");
    QTest::addColumn<QString>("finalStatus");
    QTest::newRow("completed") << QJsonObject{} << 3 << QStringLiteral("COMPLETED");
    QTest::newRow("failed") << QJsonObject{{QStringLiteral("fail_at"), 0}} << 1
                            << QStringLiteral("FAILED");
}

void tst_Cancellation::cancelOfAFinishedJobConflicts()
{
    QFETCH(QJsonObject, params);
    QFETCH(int, maxAttempts);
    QFETCH(QString, finalStatus);
    const QString id = m_api->submitId(
        JobsApi::sleepJob(0, 1, params, {{QStringLiteral("max_attempts"), maxAttempts}}));
    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(id), finalStatus, 10000);
    const qint64 rev = m_api->job(id).value(QStringLiteral("rev")).toInteger();

    const HttpReply cancel = m_api->cancel(id);
    QCOMPARE(cancel.status, 409);
    QVERIFY(cancel.header("Content-Type").startsWith("application/problem+json"));
    QCOMPARE(cancel.json().value(QStringLiteral("status")).toInt(), 409);
    const QJsonObject after = m_api->job(id);
    QCOMPARE(after.value(QStringLiteral("status")).toString(), finalStatus);
    QCOMPARE(after.value(QStringLiteral("rev")).toInteger(), rev); // nothing changed
    QCOMPARE(after.value(QStringLiteral("cancel_requested")).toBool(), false);
}

void tst_Cancellation::cancelIntentSurvivesAKilledBackend()
{
    BackendProcess backend;
    QVERIFY2(backend.start(1), qPrintable(backend.errorText()));
    JobsApi api(backend.httpBase(), backend.token());
    // A job that ignores the cooperative stop: it is still running, with only
    // the stored intent, when the backend dies.
    const QString id =
        api.submitId(JobsApi::sleepJob(60, 600, {{QStringLiteral("ignore_cancel"), true}}));
    QTRY_COMPARE_WITH_TIMEOUT(api.status(id), QStringLiteral("PROCESSING"), 10000);
    const QList<qint64> workers =
        procfs::childPids(backend.pid(), QStringLiteral("jobdesk-worker"));
    QCOMPARE(workers.size(), 1);

    const HttpReply cancel = api.cancel(id);
    QCOMPARE(cancel.status, 202); // sent after the commit that stored the intent
    QCOMPARE(cancel.json().value(QStringLiteral("cancel_requested")).toBool(), true);
    backend.kill();
    // The worker died with its backend (PR_SET_PDEATHSIG), job and all.
    QTRY_VERIFY_WITH_TIMEOUT(!procfs::isAlive(workers.first()), 5000);

    QVERIFY2(backend.start(1), qPrintable(backend.errorText()));
    JobsApi again(backend.httpBase(), backend.token());
    const QJsonObject job = again.job(id);
    QCOMPARE(job.value(QStringLiteral("status")).toString(), QStringLiteral("CANCELLED"));
    QCOMPARE(errorCode(job), QStringLiteral("cancelled"));
    QCOMPARE(job.value(QStringLiteral("attempt")).toInt(), 1);
    QCOMPARE(again.transitionsTo(id, QStringLiteral("CANCELLED")), 1);
    QCOMPARE(again.transitionsTo(id, QStringLiteral("PENDING")), 1); // never requeued
    bool intentRecorded = false;
    for (const QJsonValue &event : again.events(id))
        intentRecorded |= event.toObject().value(QStringLiteral("type")).toString() ==
                          QLatin1String("cancel_requested");
    QVERIFY(intentRecorded);
    QCOMPARE(backend.stop(), 0);
}

void tst_Cancellation::runningJobCancelledTwiceAnswersBoth()
{
    // A job deaf to cancels keeps running after the first request, so the
    // second (a double click, a resent request) finds it asked already.
    // One step: no progress report (which would change its rev) until it ends.
    const QString deaf =
        m_api->submitId(JobsApi::sleepJob(60, 1, {{QStringLiteral("ignore_cancel"), true}}));
    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(deaf), QStringLiteral("PROCESSING"), 10000);
    const HttpReply first = m_api->cancel(deaf);
    QCOMPARE(first.status, 202);
    QVERIFY(first.json().value(QStringLiteral("cancel_requested")).toBool());
    const HttpReply second = m_api->cancel(deaf);
    QCOMPARE(second.status, 202);
    QCOMPARE(second.json().value(QStringLiteral("rev")), first.json().value(QStringLiteral("rev")));
    QVERIFY(procfs::isAlive(m_backend->pid()));
    // The cancel grace ends it.
    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(deaf), QStringLiteral("CANCELLED"), 30000);
}

QTEST_GUILESS_MAIN(tst_Cancellation)
#include "tst_cancellation.moc"
