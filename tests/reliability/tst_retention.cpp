// Retention: finished jobs older than --retention-hours are purged at start
// (and hourly) with their events, result bytes and result files, in bounded
// batches, each leaving a tombstone in the change feed.
//
// Nobody can wait an hour in a test, so the jobs are run for real, then
// their finish times are moved into the past by writing the SQLite file
// while jobdeskd is stopped, the way time would have left them.

#include "backendprocess.h"
#include "httpsubmitload.h"
#include "jobsapi.h"
#include "storefile.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTest>
#include <QUrl>

class tst_Retention : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void expiredJobsArePurgedAtStart();
    void purgeRunsInBoundedBatches();
};

namespace {

const QStringList kOneHour = {QStringLiteral("--retention-hours"), QStringLiteral("1")};

qint64 twoHoursAgoMs()
{
    return QDateTime::currentMSecsSinceEpoch() - 2 * 3600 * 1000;
}

QString placeholders(int n)
{
    QStringList marks;
    for (int i = 0; i < n; ++i)
        marks.append(QStringLiteral("?"));
    return marks.join(QLatin1Char(','));
}

QVariantList toVariants(const QStringList &ids)
{
    QVariantList v;
    for (const QString &id : ids)
        v.append(id);
    return v;
}

} // namespace

void tst_Retention::expiredJobsArePurgedAtStart()
{
    BackendProcess backend;
    QVERIFY2(backend.start(1), qPrintable(backend.errorText()));
    QString withFile, failed, withInlineResult, recent;
    // Idempotency keys outlive their jobs (at least 24 h): a retry of this
    // submit after the purge must still get the original answer.
    const QByteArray kKey = "retention-test-key";
    const QByteArray keyedBody =
        QJsonDocument(JobsApi::sleepJob(0, 2)).toJson(QJsonDocument::Compact);
    {
        JobsApi api(backend.httpBase(), backend.token());
        withFile = api.submitId(JobsApi::sleepJob(0));
        failed = api.submitId(JobsApi::sleepJob(0, 1, {{QStringLiteral("fail_at"), 0}},
                                                {{QStringLiteral("max_attempts"), 1}}));
        const HttpReply keyed = api.http().post(QStringLiteral("/api/v1/jobs"), keyedBody,
                                                "application/json", {{"Idempotency-Key", kKey}});
        QCOMPARE(keyed.status, 202);
        withInlineResult = keyed.json().value(QStringLiteral("id")).toString();
        recent = api.submitId(JobsApi::sleepJob(0));
        for (const QString &id : {withFile, withInlineResult, recent})
            QTRY_COMPARE_WITH_TIMEOUT(api.status(id), QStringLiteral("COMPLETED"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(api.status(failed), QStringLiteral("FAILED"), 10000);
    }
    const QStringList expired{withFile, failed, withInlineResult};
    QCOMPARE(backend.stop(), 0);

    // What time and a large result would have left: old finish times, and
    // one result kept as a file (results over 64 KiB are) rather than inline.
    QString resultPath;
    qint64 revBefore = 0;
    {
        StoreFile store(backend.dataDir(), StoreFile::Mode::ReadWrite);
        QVERIFY2(store.isOpen(), qPrintable(store.errorText()));
        revBefore = store.scalar(QStringLiteral("SELECT MAX(rev) FROM jobs")).toLongLong();
        const qint64 fence =
            store.scalar(QStringLiteral("SELECT fence FROM jobs WHERE id = ?"), {withFile})
                .toLongLong();
        QVERIFY(fence > 0);
        const QString fileName = QStringLiteral("%1.%2.json").arg(withFile).arg(fence);
        resultPath = QDir(backend.dataDir()).filePath(QStringLiteral("results/") + fileName);
        const QByteArray bytes(100 * 1024, 'r');
        QFile file(resultPath);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(bytes), bytes.size());
        file.close();
        QCOMPARE(
            store.exec(QStringLiteral("UPDATE jobs SET result_file = ?, result_size = ?, "
                                      "result_sha256 = ? WHERE id = ?"),
                       {fileName, bytes.size(),
                        QString::fromLatin1(
                            QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex()),
                        withFile}),
            1);
        QCOMPARE(store.exec(QStringLiteral("DELETE FROM results WHERE job_id = ?"), {withFile}), 1);
        QCOMPARE(store.exec(QStringLiteral("UPDATE jobs SET finished_at_ms = ? WHERE id IN (%1)")
                                .arg(placeholders(3)),
                            QVariantList{twoHoursAgoMs()} + toVariants(expired)),
                 3);
    }

    QVERIFY2(backend.start(1, kOneHour), qPrintable(backend.errorText()));
    JobsApi api(backend.httpBase(), backend.token());
    for (const QString &id : expired) {
        QTRY_COMPARE_WITH_TIMEOUT(api.http().get(QStringLiteral("/api/v1/jobs/") + id).status, 404,
                                  10000);
        QCOMPARE(api.http().get(QStringLiteral("/api/v1/jobs/%1/events").arg(id)).status, 404);
        QCOMPARE(api.cancel(id).status, 404);
    }
    QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(resultPath), 5000);

    // The recent job is untouched.
    QCOMPARE(api.status(recent), QStringLiteral("COMPLETED"));
    QCOMPARE(api.http().get(QStringLiteral("/api/v1/jobs/%1/result").arg(recent)).status, 200);

    // The change feed reports each purge once, as a tombstone.
    const QJsonObject feed =
        api.http()
            .get(QStringLiteral("/api/v1/jobs?changed_since=%1&limit=1000").arg(revBefore))
            .json();
    QSet<QString> tombstones;
    for (const QJsonValue &v : feed.value(QStringLiteral("items")).toArray()) {
        const QJsonObject item = v.toObject();
        if (!item.value(QStringLiteral("deleted")).toBool())
            continue;
        QCOMPARE(item.keys(), (QStringList{QStringLiteral("deleted"), QStringLiteral("id"),
                                           QStringLiteral("rev")}));
        QVERIFY(item.value(QStringLiteral("rev")).toInteger() > revBefore);
        QVERIFY2(!tombstones.contains(item.value(QStringLiteral("id")).toString()),
                 "a tombstone twice");
        tombstones.insert(item.value(QStringLiteral("id")).toString());
    }
    QCOMPARE(tombstones, QSet<QString>(expired.cbegin(), expired.cend()));
    // The contract: the result of a purged job is 410 Gone (the job itself 404).
    const int purgedResult =
        api.http().get(QStringLiteral("/api/v1/jobs/%1/result").arg(withFile)).status;
    const HttpReply replayed = api.http().post(QStringLiteral("/api/v1/jobs"), keyedBody,
                                               "application/json", {{"Idempotency-Key", kKey}});
    QCOMPARE(replayed.status, 202);
    QCOMPARE(replayed.header("Idempotent-Replayed"), QByteArray("true"));
    QCOMPARE(replayed.json().value(QStringLiteral("id")).toString(), withInlineResult);
    QCOMPARE(backend.stop(), 0);

    // Events and result bytes went with their jobs.
    StoreFile store(backend.dataDir(), StoreFile::Mode::ReadOnly);
    QVERIFY2(store.isOpen(), qPrintable(store.errorText()));
    const QString inExpired = QStringLiteral("IN (%1)").arg(placeholders(3));
    QCOMPARE(
        store
            .scalar(QStringLiteral("SELECT COUNT(*) FROM job_events WHERE job_id ") + inExpired,
                    toVariants(expired))
            .toInt(),
        0);
    QCOMPARE(store
                 .scalar(QStringLiteral("SELECT COUNT(*) FROM results WHERE job_id ") + inExpired,
                         toVariants(expired))
                 .toInt(),
             0);
    QCOMPARE(store.column(QStringLiteral("SELECT id FROM jobs")), QVariantList{recent});
    QCOMPARE(purgedResult, 410);
}

void tst_Retention::purgeRunsInBoundedBatches()
{
    // More than two batches of 500 (JobService's kPurgeBatch).
    constexpr int kJobs = 1100;
    BackendProcess backend;
    QVERIFY2(backend.start(2), qPrintable(backend.errorText()));
    {
        const QUrl base(backend.httpBase());
        const QByteArray body =
            QJsonDocument(JobsApi::sleepJob(0, 1)).toJson(QJsonDocument::Compact);
        HttpSubmitLoad load(base.host(), quint16(base.port()), backend.token());
        load.start(kJobs, 16, [&body](int) { return body; });
        QTRY_VERIFY_WITH_TIMEOUT(load.isFinished(), 30000);
        QCOMPARE(load.accepted().size(), kJobs);
        JobsApi api(backend.httpBase(), backend.token());
        QTRY_COMPARE_WITH_TIMEOUT(api.stats()
                                      .value(QStringLiteral("counts"))
                                      .toObject()
                                      .value(QStringLiteral("COMPLETED"))
                                      .toInt(),
                                  kJobs, 60000);
    }
    QCOMPARE(backend.stop(), 0);
    {
        StoreFile store(backend.dataDir(), StoreFile::Mode::ReadWrite);
        QVERIFY2(store.isOpen(), qPrintable(store.errorText()));
        QCOMPARE(
            store.exec(QStringLiteral("UPDATE jobs SET finished_at_ms = ?"), {twoHoursAgoMs()}),
            kJobs);
    }

    QVERIFY2(backend.start(2, kOneHour), qPrintable(backend.errorText()));
    JobsApi api(backend.httpBase(), backend.token());
    QTRY_COMPARE_WITH_TIMEOUT(api.http()
                                  .get(QStringLiteral("/api/v1/jobs?limit=10"))
                                  .json()
                                  .value(QStringLiteral("items"))
                                  .toArray()
                                  .size(),
                              0, 30000);
    QCOMPARE(api.stats()
                 .value(QStringLiteral("counts"))
                 .toObject()
                 .value(QStringLiteral("COMPLETED"))
                 .toInt(),
             0);
    QCOMPARE(backend.stop(), 0);

    // 500, 500, then the last 100: one transaction each.
    const QByteArray log = backend.log();
    QCOMPARE(log.count("purging 500 jobs"), 2);
    QCOMPARE(log.count("purging 100 jobs"), 1);
    StoreFile store(backend.dataDir(), StoreFile::Mode::ReadOnly);
    QVERIFY2(store.isOpen(), qPrintable(store.errorText()));
    QCOMPARE(store.scalar(QStringLiteral("SELECT COUNT(*) FROM jobs")).toInt(), 0);
    QCOMPARE(store.scalar(QStringLiteral("SELECT COUNT(*) FROM job_events")).toInt(), 0);
    QCOMPARE(store.scalar(QStringLiteral("SELECT COUNT(*) FROM tombstones")).toInt(), kJobs);
}

QTEST_GUILESS_MAIN(tst_Retention)
#include "tst_retention.moc"
