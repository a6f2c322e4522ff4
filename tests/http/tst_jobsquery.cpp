#include "http/jobsquery.h"

#include <QTest>

using namespace jobdesk;

class tst_JobsQuery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaults();
    void listFilters();
    void percentDecoded();
    void changeFeed();
    void invalid_data();
    void invalid();
};

void tst_JobsQuery::defaults()
{
    const Result<JobsQuery> q = parseJobsQuery(QString());
    QVERIFY(q.ok());
    QVERIFY(!q.value().changeFeed);
    QVERIFY(q.value().list.statuses.isEmpty());
    QVERIFY(q.value().list.kind.isEmpty());
    QVERIFY(!q.value().list.deadLetter.has_value());
    QCOMPARE(q.value().list.limit, 50);
    QVERIFY(q.value().list.cursor.isEmpty());
}

void tst_JobsQuery::listFilters()
{
    const Result<JobsQuery> q =
        parseJobsQuery(QStringLiteral("status=PENDING,failed&status=RETRYING&kind=demo.sleep&dead_"
                                      "letter=true&limit=1000&cursor=abc_-1"));
    QVERIFY(q.ok());
    const ListQuery &list = q.value().list;
    QCOMPARE(list.statuses,
             (QList<JobStatus>{JobStatus::Pending, JobStatus::Failed, JobStatus::Retrying}));
    QCOMPARE(list.kind, QStringLiteral("demo.sleep"));
    QCOMPARE(list.deadLetter, std::optional<bool>(true));
    QCOMPARE(list.limit, 1000);
    QCOMPARE(list.cursor, QStringLiteral("abc_-1"));

    const Result<JobsQuery> notDead = parseJobsQuery(QStringLiteral("dead_letter=false&limit=1"));
    QVERIFY(notDead.ok());
    QCOMPARE(notDead.value().list.deadLetter, std::optional<bool>(false));
    QCOMPARE(notDead.value().list.limit, 1);
}

void tst_JobsQuery::percentDecoded()
{
    const Result<JobsQuery> q =
        parseJobsQuery(QStringLiteral("kind=report%2Ecsv_summary&status=PENDING%2CCOMPLETED"));
    QVERIFY(q.ok());
    QCOMPARE(q.value().list.kind, QStringLiteral("report.csv_summary"));
    QCOMPARE(q.value().list.statuses, (QList<JobStatus>{JobStatus::Pending, JobStatus::Completed}));
}

void tst_JobsQuery::changeFeed()
{
    const Result<JobsQuery> q = parseJobsQuery(QStringLiteral("changed_since=48213&limit=1000"));
    QVERIFY(q.ok());
    QVERIFY(q.value().changeFeed);
    QCOMPARE(q.value().changedSince, 48213);
    QCOMPARE(q.value().changeLimit, 1000);

    const Result<JobsQuery> fromZero = parseJobsQuery(QStringLiteral("changed_since=0"));
    QVERIFY(fromZero.ok());
    QCOMPARE(fromZero.value().changedSince, 0);
    QCOMPARE(fromZero.value().changeLimit, 50);
}

void tst_JobsQuery::invalid_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QStringList>("fields");
    QTest::newRow("unknown_status")
        << QStringLiteral("status=PENDING,DONE") << QStringList{QStringLiteral("status")};
    QTest::newRow("empty_status") << QStringLiteral("status=")
                                  << QStringList{QStringLiteral("status")};
    QTest::newRow("limit_zero") << QStringLiteral("limit=0")
                                << QStringList{QStringLiteral("limit")};
    QTest::newRow("limit_too_big")
        << QStringLiteral("limit=1001") << QStringList{QStringLiteral("limit")};
    QTest::newRow("limit_not_a_number")
        << QStringLiteral("limit=ten") << QStringList{QStringLiteral("limit")};
    QTest::newRow("dead_letter_yes")
        << QStringLiteral("dead_letter=yes") << QStringList{QStringLiteral("dead_letter")};
    QTest::newRow("unknown_parameter")
        << QStringLiteral("state=PENDING") << QStringList{QStringLiteral("state")};
    QTest::newRow("repeated_limit")
        << QStringLiteral("limit=1&limit=2") << QStringList{QStringLiteral("limit")};
    QTest::newRow("negative_rev") << QStringLiteral("changed_since=-1")
                                  << QStringList{QStringLiteral("changed_since")};
    QTest::newRow("rev_not_a_number")
        << QStringLiteral("changed_since=abc") << QStringList{QStringLiteral("changed_since")};
    QTest::newRow("feed_with_filters")
        << QStringLiteral("changed_since=5&status=PENDING&cursor=x")
        << QStringList{QStringLiteral("status"), QStringLiteral("cursor")};
    QTest::newRow("every_field_reported")
        << QStringLiteral("limit=0&dead_letter=maybe&status=NOPE")
        << QStringList{QStringLiteral("status"), QStringLiteral("dead_letter"),
                       QStringLiteral("limit")};
}

void tst_JobsQuery::invalid()
{
    QFETCH(QString, query);
    QFETCH(QStringList, fields);
    const Result<JobsQuery> q = parseJobsQuery(query);
    QVERIFY(!q.ok());
    QCOMPARE(q.error().code, ErrorCode::InvalidRequest);
    QStringList reported;
    for (const FieldError &e : q.error().fieldErrors)
        reported.append(e.field);
    reported.sort();
    fields.sort();
    QCOMPARE(reported, fields);
}

QTEST_GUILESS_MAIN(tst_JobsQuery)
#include "tst_jobsquery.moc"
