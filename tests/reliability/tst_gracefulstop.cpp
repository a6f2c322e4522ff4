// SIGTERM: jobdeskd stops taking jobs, lets running attempts finish within
// --shutdown-grace, puts the rest back in the queue without using an
// attempt, and exits 0; the next run picks them up. Nothing is lost.

#include "backendprocess.h"
#include "controltestclient.h"
#include "jobsapi.h"
#include "procfs.h"
#include "storefile.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QTest>
#include <csignal>

using namespace std::chrono_literals;

class tst_GracefulStop : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void idleBackendStopsAtOnce();
    void runningJobsFinishOrAreRequeued();
};

namespace {

constexpr int kGraceS = 3;

bool isUnavailable(const QJsonObject &reply)
{
    return !reply.value(QStringLiteral("ok")).toBool(true) &&
           reply.value(QStringLiteral("error"))
                   .toObject()
                   .value(QStringLiteral("code"))
                   .toString() == QLatin1String("unavailable");
}

} // namespace

void tst_GracefulStop::idleBackendStopsAtOnce()
{
    BackendProcess backend;
    QVERIFY2(backend.start(2, {QStringLiteral("--shutdown-grace"), QString::number(kGraceS)}),
             qPrintable(backend.errorText()));
    const QList<qint64> workers =
        procfs::childPids(backend.pid(), QStringLiteral("jobdesk-worker"));
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(backend.stop(), 0);
    // Nothing runs, so the grace period is not waited for.
    QVERIFY2(timer.elapsed() < kGraceS * 1000, qPrintable(QString::number(timer.elapsed())));
    for (qint64 pid : workers)
        QVERIFY(!procfs::isAlive(pid));
}

void tst_GracefulStop::runningJobsFinishOrAreRequeued()
{
    BackendProcess backend;
    QVERIFY2(backend.start(2, {QStringLiteral("--shutdown-grace"), QString::number(kGraceS)}),
             qPrintable(backend.errorText()));
    JobsApi api(backend.httpBase(), backend.token());
    ControlTestClient control(backend.controlEndpoint(), backend.token());
    QVERIFY(control.request(QStringLiteral("ping")).value(QStringLiteral("ok")).toBool());

    const QString shortJob = api.submitId(JobsApi::sleepJob(1.5, 3));
    const QString longJob = api.submitId(JobsApi::sleepJob(60, 600));
    QTRY_VERIFY_WITH_TIMEOUT(api.status(shortJob) == QLatin1String("PROCESSING") &&
                                 api.status(longJob) == QLatin1String("PROCESSING"),
                             10000);

    const qint64 pid = backend.pid();
    QElapsedTimer sinceTerm;
    sinceTerm.start();
    QCOMPARE(::kill(pid_t(pid), SIGTERM), 0);

    // While it drains, both doors stay open but take nothing new: HTTP
    // answers 503 with Retry-After, the control channel `unavailable`.
    // A submit may still slip in before the signal is handled: it is then
    // an ordinary accepted job, and must be found after the restart.
    QStringList acceptedBeforeDrain;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const QJsonObject reply =
                control.request(QStringLiteral("submit"), JobsApi::sleepJob(0), 1000ms);
            if (reply.value(QStringLiteral("ok")).toBool())
                acceptedBeforeDrain.append(reply.value(QStringLiteral("job"))
                                               .toObject()
                                               .value(QStringLiteral("id"))
                                               .toString());
            return isUnavailable(reply);
        }(),
        2000);
    const HttpReply refused = api.submit(JobsApi::sleepJob(0));
    QCOMPARE(refused.status, 503);
    QVERIFY(refused.header("Content-Type").startsWith("application/problem+json"));
    QVERIFY(!refused.header("Retry-After").isEmpty());
    // Reads still work, and re-drives are refused like submits.
    QCOMPARE(api.status(longJob), QStringLiteral("PROCESSING"));
    QCOMPARE(api.retry(shortJob).status, 503);
    qInfo("T+%lld ms: submits refused while draining", sinceTerm.elapsed());

    // It waits for the short job, then gives the long one the rest of the
    // grace period, then exits 0.
    QTRY_VERIFY_WITH_TIMEOUT(!procfs::isAlive(pid), (kGraceS + 10) * 1000);
    // The long job held it for the whole grace period (a precise timer:
    // a coarse one could end it 5 % early).
    const qint64 drained = sinceTerm.elapsed();
    qInfo("T+%lld ms: exited (grace %d s)", drained, kGraceS);
    QVERIFY2(drained >= kGraceS * 1000 - 20, qPrintable(QString::number(drained)));
    QCOMPARE(backend.stop(), 0); // only collects the exit code: the process is gone
    {
        // The dashboard's busy-workers series carries the last sample over
        // the downtime: it must say nothing runs, not what ran at the stop.
        StoreFile store(backend.dataDir(), StoreFile::Mode::ReadOnly);
        QVERIFY2(store.isOpen(), qPrintable(store.errorText()));
        const QVariant busy = store.scalar(QStringLiteral(
            "SELECT busy_last FROM stats_minute_gauges ORDER BY minute_ms DESC LIMIT 1"));
        QVERIFY2(busy.isValid(), qPrintable(store.errorText()));
        QCOMPARE(busy.toLongLong(), 0);
    }

    QVERIFY2(backend.start(2), qPrintable(backend.errorText()));
    JobsApi again(backend.httpBase(), backend.token());
    const QJsonObject finished = again.job(shortJob);
    QCOMPARE(finished.value(QStringLiteral("status")).toString(), QStringLiteral("COMPLETED"));
    QCOMPARE(finished.value(QStringLiteral("attempt")).toInt(), 1);

    // The long one went back to the queue with its attempt given back, and
    // runs again as attempt 1.
    QTRY_COMPARE_WITH_TIMEOUT(again.status(longJob), QStringLiteral("PROCESSING"), 10000);
    QCOMPARE(again.job(longJob).value(QStringLiteral("attempt")).toInt(), 1);
    int requeued = 0;
    for (const QJsonValue &v : again.events(longJob)) {
        const QJsonObject e = v.toObject();
        if (e.value(QStringLiteral("to")).toString() == QLatin1String("PENDING") &&
            e.value(QStringLiteral("reason")).toString().startsWith(QLatin1String("requeued")))
            ++requeued;
    }
    QCOMPARE(requeued, 1);
    QCOMPARE(again.transitionsTo(longJob, QStringLiteral("PROCESSING")), 2);

    // Nothing was stored for the refused submits: only the two jobs exist.
    const QJsonArray all = again.http()
                               .get(QStringLiteral("/api/v1/jobs?limit=1000"))
                               .json()
                               .value(QStringLiteral("items"))
                               .toArray();
    QCOMPARE(all.size(), 2 + acceptedBeforeDrain.size());

    QCOMPARE(again.cancel(longJob).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(again.status(longJob), QStringLiteral("CANCELLED"), 10000);
    QCOMPARE(backend.stop(), 0);
}

QTEST_GUILESS_MAIN(tst_GracefulStop)
#include "tst_gracefulstop.moc"
