#include "jobfactory.h"
#include "jobnotifier.h"
#include "jobtablemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace jobdesk;
using jobfactory::make;

class TestJobTableModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void snapshotPagesAreInsertedNotReset();
    void newerRevReplacesRowOlderIsIgnored();
    void changesEmitDataChangedOnlyOnChangedColumns();
    void adjacentChangedRowsShareOneSignal();
    void sameJobTwiceInOneBatchKeepsTheNewest();
    void tombstonesRemoveRows_data();
    void tombstonesRemoveRows();
    void countsFollowStatuses();
    void notifierTakesWatchesFromItsReceivers();
    void displayAndRawValues_data();
    void displayAndRawValues();
    void kindsAreCollected();
};

void TestJobTableModel::snapshotPagesAreInsertedNotReset()
{
    JobTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);

    for (int page = 0; page < 3; ++page) {
        QList<Job> jobs;
        for (int i = 0; i < 1000; ++i)
            jobs.append(make(page * 1000 + i));
        model.applyBatch(jobs);
    }
    QCOMPARE(model.rowCount(), 3000);
    QCOMPARE(inserts.count(), 3); // one per page
    QCOMPARE(resets.count(), 0);
    QCOMPARE(model.rowOf(jobfactory::idFor(2500)), 2500);
    QCOMPARE(model.jobAt(1234).id, jobfactory::idFor(1234));
}

void TestJobTableModel::newerRevReplacesRowOlderIsIgnored()
{
    JobTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.applyBatch({make(1, JobStatus::Pending, 10)});

    Job older = make(1, JobStatus::Completed, 9);
    model.applyBatch({older});
    QCOMPARE(model.jobAt(0).status, JobStatus::Pending);

    Job same = make(1, JobStatus::Completed, 10);
    model.applyBatch({same});
    QCOMPARE(model.jobAt(0).status, JobStatus::Pending);

    Job newer = make(1, JobStatus::Processing, 11);
    newer.progress = 40.0;
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.applyBatch({newer});
    QCOMPARE(model.jobAt(0).status, JobStatus::Processing);
    QCOMPARE(model.jobAt(0).progress, std::optional<double>(40.0));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(changed.count(), 1);
}

void TestJobTableModel::changesEmitDataChangedOnlyOnChangedColumns()
{
    JobTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    Job job = make(1, JobStatus::Processing, 1);
    job.etaS = 10.0;
    model.applyBatch({job});

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    job.progress = 50.0; // progress only
    job.rev = 2;
    model.applyBatch({job});
    QCOMPARE(changed.count(), 1);
    auto topLeft = changed.at(0).at(0).value<QModelIndex>();
    auto bottomRight = changed.at(0).at(1).value<QModelIndex>();
    QCOMPARE(topLeft.column(), int(JobTableModel::ProgressColumn));
    QCOMPARE(bottomRight.column(), int(JobTableModel::ProgressColumn));

    changed.clear();
    job.message = QStringLiteral("step 10 of 20");
    job.etaS = 4.0;
    job.rev = 3;
    model.applyBatch({job});
    QCOMPARE(changed.count(), 1);
    topLeft = changed.at(0).at(0).value<QModelIndex>();
    bottomRight = changed.at(0).at(1).value<QModelIndex>();
    QCOMPARE(topLeft.column(), int(JobTableModel::MessageColumn));
    QCOMPARE(bottomRight.column(), int(JobTableModel::EtaColumn));

    // A change no column shows still reaches whole-job views.
    changed.clear();
    job.priority = 50;
    job.rev = 4;
    model.applyBatch({job});
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.jobAt(0).priority, 50);
}

void TestJobTableModel::adjacentChangedRowsShareOneSignal()
{
    JobTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<Job> jobs;
    for (int i = 0; i < 10; ++i)
        jobs.append(make(i, JobStatus::Processing, 1));
    model.applyBatch(jobs);

    QList<Job> batch;
    for (int i : {2, 3, 4, 7}) { // two runs: 2..4 and 7
        Job j = make(i, JobStatus::Processing, 2);
        j.progress = 30.0;
        batch.append(j);
    }
    Job fresh = make(100, JobStatus::Pending, 2); // and one insert in the same batch
    batch.append(fresh);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy applied(&model, &JobTableModel::batchApplied);
    model.applyBatch(batch);
    QCOMPARE(changed.count(), 2);
    QCOMPARE(changed.at(0).at(0).value<QModelIndex>().row(), 2);
    QCOMPARE(changed.at(0).at(1).value<QModelIndex>().row(), 4);
    QCOMPARE(changed.at(1).at(0).value<QModelIndex>().row(), 7);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(applied.count(), 1);
    QCOMPARE(model.rowCount(), 11);
}

void TestJobTableModel::sameJobTwiceInOneBatchKeepsTheNewest()
{
    JobTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.applyBatch({make(1, JobStatus::Processing, 5), make(1, JobStatus::Pending, 4),
                      make(1, JobStatus::Completed, 6)});
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.jobAt(0).status, JobStatus::Completed);
    QCOMPARE(model.countOf(JobStatus::Completed), 1);
    QCOMPARE(model.countOf(JobStatus::Processing), 0);
}

void TestJobTableModel::tombstonesRemoveRows_data()
{
    QTest::addColumn<QList<int>>("purged");
    QTest::addColumn<int>("removalSignals");

    QTest::newRow("one in the middle") << QList<int>{5} << 1;
    QTest::newRow("a run") << QList<int>{3, 4, 5, 6} << 1;
    QTest::newRow("scattered") << QList<int>{0, 2, 9} << 3;
    QTest::newRow("unknown ids ignored") << QList<int>{42} << 0;
    QTest::newRow("everything") << QList<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9} << 1;
}

void TestJobTableModel::tombstonesRemoveRows()
{
    QFETCH(QList<int>, purged);
    QFETCH(int, removalSignals);

    JobTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<Job> jobs;
    for (int i = 0; i < 10; ++i)
        jobs.append(make(i, JobStatus::Completed));
    model.applyBatch(jobs);

    QStringList ids;
    int known = 0;
    for (int n : purged) {
        ids.append(jobfactory::idFor(n));
        known += n < 10 ? 1 : 0;
    }
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    // A receiver that looks jobs up while rows go (before the reindex at the
    // end) finds each job itself or not at all, never another one.
    int lookups = 0;
    connect(&model, &QAbstractItemModel::rowsRemoved, this, [&] {
        for (int i = 0; i < 10; ++i) {
            const QString id = jobfactory::idFor(i);
            const int row = model.rowOf(id);
            if (row >= 0) {
                QVERIFY(row < model.rowCount());
                QCOMPARE(model.jobAt(row).id, id);
            }
            if (const Job *job = model.job(id))
                QCOMPARE(job->id, id);
            ++lookups;
        }
    });
    model.applyBatch({}, ids);
    QCOMPARE(lookups, 10 * removalSignals);
    QCOMPARE(removed.count(), removalSignals);
    QCOMPARE(model.rowCount(), 10 - known);
    QCOMPARE(model.countOf(JobStatus::Completed), 10 - known);
    for (int row = 0; row < model.rowCount(); ++row) {
        QCOMPARE(model.rowOf(model.jobAt(row).id), row);
        QVERIFY(!ids.contains(model.jobAt(row).id));
    }
}

void TestJobTableModel::notifierTakesWatchesFromItsReceivers()
{
    // A receiver of notified() watches another job, already ended: it is
    // told of at once, from inside, while the first batch's notices go out.
    JobTableModel model;
    JobNotifier notifier(&model);
    model.applyBatch(
        {make(1, JobStatus::Pending), make(2, JobStatus::Pending), make(3, JobStatus::Completed)});
    const QString one = jobfactory::idFor(1);
    const QString two = jobfactory::idFor(2);
    const QString three = jobfactory::idFor(3);
    notifier.watch(one);
    notifier.watch(two);
    QStringList heard;
    connect(&notifier, &JobNotifier::notified, this, [&](const QString &id) {
        heard.append(id);
        if (heard.size() == 1)
            notifier.watch(three);
    });
    model.applyBatch({make(1, JobStatus::Completed, 2), make(2, JobStatus::Failed, 2)});
    QCOMPARE(heard.size(), 3);
    QCOMPARE(QSet<QString>(heard.begin(), heard.end()), (QSet<QString>{one, two, three}));
    QVERIFY(!notifier.isWatching(one) && !notifier.isWatching(two) && !notifier.isWatching(three));
}

void TestJobTableModel::countsFollowStatuses()
{
    JobTableModel model;
    QSignalSpy counts(&model, &JobTableModel::countsChanged);
    model.applyBatch(
        {make(1, JobStatus::Pending), make(2, JobStatus::Processing), make(3, JobStatus::Failed)});
    QCOMPARE(counts.count(), 1);
    QCOMPARE(model.activeCount(), 2);
    model.applyBatch({make(1, JobStatus::Processing, 2), make(2, JobStatus::Completed, 2)});
    QCOMPARE(model.countOf(JobStatus::Pending), 0);
    QCOMPARE(model.countOf(JobStatus::Processing), 1);
    QCOMPARE(model.countOf(JobStatus::Completed), 1);
    QCOMPARE(model.countOf(JobStatus::Failed), 1);
    QCOMPARE(model.activeCount(), 1);
    QCOMPARE(counts.count(), 2);
}

void TestJobTableModel::displayAndRawValues_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("display");
    QTest::addColumn<QVariant>("raw");

    QTest::newRow("short id is the tail")
        << int(JobTableModel::IdColumn) << QStringLiteral("00000007")
        << QVariant(jobfactory::idFor(7));
    QTest::newRow("status") << int(JobTableModel::StatusColumn) << QStringLiteral("Processing")
                            << QVariant(0);
    QTest::newRow("progress") << int(JobTableModel::ProgressColumn) << QStringLiteral("45%")
                              << QVariant(45.0);
    QTest::newRow("duration runs from start to now")
        << int(JobTableModel::DurationColumn) << QStringLiteral("4.0 s") << QVariant(qint64(4000));
    QTest::newRow("eta counts down from the estimate")
        << int(JobTableModel::EtaColumn) << QStringLiteral("~8.0 s") << QVariant(8.0);
}

void TestJobTableModel::displayAndRawValues()
{
    QFETCH(int, column);
    QFETCH(QString, display);
    QFETCH(QVariant, raw);

    JobTableModel model;
    Job job = make(7, JobStatus::Processing);
    job.progress = 45.0;
    job.etaS = 10.0;
    job.startedAtMs = 1'000'000;
    job.updatedAtMs = 1'002'000;
    model.setClock([] { return qint64(1'004'000); });
    model.applyBatch({job});
    const QModelIndex index = model.index(0, column);
    QCOMPARE(index.data(Qt::DisplayRole).toString(), display);
    QCOMPARE(index.data(JobTableModel::UnderlyingDataRole), raw);
}

void TestJobTableModel::kindsAreCollected()
{
    JobTableModel model;
    QSignalSpy kinds(&model, &JobTableModel::kindsChanged);
    model.applyBatch({make(1, JobStatus::Pending, 1, QStringLiteral("report.sql")),
                      make(2, JobStatus::Pending, 1, QStringLiteral("demo.sleep"))});
    model.applyBatch({make(3, JobStatus::Pending, 1, QStringLiteral("demo.sleep"))});
    QCOMPARE(model.kinds(),
             (QStringList{QStringLiteral("demo.sleep"), QStringLiteral("report.sql")}));
    QCOMPARE(kinds.count(), 1);
}

QTEST_MAIN(TestJobTableModel)
#include "tst_jobtablemodel.moc"
