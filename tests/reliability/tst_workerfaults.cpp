// Workers that die, hang or ignore a stop, with the real jobdeskd and
// jobdesk-worker: every attempt ends in a state that tells the truth, the
// worker is replaced, and the backend says so in stats and in its log.

#include "backendprocess.h"
#include "controltestclient.h"
#include "jobsapi.h"
#include "procfs.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QTest>
#include <csignal>

using namespace std::chrono_literals;

class tst_WorkerFaults : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void workersAndTheirReplacementsRunNicerThanTheBackend();
    void killedWorkerMidJobCompletesOnAttemptTwo();
    void frozenWorkerIsDeclaredDeadAfterMissedHeartbeats();
    void crashAtFailsEveryAttemptThenDeadLetters();
    void timeoutOnEveryAttemptDeadLettersThenRedriveRunsAgain();
    void timeoutOfAJobThatIgnoresTheStopKillsItsWorker();
    void ignoredCancelIsForcedWithinTheGracePeriod();

private:
    qint64 workerPid();
    /// A field of /api/v1/stats's "workers", or -1.
    int workerStat(const QString &field);
    int restarts() { return workerStat(QStringLiteral("restarts")); }
    /// The `state` events of a job whose error has `code`, in order.
    QList<QJsonObject> failedAttempts(const QString &id, const QString &code);

    std::unique_ptr<BackendProcess> m_backend;
    std::unique_ptr<JobsApi> m_api;
};

namespace {

// The cancel grace period of common/reliability.h (kCancelGracePeriod).
constexpr qint64 kGraceMs = 5000;

QString errorCode(const QJsonObject &jobOrEvent)
{
    return jobOrEvent.value(QStringLiteral("error"))
        .toObject()
        .value(QStringLiteral("code"))
        .toString();
}

} // namespace

void tst_WorkerFaults::initTestCase()
{
    m_backend = std::make_unique<BackendProcess>();
    // One worker: the one running the job is the only child named
    // jobdesk-worker. Short retry backoff keeps the retries quick.
    QVERIFY2(m_backend->start(1, {QStringLiteral("--retry-base"), QStringLiteral("0.1"),
                                  QStringLiteral("--retry-cap"), QStringLiteral("0.5")}),
             qPrintable(m_backend->errorText()));
    m_api = std::make_unique<JobsApi>(m_backend->httpBase(), m_backend->token());
}

void tst_WorkerFaults::cleanupTestCase()
{
    m_api.reset();
    const qint64 pid = m_backend ? m_backend->pid() : 0;
    const QList<qint64> workers = procfs::childPids(pid, QStringLiteral("jobdesk-worker"));
    if (m_backend)
        QCOMPARE(m_backend->stop(), 0);
    m_backend.reset();
    for (qint64 worker : workers)
        QTRY_VERIFY_WITH_TIMEOUT(!procfs::isAlive(worker), 5000);
}

qint64 tst_WorkerFaults::workerPid()
{
    const QList<qint64> pids =
        procfs::childPids(m_backend->pid(), QStringLiteral("jobdesk-worker"));
    return pids.size() == 1 ? pids.first() : 0;
}

int tst_WorkerFaults::workerStat(const QString &field)
{
    return m_api->stats().value(QStringLiteral("workers")).toObject().value(field).toInt(-1);
}

QList<QJsonObject> tst_WorkerFaults::failedAttempts(const QString &id, const QString &code)
{
    QList<QJsonObject> found;
    for (const QJsonValue &v : m_api->events(id)) {
        const QJsonObject e = v.toObject();
        if (e.value(QStringLiteral("type")).toString() == QLatin1String("state") &&
            errorCode(e) == code)
            found.append(e);
    }
    return found;
}

void tst_WorkerFaults::workersAndTheirReplacementsRunNicerThanTheBackend()
{
    // --worker-nice defaults to 10: every thread of a worker, the job thread
    // included, yields the CPU to the backend's.
    const QList<int> backend = procfs::threadNiceness(m_backend->pid());
    QVERIFY(!backend.isEmpty());
    const int expected = std::min(backend.first() + 10, 19);
    const auto readyWorker = [this] {
        const auto ready = [this] { return workerStat(QStringLiteral("total")) == 1; };
        // Ready: its threads are all up.
        return QTest::qWaitFor(ready, 10000) ? workerPid() : 0;
    };
    const auto checkWorker = [&](qint64 pid) {
        QVERIFY(pid > 0);
        const QList<int> threads = procfs::threadNiceness(pid);
        QVERIFY2(threads.size() >= 2, "a worker runs a socket thread beside its main thread");
        for (int niceness : threads)
            QCOMPARE(niceness, expected);
    };

    const qint64 first = readyWorker();
    checkWorker(first);
    if (QTest::currentTestFailed())
        return;
    const int restartsBefore = restarts();
    QVERIFY(procfs::killNow(first));
    QTRY_VERIFY_WITH_TIMEOUT(restarts() == restartsBefore + 1, 10000);
    const qint64 replacement = readyWorker();
    QVERIFY(replacement != first);
    checkWorker(replacement);
}

void tst_WorkerFaults::killedWorkerMidJobCompletesOnAttemptTwo()
{
    const int restartsBefore = restarts();
    QVERIFY(restartsBefore >= 0);
    const QString id = m_api->submitId(JobsApi::sleepJob(2.0, 20));
    QVERIFY(!id.isEmpty());
    // Mid-job: running, with progress already reported.
    QTRY_VERIFY_WITH_TIMEOUT(m_api->job(id).value(QStringLiteral("progress")).toDouble() > 0.0 &&
                                 m_api->status(id) == QLatin1String("PROCESSING"),
                             10000);
    const qint64 victim = workerPid();
    QVERIFY(victim > 0);
    QVERIFY(procfs::killNow(victim));
    QTRY_VERIFY_WITH_TIMEOUT(!procfs::isAlive(victim), 5000);

    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(id), QStringLiteral("COMPLETED"), 20000);
    const QJsonObject job = m_api->job(id);
    QCOMPARE(job.value(QStringLiteral("attempt")).toInt(), 2);
    QCOMPARE(job.value(QStringLiteral("progress")).toDouble(), 100.0);
    QVERIFY(job.value(QStringLiteral("error")).isNull());
    QCOMPARE(job.value(QStringLiteral("dead_letter")).toBool(), false);

    // The timeline holds the crashed attempt with its error, then one completion.
    const QList<QJsonObject> crashed = failedAttempts(id, QStringLiteral("worker_crashed"));
    QCOMPARE(crashed.size(), 1);
    QCOMPARE(crashed.first().value(QStringLiteral("attempt")).toInt(), 1);
    QCOMPARE(crashed.first().value(QStringLiteral("to")).toString(), QStringLiteral("RETRYING"));
    QVERIFY(!crashed.first().value(QStringLiteral("next_attempt_at")).toString().isEmpty());
    QCOMPARE(m_api->transitionsTo(id, QStringLiteral("COMPLETED")), 1);

    // The worker was replaced.
    QTRY_COMPARE_WITH_TIMEOUT(restarts(), restartsBefore + 1, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(workerPid() > 0 && workerPid() != victim, 5000);
}

void tst_WorkerFaults::frozenWorkerIsDeclaredDeadAfterMissedHeartbeats()
{
    // SIGSTOP: the process lives on but says nothing, like a worker wedged in
    // the kernel. Five missed heartbeats (5 s) and it counts as crashed.
    const int restartsBefore = restarts();
    const QString id = m_api->submitId(JobsApi::sleepJob(2.0, 20));
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(id), QStringLiteral("PROCESSING"), 10000);
    const qint64 frozen = workerPid();
    QVERIFY(frozen > 0);
    QCOMPARE(::kill(pid_t(frozen), SIGSTOP), 0);

    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(id), QStringLiteral("COMPLETED"), 20000);
    QCOMPARE(m_api->job(id).value(QStringLiteral("attempt")).toInt(), 2);
    const QList<QJsonObject> crashed = failedAttempts(id, QStringLiteral("worker_crashed"));
    QCOMPARE(crashed.size(), 1);
    const QString message = crashed.first()
                                .value(QStringLiteral("error"))
                                .toObject()
                                .value(QStringLiteral("message"))
                                .toString();
    QVERIFY2(message.contains(QLatin1String("heartbeat")), qPrintable(message));
    // Killed as a whole group, stopped or not; replaced.
    QTRY_VERIFY_WITH_TIMEOUT(!procfs::isAlive(frozen), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(restarts(), restartsBefore + 1, 5000);
}

void tst_WorkerFaults::crashAtFailsEveryAttemptThenDeadLetters()
{
    ControlTestClient control(m_backend->controlEndpoint(), m_backend->token());
    const auto restartsByStatsOp = [&control] {
        return control.request(QStringLiteral("stats"))
            .value(QStringLiteral("workers"))
            .toObject()
            .value(QStringLiteral("restarts"))
            .toInt(-1);
    };
    const int restartsBefore = restartsByStatsOp();
    QVERIFY(restartsBefore >= 0);

    // max_attempts is the kind's default (3).
    const QString id =
        m_api->submitId(JobsApi::sleepJob(0.2, 4, {{QStringLiteral("crash_at"), 50}}));
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(id), QStringLiteral("FAILED"), 30000);

    const QJsonObject job = m_api->job(id);
    QCOMPARE(job.value(QStringLiteral("attempt")).toInt(), 3);
    QCOMPARE(job.value(QStringLiteral("max_attempts")).toInt(), 3);
    QCOMPARE(job.value(QStringLiteral("dead_letter")).toBool(), true);
    QCOMPARE(errorCode(job), QStringLiteral("worker_crashed"));

    const QList<QJsonObject> crashed = failedAttempts(id, QStringLiteral("worker_crashed"));
    QCOMPARE(crashed.size(), 3);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(crashed.at(i).value(QStringLiteral("attempt")).toInt(), i + 1);
    QCOMPARE(crashed.at(0).value(QStringLiteral("to")).toString(), QStringLiteral("RETRYING"));
    QCOMPARE(crashed.at(1).value(QStringLiteral("to")).toString(), QStringLiteral("RETRYING"));
    QCOMPARE(crashed.at(2).value(QStringLiteral("to")).toString(), QStringLiteral("FAILED"));
    QCOMPARE(crashed.at(2).value(QStringLiteral("dead_letter")).toBool(), true);

    // The dead letter is listed as one.
    const QJsonArray deadLetters =
        m_api->http()
            .get(QStringLiteral("/api/v1/jobs?dead_letter=true&limit=1000"))
            .json()
            .value(QStringLiteral("items"))
            .toArray();
    bool listed = false;
    for (const QJsonValue &item : deadLetters)
        listed |= item.toObject().value(QStringLiteral("id")).toString() == id;
    QVERIFY(listed);

    // Three crashes, three replacements: in the stats op and in the log.
    // (A replacement counts once spawned, after the slot's respawn backoff.)
    QTRY_COMPARE_WITH_TIMEOUT(restartsByStatsOp(), restartsBefore + 3, 5000);
    // Each crash came before the worker finished anything, so the slot backs
    // off: 100 ms, 200 ms, 400 ms (a worker that finishes an attempt resets it).
    QTRY_VERIFY_WITH_TIMEOUT(
        m_backend->log().contains("replacing it in 400 ms (failure 3 in a row"), 5000);
    const QByteArray log = m_backend->log();
    QVERIFY(log.contains("replacing it in 100 ms (failure 1 in a row"));
    QVERIFY(log.contains("replacing it in 200 ms (failure 2 in a row"));
    QTRY_VERIFY_WITH_TIMEOUT(workerPid() > 0, 10000);
}

void tst_WorkerFaults::timeoutOnEveryAttemptDeadLettersThenRedriveRunsAgain()
{
    const QString id = m_api->submitId(JobsApi::sleepJob(
        30, 300, {}, {{QStringLiteral("timeout_s"), 1}, {QStringLiteral("max_attempts"), 2}}));
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(id), QStringLiteral("FAILED"), 20000);
    QJsonObject job = m_api->job(id);
    QCOMPARE(job.value(QStringLiteral("attempt")).toInt(), 2);
    QCOMPARE(job.value(QStringLiteral("dead_letter")).toBool(), true);
    QCOMPARE(errorCode(job), QStringLiteral("timeout"));
    QList<QJsonObject> timedOut = failedAttempts(id, QStringLiteral("timeout"));
    QCOMPARE(timedOut.size(), 2);
    QCOMPARE(timedOut.at(0).value(QStringLiteral("to")).toString(), QStringLiteral("RETRYING"));
    QCOMPARE(timedOut.at(1).value(QStringLiteral("to")).toString(), QStringLiteral("FAILED"));
    QCOMPARE(timedOut.at(1).value(QStringLiteral("reason")).toString(),
             QStringLiteral("attempts exhausted"));

    // Re-driven: back to PENDING, no longer a dead letter, and it runs again
    // with the attempt counter going on from where it stopped.
    const HttpReply redrive = m_api->retry(id);
    QCOMPARE(redrive.status, 202);
    // The idle worker may take it in the very commit that re-queued it.
    const QString redrivenStatus = redrive.json().value(QStringLiteral("status")).toString();
    QVERIFY2(redrivenStatus == QLatin1String("PENDING") ||
                 redrivenStatus == QLatin1String("PROCESSING"),
             qPrintable(redrivenStatus));
    QCOMPARE(redrive.json().value(QStringLiteral("dead_letter")).toBool(), false);
    QVERIFY(redrive.json().value(QStringLiteral("error")).isNull());
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            job = m_api->job(id);
            return job.value(QStringLiteral("status")).toString() == QLatin1String("PROCESSING") &&
                   job.value(QStringLiteral("attempt")).toInt() == 3;
        }(),
        10000);
    // A re-drive grants max_attempts more: attempts 3 and 4, then a dead letter again.
    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(id), QStringLiteral("FAILED"), 20000);
    job = m_api->job(id);
    QCOMPARE(job.value(QStringLiteral("attempt")).toInt(), 4);
    QCOMPARE(job.value(QStringLiteral("dead_letter")).toBool(), true);
    QCOMPARE(errorCode(job), QStringLiteral("timeout"));
    timedOut = failedAttempts(id, QStringLiteral("timeout"));
    QCOMPARE(timedOut.size(), 4);
    QCOMPARE(timedOut.last().value(QStringLiteral("attempt")).toInt(), 4);
    // Only FAILED or CANCELLED jobs can be re-driven: a queued, running or
    // completed one is a conflict.
    const QString other = m_api->submitId(JobsApi::sleepJob(0));
    QVERIFY(!other.isEmpty());
    QCOMPARE(m_api->retry(other).status, 409);
}

void tst_WorkerFaults::timeoutOfAJobThatIgnoresTheStopKillsItsWorker()
{
    const int restartsBefore = restarts();
    QElapsedTimer sinceSubmit;
    sinceSubmit.start();
    const QString id = m_api->submitId(
        JobsApi::sleepJob(60, 600, {{QStringLiteral("ignore_cancel"), true}},
                          {{QStringLiteral("timeout_s"), 1}, {QStringLiteral("max_attempts"), 1}}));
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(id), QStringLiteral("PROCESSING"), 5000);
    const qint64 victim = workerPid();
    QVERIFY(victim > 0);
    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(id), QStringLiteral("FAILED"), 1000 + kGraceMs + 5000);
    // The deadline, then the whole grace period, then the kill.
    QVERIFY2(sinceSubmit.elapsed() >= 1000 + kGraceMs - 100,
             qPrintable(QString::number(sinceSubmit.elapsed())));
    const QJsonObject job = m_api->job(id);
    QCOMPARE(errorCode(job), QStringLiteral("timeout"));
    QCOMPARE(job.value(QStringLiteral("dead_letter")).toBool(), true);
    QCOMPARE(job.value(QStringLiteral("attempt")).toInt(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(!procfs::isAlive(victim), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(restarts(), restartsBefore + 1, 5000);
}

void tst_WorkerFaults::ignoredCancelIsForcedWithinTheGracePeriod()
{
    const int restartsBefore = restarts();
    const QString id =
        m_api->submitId(JobsApi::sleepJob(60, 600, {{QStringLiteral("ignore_cancel"), true}}));
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(id), QStringLiteral("PROCESSING"), 10000);
    const qint64 victim = workerPid();
    QVERIFY(victim > 0);

    QElapsedTimer sinceCancel;
    sinceCancel.start();
    const HttpReply cancel = m_api->cancel(id);
    QCOMPARE(cancel.status, 202);
    QCOMPARE(cancel.json().value(QStringLiteral("cancel_requested")).toBool(), true);
    QCOMPARE(cancel.json().value(QStringLiteral("status")).toString(),
             QStringLiteral("PROCESSING"));

    QTRY_COMPARE_WITH_TIMEOUT(m_api->status(id), QStringLiteral("CANCELLED"), kGraceMs + 5000);
    // Measured by the daemon's own clock, from the cancel request to the end,
    // so that the test's HTTP round trips and polls do not count.
    const auto eventAt = [this, &id](const QString &type, const QString &to) {
        for (const QJsonValue &value : m_api->events(id)) {
            const QJsonObject event = value.toObject();
            if (event.value(QStringLiteral("type")).toString() == type &&
                (to.isEmpty() || event.value(QStringLiteral("to")).toString() == to))
                return QDateTime::fromString(event.value(QStringLiteral("at")).toString(),
                                             Qt::ISODateWithMs);
        }
        return QDateTime();
    };
    const QDateTime asked = eventAt(QStringLiteral("cancel_requested"), QString());
    const QDateTime ended = eventAt(QStringLiteral("state"), QStringLiteral("CANCELLED"));
    QVERIFY(asked.isValid() && ended.isValid());
    const qint64 elapsed = asked.msecsTo(ended);
    qInfo("an ignored cancel took %lld ms to end the job (grace %lld ms; %lld ms as the test saw "
          "it)",
          elapsed, kGraceMs, qint64(sinceCancel.elapsed()));
    QVERIFY2(elapsed <= kGraceMs + 1000, qPrintable(QStringLiteral("%1 ms").arg(elapsed)));
    // It did ignore the cooperative stop: only the kill at the end of the grace ended it.
    QVERIFY2(elapsed >= kGraceMs - 100, qPrintable(QStringLiteral("%1 ms").arg(elapsed)));

    const QJsonObject job = m_api->job(id);
    QCOMPARE(errorCode(job), QStringLiteral("cancelled"));
    QCOMPARE(job.value(QStringLiteral("dead_letter")).toBool(), false);
    QCOMPARE(m_api->transitionsTo(id, QStringLiteral("CANCELLED")), 1);
    QTRY_VERIFY_WITH_TIMEOUT(!procfs::isAlive(victim), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(restarts(), restartsBefore + 1, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(workerPid() > 0 && workerPid() != victim, 5000);
}

QTEST_GUILESS_MAIN(tst_WorkerFaults)
#include "tst_workerfaults.moc"
