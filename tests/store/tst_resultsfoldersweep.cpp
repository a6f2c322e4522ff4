// At start, jobdeskd clears the results folder of files no job will serve:
// unfinished writes, results of attempts that were fenced off or lost, and
// files of purged jobs. A file a job names as its result stays, whatever its
// name ends with, and so does anything not named like a worker's file.

#include "store/resultsfoldersweep.h"
#include "store/sqlitejobstore.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace jobdesk;

class tst_ResultsFolderSweep : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void keepsOnlyTheResultsJobsName();
    void keepsFilesWhenTheStoreCannotBeRead();
};

namespace {

const QString kCompleted = QStringLiteral("0193a0c4-0000-7000-8000-00000000000a");
const QString kRunning = QStringLiteral("0193a0c4-0000-7000-8000-00000000000b");
const QString kGone = QStringLiteral("0193a0c4-0000-7000-8000-00000000000c");

bool touch(const QDir &dir, const QString &name)
{
    QFile f(dir.filePath(name));
    return f.open(QIODevice::WriteOnly) && f.write("x") == 1;
}

Job makeJob(const QString &id, JobStatus status, const QString &resultFile)
{
    Job job;
    job.id = id;
    job.kind = QStringLiteral("report.csv_summary");
    job.status = status;
    job.createdAtMs = job.updatedAtMs = 1795000000000;
    job.resultFile = resultFile;
    if (!resultFile.isEmpty())
        job.result = ResultInfo{QStringLiteral("summary.json"), QStringLiteral("application/json"),
                                1, QString(64, QLatin1Char('0'))};
    return job;
}

} // namespace

void tst_ResultsFolderSweep::keepsOnlyTheResultsJobsName()
{
    QTemporaryDir data;
    SqliteJobStore store;
    QVERIFY2(store.open(data.path()), qPrintable(store.lastError()));
    QVERIFY(store.begin());
    Job completed =
        makeJob(kCompleted, JobStatus::Completed, kCompleted + QStringLiteral(".7.json"));
    completed.rev = store.nextRev();
    QVERIFY(store.insertJob(completed));
    Job running = makeJob(kRunning, JobStatus::Processing, {});
    running.fence = 9;
    running.rev = store.nextRev();
    QVERIFY(store.insertJob(running));
    // A result its program named *.tmp, kept as its name by an older worker.
    const QString oddId = QStringLiteral("0193a0c4-0000-7000-8000-00000000000d");
    Job odd = makeJob(oddId, JobStatus::Completed, oddId + QStringLiteral(".4.tmp"));
    odd.rev = store.nextRev();
    QVERIFY(store.insertJob(odd));
    QVERIFY(store.commit());

    QDir results(data.filePath(QStringLiteral("results")));
    QVERIFY(results.mkpath(QStringLiteral(".")));
    const QStringList kept = {kCompleted + QStringLiteral(".7.json"), odd.resultFile,
                              QStringLiteral("stray-file"), QStringLiteral("notes.txt"),
                              QStringLiteral("backup.2024.tar")}; // not a job's name
    const QStringList garbage = {
        kCompleted + QStringLiteral(".5.json"), // an earlier attempt, fenced off
        kCompleted + QStringLiteral(".8.tmp"),  // a write that never finished
        kRunning + QStringLiteral(".9.json"),   // renamed, but its outcome was lost
        kGone + QStringLiteral(".3.csv"),       // its job was purged
    };
    for (const QString &name : kept + garbage)
        QVERIFY(touch(results, name));

    QCOMPARE(sweepResultsFolder(results.path(), store), int(garbage.size()));
    QStringList left = results.entryList(QDir::Files);
    QStringList want = kept;
    left.sort();
    want.sort();
    QCOMPARE(left, want);
    QCOMPARE(sweepResultsFolder(results.path(), store), 0); // nothing left to do
}

void tst_ResultsFolderSweep::keepsFilesWhenTheStoreCannotBeRead()
{
    QTemporaryDir data;
    QDir results(data.path());
    QVERIFY(touch(results, kCompleted + QStringLiteral(".7.json")));
    QVERIFY(touch(results, kCompleted + QStringLiteral(".8.tmp")));
    SqliteJobStore closed; // never opened: every read fails
    QCOMPARE(sweepResultsFolder(results.path(), closed), -1);
    QCOMPARE(results.entryList(QDir::Files).size(), 2); // nothing is removed blind
}

QTEST_GUILESS_MAIN(tst_ResultsFolderSweep)
#include "tst_resultsfoldersweep.moc"
