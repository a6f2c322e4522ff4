#include "jobfactory.h"
#include "jobfilterproxy.h"
#include "jobtablemodel.h"

#include <QAbstractItemModelTester>
#include <QRandomGenerator>
#include <QTest>

using namespace jobdesk;
using jobfactory::make;

class TestJobFilterProxy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void filters_data();
    void filters();
    void sortsByRawValues_data();
    void sortsByRawValues();
    void staysSortedAndFilteredUnderBatches();

private:
    static QStringList visibleIds(const JobFilterProxy &proxy);
};

QStringList TestJobFilterProxy::visibleIds(const JobFilterProxy &proxy)
{
    QStringList ids;
    for (int row = 0; row < proxy.rowCount(); ++row)
        ids.append(proxy.index(row, 0).data(JobTableModel::JobIdRole).toString().right(2));
    return ids;
}

namespace {

// 01 pending demo.sleep; 02 processing demo.sleep "step 3"; 03 completed report.sql;
// 04 failed report.sql; 05 cancelled demo.sleep; 06 retrying demo.sleep.
QList<Job> sampleJobs()
{
    Job running = make(2, JobStatus::Processing);
    running.message = QStringLiteral("Step 3 of 20");
    running.progress = 15.0;
    Job sql = make(3, JobStatus::Completed, 1, QStringLiteral("report.sql"));
    sql.params = QJsonObject{{QStringLiteral("database"), QStringLiteral("/srv/sales.db")}};
    return {make(1, JobStatus::Pending),
            running,
            sql,
            make(4, JobStatus::Failed, 1, QStringLiteral("report.sql")),
            make(5, JobStatus::Cancelled),
            make(6, JobStatus::Retrying)};
}

} // namespace

void TestJobFilterProxy::filters_data()
{
    QTest::addColumn<QList<JobStatus>>("statuses");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("expected");

    const QList<JobStatus> all;
    QTest::newRow("no filter") << all << QString() << QString()
                               << QStringList{"01", "02", "03", "04", "05", "06"};
    QTest::newRow("active statuses")
        << QList<JobStatus>{JobStatus::Pending, JobStatus::Processing, JobStatus::Retrying}
        << QString() << QString() << QStringList{"01", "02", "06"};
    QTest::newRow("failed only") << QList<JobStatus>{JobStatus::Failed} << QString() << QString()
                                 << QStringList{"04"};
    QTest::newRow("kind") << all << QStringLiteral("report.sql") << QString()
                          << QStringList{"03", "04"};
    QTest::newRow("kind and status")
        << QList<JobStatus>{JobStatus::Completed} << QStringLiteral("report.sql") << QString()
        << QStringList{"03"};
    QTest::newRow("text in message, any case")
        << all << QString() << QStringLiteral("STEP 3") << QStringList{"02"};
    QTest::newRow("text in params")
        << all << QString() << QStringLiteral("sales.db") << QStringList{"03"};
    QTest::newRow("text in id") << all << QString() << QStringLiteral("000000000005")
                                << QStringList{"05"};
    QTest::newRow("text in kind") << all << QString() << QStringLiteral("sql")
                                  << QStringList{"03", "04"};
    QTest::newRow("nothing matches")
        << all << QString() << QStringLiteral("no such thing") << QStringList{};
}

void TestJobFilterProxy::filters()
{
    QFETCH(QList<JobStatus>, statuses);
    QFETCH(QString, kind);
    QFETCH(QString, text);
    QFETCH(QStringList, expected);

    JobTableModel model;
    JobFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.sort(JobTableModel::SubmittedColumn, Qt::AscendingOrder);
    model.applyBatch(sampleJobs());

    proxy.setStatusFilter(statuses);
    proxy.setKindFilter(kind);
    proxy.setTextFilter(text);
    QCOMPARE(visibleIds(proxy), expected);
    QCOMPARE(proxy.statusFilter(), statuses);
}

void TestJobFilterProxy::sortsByRawValues_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<Qt::SortOrder>("order");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("submitted, newest first")
        << int(JobTableModel::SubmittedColumn) << Qt::DescendingOrder
        << QStringList{"06", "05", "04", "03", "02", "01"};
    // 9% sorts before 15%: numbers, not text.
    QTest::newRow("progress as numbers, ties by submission")
        << int(JobTableModel::ProgressColumn) << Qt::AscendingOrder
        << QStringList{"01", "04", "05", "06", "07", "02", "03"};
    QTest::newRow("status groups active work first")
        << int(JobTableModel::StatusColumn) << Qt::AscendingOrder
        << QStringList{"02", "07", "06", "01", "04", "05", "03"};
    QTest::newRow("kind") << int(JobTableModel::KindColumn) << Qt::AscendingOrder
                          << QStringList{"01", "02", "05", "06", "07", "03", "04"};
}

void TestJobFilterProxy::sortsByRawValues()
{
    QFETCH(int, column);
    QFETCH(Qt::SortOrder, order);
    QFETCH(QStringList, expected);

    JobTableModel model;
    JobFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<Job> jobs = sampleJobs();
    Job nine = make(7, JobStatus::Processing);
    nine.progress = 9.0;
    jobs.append(nine);
    model.applyBatch(jobs);
    proxy.sort(column, order);
    if (column == JobTableModel::SubmittedColumn)
        expected.prepend(QStringLiteral("07"));
    QCOMPARE(visibleIds(proxy), expected);
}

void TestJobFilterProxy::staysSortedAndFilteredUnderBatches()
{
    JobTableModel model;
    JobFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.sort(JobTableModel::ProgressColumn, Qt::DescendingOrder);
    proxy.setStatusFilter({JobStatus::Processing, JobStatus::Pending});

    auto *rng = QRandomGenerator::global();
    QList<Job> jobs;
    for (int i = 0; i < 500; ++i)
        jobs.append(make(i, JobStatus::Pending, 1));
    model.applyBatch(jobs);
    QCOMPARE(proxy.rowCount(), 500);

    qint64 rev = 2;
    for (int round = 0; round < 20; ++round) {
        QList<Job> batch;
        for (int k = 0; k < 50; ++k) {
            const int row = int(rng->bounded(model.rowCount()));
            Job j = model.jobAt(row);
            if (isTerminal(j.status))
                continue;
            j.rev = rev++;
            const quint32 dice = rng->bounded(10u);
            if (dice == 0) {
                j.status = JobStatus::Completed;
                j.progress = 100.0;
            } else {
                j.status = JobStatus::Processing;
                j.progress = double(rng->bounded(100));
            }
            batch.append(j);
        }
        batch.append(make(1000 + round, JobStatus::Pending, rev++));
        model.applyBatch(batch);

        // Filter: exactly the non-terminal jobs are visible.
        QCOMPARE(proxy.rowCount(), model.activeCount());
        // Sort: progress never increases going down.
        for (int row = 1; row < proxy.rowCount(); ++row) {
            const double above = proxy.index(row - 1, JobTableModel::ProgressColumn)
                                     .data(JobTableModel::UnderlyingDataRole)
                                     .toDouble();
            const double below = proxy.index(row, JobTableModel::ProgressColumn)
                                     .data(JobTableModel::UnderlyingDataRole)
                                     .toDouble();
            QVERIFY2(above >= below, qPrintable(QStringLiteral("row %1").arg(row)));
        }
    }
}

QTEST_MAIN(TestJobFilterProxy)
#include "tst_jobfilterproxy.moc"
