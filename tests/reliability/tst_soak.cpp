// The soak: thousands of short jobs, some failing and some crashing their
// worker on purpose, two workers killed at random moments. Every accepted
// job must end in the state its faults call for, the counts must add up,
// nothing may complete twice, and the database must pass integrity_check.
//
// JOBDESK_SOAK_JOBS and JOBDESK_SOAK_SEED override the size and the seed
// (the seed is printed, so a failing run can be replayed).

#include "backendprocess.h"
#include "httpsubmitload.h"
#include "jobsapi.h"
#include "procfs.h"
#include "storefile.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>
#include <QUrl>
#include <vector>

class tst_Soak : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void thousandsOfJobsWithFaultsAllEndTruthfully();
};

namespace {

enum class Fault
{
    None,
    Fail,  // fail_at: every attempt fails, retryably: a dead letter after 3
    Crash, // crash_at: every attempt kills its worker: a dead letter after 3
};

struct Expectation
{
    int completed = 0;
    int failed = 0;
    int crashing = 0;
};

int envInt(const char *name, int fallback)
{
    bool ok = false;
    const int v = qEnvironmentVariableIntValue(name, &ok);
    return ok ? v : fallback;
}

} // namespace

void tst_Soak::thousandsOfJobsWithFaultsAllEndTruthfully()
{
    const int jobs = envInt("JOBDESK_SOAK_JOBS", 5000);
    const quint32 seed =
        quint32(envInt("JOBDESK_SOAK_SEED", int(QRandomGenerator::system()->generate() >> 1)));
    qInfo("soak: %d jobs, seed %u (JOBDESK_SOAK_SEED replays it)", jobs, seed);
    QRandomGenerator random(seed);

    // 3 % fail, 1 % crash their worker (at a random point of the job).
    std::vector<Fault> faults(static_cast<std::size_t>(jobs), Fault::None);
    std::vector<QByteArray> bodies(static_cast<std::size_t>(jobs));
    for (int i = 0; i < jobs; ++i) {
        const int roll = random.bounded(1000);
        QJsonObject params;
        if (roll < 30) {
            faults[std::size_t(i)] = Fault::Fail;
            params.insert(QStringLiteral("fail_at"), random.bounded(101));
        } else if (roll < 40) {
            faults[std::size_t(i)] = Fault::Crash;
            params.insert(QStringLiteral("crash_at"), random.bounded(101));
        }
        bodies[std::size_t(i)] =
            QJsonDocument(JobsApi::sleepJob(0.002, 2, params)).toJson(QJsonDocument::Compact);
    }
    // The two worker kills happen once this many jobs have finished.
    std::vector<int> killAt{jobs / 10 + int(random.bounded(jobs * 4 / 10)),
                            jobs / 2 + int(random.bounded(jobs * 4 / 10))};

    QElapsedTimer clock;
    clock.start();
    BackendProcess backend;
    QVERIFY2(backend.start(2, {QStringLiteral("--retry-base"), QStringLiteral("0.02"),
                               QStringLiteral("--retry-cap"), QStringLiteral("0.1")}),
             qPrintable(backend.errorText()));
    JobsApi api(backend.httpBase(), backend.token());
    const QUrl base(backend.httpBase());
    HttpSubmitLoad load(base.host(), quint16(base.port()), backend.token());
    load.start(jobs, 32, [&bodies](int index) { return bodies[std::size_t(index)]; });

    // Wait for every job to end, killing a worker at each mark on the way.
    QList<qint64> killed;
    int finished = 0;
    QJsonObject stats;
    const QDeadlineTimer deadline(150000);
    while (!deadline.hasExpired()) {
        QTest::qWait(100);
        stats = api.stats();
        const QJsonObject counts = stats.value(QStringLiteral("counts")).toObject();
        finished = counts.value(QStringLiteral("COMPLETED")).toInt() +
                   counts.value(QStringLiteral("FAILED")).toInt() +
                   counts.value(QStringLiteral("CANCELLED")).toInt();
        if (!killAt.empty() && finished >= killAt.front()) {
            const QList<qint64> workers =
                procfs::childPids(backend.pid(), QStringLiteral("jobdesk-worker"));
            if (!workers.isEmpty()) {
                // It may have just died by itself (crash_at): then try again.
                const qint64 victim = workers.at(int(random.bounded(int(workers.size()))));
                if (procfs::killNow(victim)) {
                    killed.append(victim);
                    qInfo("killed worker %lld after %d finished jobs", victim, finished);
                    killAt.erase(killAt.begin());
                }
            }
        }
        if (load.isFinished() && finished == load.accepted().size() && killAt.empty())
            break;
    }
    QVERIFY2(load.isFinished(), "the submits did not all get an answer");
    QCOMPARE(load.accepted().size(), jobs);
    QCOMPARE(killed.size(), 2);
    QCOMPARE(finished, jobs);
    qInfo("soak: %d jobs finished %lld ms after the start", jobs, clock.elapsed());
    for (qint64 pid : killed)
        QVERIFY(!procfs::isAlive(pid));

    Expectation expected;
    for (Fault f : faults) {
        expected.completed += f == Fault::None;
        expected.failed += f != Fault::None;
        expected.crashing += f == Fault::Crash;
    }
    const QJsonObject counts = stats.value(QStringLiteral("counts")).toObject();
    QCOMPARE(counts.value(QStringLiteral("COMPLETED")).toInt(), expected.completed);
    QCOMPARE(counts.value(QStringLiteral("FAILED")).toInt(), expected.failed);
    QCOMPARE(counts.value(QStringLiteral("CANCELLED")).toInt(), 0);
    QCOMPARE(counts.value(QStringLiteral("PENDING")).toInt(), 0);
    QCOMPARE(counts.value(QStringLiteral("PROCESSING")).toInt(), 0);
    QCOMPARE(counts.value(QStringLiteral("RETRYING")).toInt(), 0);
    QCOMPARE(stats.value(QStringLiteral("dead_letter")).toInt(), expected.failed);
    // Each crashing job took down a worker on each of its 3 attempts; each
    // kill took one more (or stood in for one of those crashes).
    const int restarts =
        stats.value(QStringLiteral("workers")).toObject().value(QStringLiteral("restarts")).toInt();
    QVERIFY2(restarts >= 3 * expected.crashing && restarts <= 3 * expected.crashing + 2,
             qPrintable(QStringLiteral("%1 restarts for %2 crashing jobs")
                            .arg(restarts)
                            .arg(expected.crashing)));

    // Job by job, through the change feed: each one ended as its faults say.
    QHash<QString, QJsonObject> byId;
    qint64 rev = 0;
    for (;;) {
        const QJsonObject page =
            api.http()
                .get(QStringLiteral("/api/v1/jobs?changed_since=%1&limit=1000").arg(rev))
                .json();
        const QJsonArray items = page.value(QStringLiteral("items")).toArray();
        for (const QJsonValue &v : items)
            byId.insert(v.toObject().value(QStringLiteral("id")).toString(), v.toObject());
        const qint64 next = page.value(QStringLiteral("rev")).toInteger();
        if (items.isEmpty() || next <= rev)
            break;
        rev = next;
    }
    QCOMPARE(byId.size(), jobs);
    for (auto it = load.accepted().cbegin(); it != load.accepted().cend(); ++it) {
        const QJsonObject job = byId.value(it.value());
        const Fault fault = faults[std::size_t(it.key())];
        const QString code =
            job.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
        switch (fault) {
        case Fault::None:
            QCOMPARE(job.value(QStringLiteral("status")).toString(), QStringLiteral("COMPLETED"));
            break;
        case Fault::Fail:
            QCOMPARE(job.value(QStringLiteral("status")).toString(), QStringLiteral("FAILED"));
            QCOMPARE(job.value(QStringLiteral("dead_letter")).toBool(), true);
            QCOMPARE(job.value(QStringLiteral("attempt")).toInt(), 3);
            // A worker kill may have hit its last attempt.
            QVERIFY2(code == QLatin1String("job_error") || code == QLatin1String("worker_crashed"),
                     qPrintable(code));
            break;
        case Fault::Crash:
            QCOMPARE(job.value(QStringLiteral("status")).toString(), QStringLiteral("FAILED"));
            QCOMPARE(job.value(QStringLiteral("dead_letter")).toBool(), true);
            QCOMPARE(job.value(QStringLiteral("attempt")).toInt(), 3);
            QCOMPARE(code, QStringLiteral("worker_crashed"));
            break;
        }
    }

    QCOMPARE(backend.stop(), 0);
    StoreFile store(backend.dataDir(), StoreFile::Mode::ReadOnly);
    QVERIFY2(store.isOpen(), qPrintable(store.errorText()));
    QCOMPARE(store.scalar(QStringLiteral("PRAGMA integrity_check")).toString(),
             QStringLiteral("ok"));
    QCOMPARE(store.scalar(QStringLiteral("PRAGMA foreign_key_check")).isValid(), false); // no rows
    QCOMPARE(store.scalar(QStringLiteral("SELECT COUNT(*) FROM jobs")).toInt(), jobs);
    const QVariant twice = store.scalar(
        QStringLiteral("SELECT COUNT(*) FROM (SELECT job_id FROM job_events "
                       "WHERE type = 'state' AND json_extract(data, '$.to') = 'COMPLETED' "
                       "GROUP BY job_id HAVING COUNT(*) > 1)"));
    QVERIFY2(twice.isValid(), qPrintable(store.errorText()));
    QCOMPARE(twice.toInt(), 0);
    QCOMPARE(store.scalar(QStringLiteral("SELECT COUNT(*) FROM results")).toInt(),
             expected.completed);
    qInfo("soak: done in %lld ms", clock.elapsed());
}

QTEST_GUILESS_MAIN(tst_Soak)
#include "tst_soak.moc"
