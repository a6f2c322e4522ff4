#include "jobstatus.h"

#include <QTest>

using namespace jobdesk;

Q_DECLARE_METATYPE(jobdesk::JobStatus)

class tst_JobStatus : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void transition_data();
    void transition();
    void names_data();
    void names();
    void terminal();
};

// Every ordered pair of states, with the contract's verdict. Kept as the
// contract states it, not derived from the table under test.
void tst_JobStatus::transition_data()
{
    QTest::addColumn<JobStatus>("from");
    QTest::addColumn<JobStatus>("to");
    QTest::addColumn<bool>("legal");

    const QSet<QPair<QString, QString>> legal = {
        {QStringLiteral("PENDING"), QStringLiteral("PROCESSING")},
        {QStringLiteral("PENDING"), QStringLiteral("CANCELLED")},
        {QStringLiteral("PROCESSING"), QStringLiteral("COMPLETED")},
        {QStringLiteral("PROCESSING"), QStringLiteral("FAILED")},
        {QStringLiteral("PROCESSING"), QStringLiteral("CANCELLED")},
        {QStringLiteral("PROCESSING"), QStringLiteral("RETRYING")},
        {QStringLiteral("PROCESSING"), QStringLiteral("PENDING")}, // requeued after a restart
        {QStringLiteral("RETRYING"), QStringLiteral("PENDING")},
        {QStringLiteral("RETRYING"), QStringLiteral("CANCELLED")},
        {QStringLiteral("FAILED"), QStringLiteral("PENDING")},    // re-drive
        {QStringLiteral("CANCELLED"), QStringLiteral("PENDING")}, // re-drive
    };
    for (JobStatus from : kAllStatuses) {
        for (JobStatus to : kAllStatuses) {
            const QString name = statusName(from) + QStringLiteral("->") + statusName(to);
            QTest::newRow(qPrintable(name))
                << from << to << legal.contains({statusName(from), statusName(to)});
        }
    }
}

void tst_JobStatus::transition()
{
    QFETCH(JobStatus, from);
    QFETCH(JobStatus, to);
    QFETCH(bool, legal);
    QCOMPARE(canTransition(from, to), legal);
}

void tst_JobStatus::names_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("known");
    QTest::newRow("pending") << QStringLiteral("PENDING") << true;
    QTest::newRow("processing") << QStringLiteral("PROCESSING") << true;
    QTest::newRow("retrying") << QStringLiteral("RETRYING") << true;
    QTest::newRow("completed") << QStringLiteral("COMPLETED") << true;
    QTest::newRow("failed") << QStringLiteral("FAILED") << true;
    QTest::newRow("cancelled") << QStringLiteral("CANCELLED") << true;
    QTest::newRow("lower case") << QStringLiteral("pending") << false;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("unknown") << QStringLiteral("DONE") << false;
}

void tst_JobStatus::names()
{
    QFETCH(QString, name);
    QFETCH(bool, known);
    const auto status = statusFromName(name);
    QCOMPARE(status.has_value(), known);
    if (known)
        QCOMPARE(statusName(*status), name);
}

void tst_JobStatus::terminal()
{
    QVERIFY(!isTerminal(JobStatus::Pending));
    QVERIFY(!isTerminal(JobStatus::Processing));
    QVERIFY(!isTerminal(JobStatus::Retrying));
    QVERIFY(isTerminal(JobStatus::Completed));
    QVERIFY(isTerminal(JobStatus::Failed));
    QVERIFY(isTerminal(JobStatus::Cancelled));
}

QTEST_APPLESS_MAIN(tst_JobStatus)
#include "tst_jobstatus.moc"
