// kill -9 of jobdeskd: nothing it answered 202 is lost, nothing completes
// twice, no worker outlives it, and a job that keeps being interrupted by
// restarts ends up failing like a crash instead of looping forever.

#include "backendprocess.h"
#include "httpsubmitload.h"
#include "jobsapi.h"
#include "procfs.h"
#include "storefile.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

class tst_BackendCrash : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void killedBackendLosesNoAcceptedJob();
    void repeatedlyInterruptedJobFailsLikeACrash();
    void killDuringALargeResultLeavesNoPartialFile();
};

namespace {

const QStringList kFastRetries = {QStringLiteral("--retry-base"), QStringLiteral("0.05"),
                                  QStringLiteral("--retry-cap"), QStringLiteral("0.2")};

int unfinished(const QJsonObject &stats)
{
    const QJsonObject counts = stats.value(QStringLiteral("counts")).toObject();
    return counts.value(QStringLiteral("PENDING")).toInt() +
           counts.value(QStringLiteral("PROCESSING")).toInt() +
           counts.value(QStringLiteral("RETRYING")).toInt();
}

} // namespace

void tst_BackendCrash::killedBackendLosesNoAcceptedJob()
{
    constexpr int kSubmits = 800;
    constexpr int kKillAfterAccepted = 300;
    BackendProcess backend;
    QVERIFY2(backend.start(2, kFastRetries), qPrintable(backend.errorText()));
    const QList<qint64> workers =
        procfs::childPids(backend.pid(), QStringLiteral("jobdesk-worker"));
    QCOMPARE(workers.size(), 2);

    // Short jobs, so that some are queued, some running and some done when
    // the backend dies.
    const QByteArray body =
        QJsonDocument(JobsApi::sleepJob(0.02, 2)).toJson(QJsonDocument::Compact);
    const QUrl base(backend.httpBase());
    HttpSubmitLoad load(base.host(), quint16(base.port()), backend.token());
    bool killed = false;
    connect(&load, &HttpSubmitLoad::submitAccepted, this, [&] {
        if (!killed && load.accepted().size() >= kKillAfterAccepted) {
            killed = true;
            backend.kill(); // SIGKILL with 32 submits in flight
        }
    });
    load.start(kSubmits, 32, [&body](int) { return body; });
    QTRY_VERIFY_WITH_TIMEOUT(load.isFinished(), 60000);
    QVERIFY(killed);
    QCOMPARE(load.malformed(), 0);
    const QHash<int, QString> accepted = load.accepted();
    qInfo("%lld submits answered 202 before the kill, %d left unanswered by it",
          qint64(accepted.size()), load.unanswered());
    QVERIFY(accepted.size() >= kKillAfterAccepted);
    QVERIFY(load.unanswered() > 0); // it really died mid-stream

    // No orphan: the workers died with it (PR_SET_PDEATHSIG).
    for (qint64 pid : workers)
        QTRY_VERIFY_WITH_TIMEOUT(!procfs::isAlive(pid), 5000);

    QVERIFY2(backend.start(2, kFastRetries), qPrintable(backend.errorText()));
    JobsApi api(backend.httpBase(), backend.token());
    QTRY_COMPARE_WITH_TIMEOUT(unfinished(api.stats()), 0, 60000);

    // Every accepted job is there and completed exactly once. None failed,
    // so none used a second attempt: an interrupted attempt does not count.
    int requeued = 0;
    for (const QString &id : accepted) {
        const QJsonObject job = api.job(id);
        QVERIFY2(!job.isEmpty(), qPrintable(QStringLiteral("accepted job %1 is missing").arg(id)));
        QCOMPARE(job.value(QStringLiteral("status")).toString(), QStringLiteral("COMPLETED"));
        QCOMPARE(job.value(QStringLiteral("attempt")).toInt(), 1);
        const QJsonArray events = api.events(id);
        int completions = 0;
        for (const QJsonValue &v : events) {
            const QJsonObject e = v.toObject();
            if (e.value(QStringLiteral("type")).toString() != QLatin1String("state"))
                continue;
            completions += e.value(QStringLiteral("to")).toString() == QLatin1String("COMPLETED");
            requeued += e.value(QStringLiteral("reason")).toString() ==
                        QLatin1String("interrupted by a backend restart");
        }
        QVERIFY2(completions == 1,
                 qPrintable(QStringLiteral("%1 completed %2 times").arg(id).arg(completions)));
    }
    qInfo("%d accepted jobs were running at the kill and went back to PENDING", requeued);

    // The same, for every job the store holds (some stored ones may have
    // lost their answer to the kill): one completion record each.
    QCOMPARE(backend.stop(), 0);
    StoreFile store(backend.dataDir(), StoreFile::Mode::ReadOnly);
    QVERIFY2(store.isOpen(), qPrintable(store.errorText()));
    const QVariant twice = store.scalar(
        QStringLiteral("SELECT COUNT(*) FROM (SELECT job_id FROM job_events "
                       "WHERE type = 'state' AND json_extract(data, '$.to') = 'COMPLETED' "
                       "GROUP BY job_id HAVING COUNT(*) > 1)"));
    QVERIFY2(twice.isValid(), qPrintable(store.errorText()));
    QCOMPARE(twice.toInt(), 0);
    const QVariant notCompleted =
        store.scalar(QStringLiteral("SELECT COUNT(*) FROM jobs WHERE status <> 'COMPLETED'"));
    QCOMPARE(notCompleted.toInt(), 0);
    const int stored = store.scalar(QStringLiteral("SELECT COUNT(*) FROM jobs")).toInt();
    QVERIFY(stored >= accepted.size());
    QVERIFY(stored <= accepted.size() + load.unanswered());
}

void tst_BackendCrash::repeatedlyInterruptedJobFailsLikeACrash()
{
    // Each start requeues the running job without using an attempt, until
    // the third interruption: then it counts as a crashed attempt.
    BackendProcess backend;
    QString id;
    qint64 lastFence = 0;
    for (int interruption = 1; interruption <= 3; ++interruption) {
        QVERIFY2(backend.start(1, kFastRetries), qPrintable(backend.errorText()));
        JobsApi api(backend.httpBase(), backend.token());
        if (id.isEmpty())
            id = api.submitId(JobsApi::sleepJob(60, 600));
        QVERIFY(!id.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(api.status(id), QStringLiteral("PROCESSING"), 10000);
        QCOMPARE(api.job(id).value(QStringLiteral("attempt")).toInt(), 1);
        backend.kill();
        // Same attempt number, but every dispatch got a new fencing number,
        // from a counter that a restart never takes back.
        StoreFile store(backend.dataDir(), StoreFile::Mode::ReadOnly);
        QVERIFY2(store.isOpen(), qPrintable(store.errorText()));
        const qint64 fence =
            store.scalar(QStringLiteral("SELECT fence FROM jobs WHERE id = ?"), {id}).toLongLong();
        QVERIFY2(fence > lastFence,
                 qPrintable(QStringLiteral("fence %1 after %2").arg(fence).arg(lastFence)));
        lastFence = fence;
    }

    QVERIFY2(backend.start(1, kFastRetries), qPrintable(backend.errorText()));
    JobsApi api(backend.httpBase(), backend.token());
    QJsonObject crashed;
    for (const QJsonValue &v : api.events(id)) {
        const QJsonObject e = v.toObject();
        if (e.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString() ==
            QLatin1String("worker_crashed"))
            crashed = e;
    }
    QVERIFY2(!crashed.isEmpty(), QJsonDocument(api.events(id)).toJson().constData());
    QCOMPARE(crashed.value(QStringLiteral("to")).toString(), QStringLiteral("RETRYING"));
    QCOMPARE(crashed.value(QStringLiteral("attempt")).toInt(), 1);
    // Attempts remained, so it runs again, now as attempt 2.
    QTRY_VERIFY_WITH_TIMEOUT(api.job(id).value(QStringLiteral("attempt")).toInt() == 2 &&
                                 api.status(id) == QLatin1String("PROCESSING"),
                             10000);
    int requeues = 0;
    for (const QJsonValue &v : api.events(id))
        requeues += v.toObject().value(QStringLiteral("reason")).toString() ==
                    QLatin1String("interrupted by a backend restart");
    QCOMPARE(requeues, 2);
    QCOMPARE(api.cancel(id).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(api.status(id), QStringLiteral("CANCELLED"), 10000);
    QCOMPARE(backend.stop(), 0);
}

void tst_BackendCrash::killDuringALargeResultLeavesNoPartialFile()
{
    // A result over 64 KiB is written by the worker to a temporary file that
    // becomes the result only once synced and renamed. When jobdeskd dies,
    // the worker dies with it mid-write; the next start sweeps the leftover.
    QTemporaryDir inputs;
    QVERIFY(inputs.isValid());
    const QString database = inputs.filePath(QStringLiteral("empty.db"));
    QString inputError;
    QVERIFY2(StoreFile::createInputDatabase(database, &inputError), qPrintable(inputError));
    const QStringList args{QStringLiteral("--input-root"), inputs.path()};

    BackendProcess backend;
    QVERIFY2(backend.start(1, args), qPrintable(backend.errorText()));
    JobsApi api(backend.httpBase(), backend.token());
    bool haveSqlReports = false;
    for (const QJsonValue &kind : api.http()
                                      .get(QStringLiteral("/api/v1/kinds"))
                                      .json()
                                      .value(QStringLiteral("kinds"))
                                      .toArray())
        haveSqlReports |=
            kind.toObject().value(QStringLiteral("name")).toString() == QLatin1String("report.sql");
    if (!haveSqlReports)
        QSKIP("no report.sql kind in this build: nothing writes a result large enough to spill");

    // Tens of millions of rows: it is still writing when the backend dies.
    const QJsonObject submit{
        {QStringLiteral("kind"), QStringLiteral("report.sql")},
        {QStringLiteral("params"),
         QJsonObject{
             {QStringLiteral("database"), database},
             {QStringLiteral("query"),
              QStringLiteral("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                             "WHERE i < 50000000) SELECT i FROM n")}}}};
    const QString id = api.submitId(submit);
    QVERIFY(!id.isEmpty());
    const QDir results(backend.dataDir() + QStringLiteral("/results"));
    const QStringList pattern{id + QStringLiteral(".*.tmp")};
    QTRY_VERIFY_WITH_TIMEOUT(!results.entryList(pattern, QDir::Files).isEmpty(), 20000);
    const QStringList partial = results.entryList(pattern, QDir::Files);
    const QList<qint64> workers =
        procfs::childPids(backend.pid(), QStringLiteral("jobdesk-worker"));
    backend.kill();
    for (qint64 pid : workers)
        QTRY_VERIFY_WITH_TIMEOUT(!procfs::isAlive(pid), 5000);
    QVERIFY(results.exists(partial.first())); // left behind by the killed worker

    QVERIFY2(backend.start(1, args), qPrintable(backend.errorText()));
    QVERIFY2(!results.exists(partial.first()), "the partial result was not swept at start");
    JobsApi again(backend.httpBase(), backend.token());
    // Requeued without using an attempt, running again under a new fencing
    // number (so a new file name).
    QTRY_COMPARE_WITH_TIMEOUT(again.status(id), QStringLiteral("PROCESSING"), 10000);
    QCOMPARE(again.job(id).value(QStringLiteral("attempt")).toInt(), 1);
    QCOMPARE(again.cancel(id).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(again.status(id), QStringLiteral("CANCELLED"), 10000);
    // A cancelled attempt discards its partial file too.
    QTRY_COMPARE_WITH_TIMEOUT(results.entryList(QDir::Files | QDir::NoDotAndDotDot), QStringList(),
                              5000);
    QCOMPARE(backend.stop(), 0);
}

QTEST_GUILESS_MAIN(tst_BackendCrash)
#include "tst_backendcrash.moc"
