// A full disk: with the data dir on a small tmpfs that the test fills up,
// the store cannot commit, so submits get 503 with Retry-After and never a
// 202 for a job that was not stored; once space is back, jobdeskd carries on
// by itself and every job it accepted completes. A results folder too small
// for a result fails that attempt with a clear error, leaves no partial
// file behind, and the job succeeds once re-driven with space back.
//
// CI runs as root, where permissions do not stop writes: a tmpfs is the
// honest way to run out of space. The test is skipped where mount is not
// permitted.

#include "backendprocess.h"
#include "jobsapi.h"
#include "procfs.h"
#include "storefile.h"
#include "tmpfsmount.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

class tst_ResourceFaults : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void fullDiskRefusesSubmitsAndRecovers();
    void fullResultsFolderFailsTheAttempt();
};

void tst_ResourceFaults::fullDiskRefusesSubmitsAndRecovers()
{
    QTemporaryDir scratch;
    QVERIFY(scratch.isValid());
    TmpfsMount disk(scratch.filePath(QStringLiteral("disk")));
    if (!disk.mount(32 * 1024 * 1024))
        QSKIP(qPrintable(QStringLiteral("needs to mount a tmpfs (root or CAP_SYS_ADMIN): %1")
                             .arg(disk.errorText())));

    const QString dataDir = disk.path() + QStringLiteral("/data");
    QStringList accepted;
    {
        BackendProcess backend(dataDir);
        QVERIFY2(backend.start(1, {QStringLiteral("--retry-base"), QStringLiteral("0.1"),
                                   QStringLiteral("--retry-cap"), QStringLiteral("0.5"),
                                   QStringLiteral("--shutdown-grace"), QStringLiteral("1")}),
                 qPrintable(backend.errorText()));
        JobsApi api(backend.httpBase(), backend.token());
        for (int i = 0; i < 3; ++i)
            accepted.append(api.submitId(JobsApi::sleepJob(0)));
        for (const QString &id : accepted)
            QTRY_COMPARE_WITH_TIMEOUT(api.status(id), QStringLiteral("COMPLETED"), 10000);

        // One job runs on while the disk is full: its progress and its
        // outcome cannot be written then, and must not be lost.
        const QString running = api.submitId(JobsApi::sleepJob(1.5, 3));
        QTRY_COMPARE_WITH_TIMEOUT(api.status(running), QStringLiteral("PROCESSING"), 10000);

        // Fill the disk. The store's log may still have room it reuses, so
        // keep submitting until a commit needs space it cannot get.
        const QString filler = disk.path() + QStringLiteral("/filler");
        QVERIFY(TmpfsMount::fillWith(filler) > 0);
        QCOMPARE(disk.freeBytes(), 0);
        HttpReply refused;
        for (int i = 0; i < 5000; ++i) {
            const HttpReply reply = api.submit(JobsApi::sleepJob(0));
            if (reply.status != 202) {
                refused = reply;
                break;
            }
            accepted.append(reply.json().value(QStringLiteral("id")).toString());
        }
        qInfo("%lld jobs accepted before the full disk refused one", qint64(accepted.size()));
        QCOMPARE(refused.status, 503);
        QVERIFY(refused.header("Content-Type").startsWith("application/problem+json"));
        QVERIFY(!refused.header("Retry-After").isEmpty());
        QVERIFY2(refused.json()
                     .value(QStringLiteral("detail"))
                     .toString()
                     .contains(QLatin1String("commit")),
                 refused.body.constData());
        // Still up, still reading.
        QVERIFY(procfs::isAlive(backend.pid()));
        QCOMPARE(api.http().get(QStringLiteral("/healthz")).status, 200);
        QCOMPARE(api.status(accepted.first()), QStringLiteral("COMPLETED"));
        // The running job finishes meanwhile; its outcome waits for space.
        QTest::qWait(2500);
        QCOMPARE(api.status(running), QStringLiteral("PROCESSING"));

        // Space comes back: the next submits are stored again, and every
        // accepted job (including any whose completion could not be written
        // while the disk was full) reaches COMPLETED.
        QVERIFY(QFile::remove(filler));
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const QString id = api.submitId(JobsApi::sleepJob(0));
                if (!id.isEmpty())
                    accepted.append(id);
                return !id.isEmpty();
            }(),
            10000);
        for (const QString &id : accepted) {
            QTRY_COMPARE_WITH_TIMEOUT(api.status(id), QStringLiteral("COMPLETED"), 20000);
            QCOMPARE(api.transitionsTo(id, QStringLiteral("COMPLETED")), 1);
        }
        // The outcome that could not be written is applied once it can be:
        // the job that finished on a full disk completes, once, on attempt 1.
        accepted.append(running);
        QTRY_COMPARE_WITH_TIMEOUT(api.status(running), QStringLiteral("COMPLETED"), 5000);
        QCOMPARE(api.transitionsTo(running, QStringLiteral("COMPLETED")), 1);
        QCOMPARE(api.job(running).value(QStringLiteral("attempt")).toInt(), 1);
        QCOMPARE(backend.stop(), 0);
    }

    // Exactly the accepted jobs are stored, and the file is sound.
    StoreFile store(dataDir, StoreFile::Mode::ReadOnly);
    QVERIFY2(store.isOpen(), qPrintable(store.errorText()));
    QCOMPARE(store.scalar(QStringLiteral("PRAGMA integrity_check")).toString(),
             QStringLiteral("ok"));
    QCOMPARE(store.scalar(QStringLiteral("SELECT COUNT(*) FROM jobs")).toInt(), accepted.size());
}

void tst_ResourceFaults::fullResultsFolderFailsTheAttempt()
{
    QTemporaryDir scratch;
    QVERIFY(scratch.isValid());
    // The database stays on the ordinary disk; only the results folder is
    // small. A result over 64 KiB is a file there, and this one is ~2.5 MB.
    const QString dataDir = scratch.filePath(QStringLiteral("data"));
    TmpfsMount results(dataDir + QStringLiteral("/results"));
    if (!results.mount(512 * 1024))
        QSKIP(qPrintable(QStringLiteral("needs to mount a tmpfs (root or CAP_SYS_ADMIN): %1")
                             .arg(results.errorText())));

    // report.sql over an (empty) SQLite file: the rows come from the query.
    const QString inputs = scratch.filePath(QStringLiteral("inputs"));
    QVERIFY(QDir().mkpath(inputs));
    const QString database = inputs + QStringLiteral("/empty.db");
    QString inputError;
    QVERIFY2(StoreFile::createInputDatabase(database, &inputError), qPrintable(inputError));

    BackendProcess backend(dataDir);
    QVERIFY2(backend.start(1, {QStringLiteral("--input-root"), inputs}),
             qPrintable(backend.errorText()));
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

    const QJsonObject submit{
        {QStringLiteral("kind"), QStringLiteral("report.sql")},
        {QStringLiteral("max_attempts"), 1},
        {QStringLiteral("params"),
         QJsonObject{
             {QStringLiteral("database"), database},
             {QStringLiteral("format"), QStringLiteral("csv")},
             {QStringLiteral("query"),
              QStringLiteral("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                             "WHERE i < 40000) SELECT i, printf('%060d', i) AS padding FROM n")}}}};
    const HttpReply accepted = api.submit(submit);
    QCOMPARE(accepted.status, 202);
    const QString id = accepted.json().value(QStringLiteral("id")).toString();
    QTRY_COMPARE_WITH_TIMEOUT(api.status(id), QStringLiteral("FAILED"), 20000);
    const QJsonObject failed = api.job(id);
    const QJsonObject error = failed.value(QStringLiteral("error")).toObject();
    qInfo("a full results folder failed the attempt with: %s %s",
          qPrintable(error.value(QStringLiteral("code")).toString()),
          qPrintable(error.value(QStringLiteral("message")).toString()));
    QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("job_error"));
    QVERIFY2(error.value(QStringLiteral("message"))
                 .toString()
                 .contains(QLatin1String("No space left on device")),
             qPrintable(error.value(QStringLiteral("message")).toString()));
    QVERIFY(failed.value(QStringLiteral("result")).isNull());
    // No partial result is left to fill the folder.
    QTRY_COMPARE_WITH_TIMEOUT(QDir(results.path()).entryList(QDir::Files | QDir::NoDotAndDotDot),
                              QStringList(), 5000);

    // With room again (here: a folder on the ordinary disk), a re-drive
    // completes and the result is whole.
    QCOMPARE(backend.stop(), 0);
    results.unmount();
    QVERIFY2(backend.start(1, {QStringLiteral("--input-root"), inputs}),
             qPrintable(backend.errorText()));
    JobsApi again(backend.httpBase(), backend.token());
    QCOMPARE(again.retry(id).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(again.status(id), QStringLiteral("COMPLETED"), 20000);
    const QJsonObject done = again.job(id);
    const HttpReply download = again.http().get(QStringLiteral("/api/v1/jobs/%1/result").arg(id));
    QCOMPARE(download.status, 200);
    QVERIFY(download.body.size() > 2 * 1024 * 1024);
    QCOMPARE(
        QString::fromLatin1(
            QCryptographicHash::hash(download.body, QCryptographicHash::Sha256).toHex()),
        done.value(QStringLiteral("result")).toObject().value(QStringLiteral("sha256")).toString());
    QCOMPARE(done.value(QStringLiteral("attempt")).toInt(), 2);
    QCOMPARE(backend.stop(), 0);
}

QTEST_GUILESS_MAIN(tst_ResourceFaults)
#include "tst_resourcefaults.moc"
