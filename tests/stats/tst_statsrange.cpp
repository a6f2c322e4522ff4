// The range of a stats read: from/to/step as the `stats` op and
// GET /api/v1/stats give them, with their defaults, rounding and limits.

#include "stats/statsrange.h"
#include "timeformat.h"

#include <QJsonDocument>
#include <QTest>

using namespace jobdesk;

namespace {

qint64 at(const char *rfc3339)
{
    return parseTimestamp(QString::fromLatin1(rfc3339));
}

} // namespace

class TestStatsRange : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validRange_data();
    void validRange();
    void invalidRange_data();
    void invalidRange();
    void queryString_data();
    void queryString();
    void stepCountRoundsUp();
    void timesWithoutZoneAreRefusedInAnyZone();
};

void TestStatsRange::validRange_data()
{
    QTest::addColumn<QByteArray>("fields");
    QTest::addColumn<qint64>("from");
    QTest::addColumn<qint64>("to");
    QTest::addColumn<qint64>("stepS");
    const qint64 now = at("2026-11-26T10:30:20.500Z");
    Q_UNUSED(now);
    QTest::newRow("nothing given: the last hour by the minute, this minute included")
        << QByteArray("{}") << at("2026-11-26T09:31:00Z") << at("2026-11-26T10:31:00Z")
        << qint64(60);
    QTest::newRow("RFC 3339 times, rounded out to whole minutes")
        << QByteArray(R"({"from": "2026-11-26T08:00:40Z", "to": "2026-11-26T10:00:01Z",
                          "step": 900})")
        << at("2026-11-26T08:00:00Z") << at("2026-11-26T10:01:00Z") << qint64(900);
    QTest::newRow("Unix seconds as numbers")
        << QByteArray(R"({"from": 1795687200, "to": 1795690800})") << qint64(1795687200) * 1000
        << qint64(1795690800) * 1000 << qint64(60);
    QTest::newRow("Unix seconds as strings, step as a string")
        << QByteArray(R"({"from": "1795687200", "to": "1795690800", "step": "3600"})")
        << qint64(1795687200) * 1000 << qint64(1795690800) * 1000 << qint64(3600);
    QTest::newRow("from alone: up to now")
        << QByteArray(R"({"from": "2026-11-26T10:00:00Z"})") << at("2026-11-26T10:00:00Z")
        << at("2026-11-26T10:31:00Z") << qint64(60);
    QTest::newRow("a time zone offset")
        << QByteArray(R"({"from": "2026-11-26T11:00:00+01:00", "to": "2026-11-26T10:10:00Z"})")
        << at("2026-11-26T10:00:00Z") << at("2026-11-26T10:10:00Z") << qint64(60);
    QTest::newRow("an offset that is not whole hours, fractions of a second")
        << QByteArray(
               R"({"from": "2026-11-26T15:15:59.999999+05:45", "to": "2026-11-26T10:10:00z"})")
        << at("2026-11-26T09:30:00Z") << at("2026-11-26T10:10:00Z") << qint64(60);
    QTest::newRow("a step that does not divide the range: the last one is shorter")
        << QByteArray(R"({"from": "2026-11-26T09:00:00Z", "to": "2026-11-26T10:25:00Z",
                          "step": 3600})")
        << at("2026-11-26T09:00:00Z") << at("2026-11-26T10:25:00Z") << qint64(3600);
}

void TestStatsRange::validRange()
{
    QFETCH(QByteArray, fields);
    QFETCH(qint64, from);
    QFETCH(qint64, to);
    QFETCH(qint64, stepS);
    const qint64 now = at("2026-11-26T10:30:20.500Z");
    const Result<StatsRange> range = parseStatsRange(QJsonDocument::fromJson(fields).object(), now);
    QVERIFY2(range.ok(), range.ok() ? "" : qPrintable(range.error().detail));
    QCOMPARE(formatTimestamp(range.value().fromMs), formatTimestamp(from));
    QCOMPARE(formatTimestamp(range.value().toMs), formatTimestamp(to));
    QCOMPARE(range.value().stepMs, stepS * 1000);
}

void TestStatsRange::invalidRange_data()
{
    QTest::addColumn<QByteArray>("fields");
    QTest::addColumn<QString>("field");
    QTest::newRow("from is not a time") << QByteArray(R"({"from": "yesterday"})") << "from";
    // Without an offset, Qt would read these in jobdeskd's local time zone.
    QTest::newRow("a time without its time zone")
        << QByteArray(R"({"from": "2026-11-26T09:00:00"})") << "from";
    QTest::newRow("a date alone") << QByteArray(R"({"to": "2026-11-26"})") << "to";
    QTest::newRow("to is not a time") << QByteArray(R"({"to": true})") << "to";
    QTest::newRow("negative seconds") << QByteArray(R"({"from": -5})") << "from";
    QTest::newRow("step not a multiple of a minute") << QByteArray(R"({"step": 90})") << "step";
    QTest::newRow("step under a minute") << QByteArray(R"({"step": 0})") << "step";
    QTest::newRow("step not a number") << QByteArray(R"({"step": "5m"})") << "step";
    QTest::newRow("from after to")
        << QByteArray(R"({"from": "2026-11-26T10:00:00Z", "to": "2026-11-26T09:00:00Z"})")
        << "from";
    QTest::newRow("more than 31 days")
        << QByteArray(R"({"from": "2026-10-01T00:00:00Z", "to": "2026-11-26T00:00:00Z",
                          "step": 86400})")
        << "from";
    QTest::newRow("too many steps")
        << QByteArray(R"({"from": "2026-11-19T00:00:00Z", "to": "2026-11-26T00:00:00Z"})")
        << "step";
}

void TestStatsRange::invalidRange()
{
    QFETCH(QByteArray, fields);
    QFETCH(QString, field);
    const Result<StatsRange> range =
        parseStatsRange(QJsonDocument::fromJson(fields).object(), at("2026-11-26T10:30:00Z"));
    QVERIFY(!range.ok());
    QCOMPARE(range.error().code, ErrorCode::InvalidRequest);
    QCOMPARE(range.error().fieldErrors.size(), 1);
    QCOMPARE(range.error().fieldErrors.first().field, field);
    // The detail alone says what is wrong (a ZeroMQ client may show only it).
    const FieldError &error = range.error().fieldErrors.first();
    QVERIFY2(range.error().detail.contains(error.field + QLatin1Char(' ') + error.message),
             qPrintable(range.error().detail));
}

void TestStatsRange::timesWithoutZoneAreRefusedInAnyZone()
{
    // The same text must mean the same moment whatever jobdeskd's zone is:
    // without an offset it means none, and is refused.
    const QByteArray oldTz = qgetenv("TZ");
    for (const char *zone : {"UTC", "Asia/Kathmandu", "America/New_York"}) {
        qputenv("TZ", zone);
        const Result<StatsRange> range =
            parseStatsRangeQuery(QStringLiteral("from=2026-11-26T09:00:00&to=2026-11-26T10:00:00Z"),
                                 at("2026-11-26T10:30:00Z"));
        QVERIFY2(!range.ok(), zone);
        QCOMPARE(range.error().fieldErrors.first().field, QStringLiteral("from"));
    }
    if (oldTz.isNull())
        qunsetenv("TZ");
    else
        qputenv("TZ", oldTz);
}

void TestStatsRange::queryString_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("errorField"); // empty: valid
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("percent-encoded time")
        << "from=2026-11-26T09%3A00%3A00Z&to=2026-11-26T10%3A00%3A00Z&step=300" << QString();
    QTest::newRow("an offset's + left unencoded (as curl sends it)")
        << "from=2026-11-26T10:00:00+01:00&to=2026-11-26T10:00:00Z" << QString();
    QTest::newRow("a time without its zone") << "from=2026-11-26T09:00:00"
                                             << "from";
    QTest::newRow("unknown parameter") << "from=1795687200&limit=3"
                                       << "limit";
    QTest::newRow("repeated parameter") << "step=60&step=120"
                                        << "step";
    QTest::newRow("bad value") << "to=soon"
                               << "to";
}

void TestStatsRange::queryString()
{
    QFETCH(QString, query);
    QFETCH(QString, errorField);
    const Result<StatsRange> range = parseStatsRangeQuery(query, at("2026-11-26T10:30:00Z"));
    if (errorField.isEmpty()) {
        QVERIFY2(range.ok(), range.ok() ? "" : qPrintable(range.error().detail));
        return;
    }
    QVERIFY(!range.ok());
    QCOMPARE(range.error().fieldErrors.first().field, errorField);
}

void TestStatsRange::stepCountRoundsUp()
{
    // A span that is not a whole number of steps ends with a shorter step.
    const StatsRange range{at("2026-11-26T10:00:00Z"), at("2026-11-26T10:25:00Z"), 600000};
    QCOMPARE(range.stepCount(), 3);
    QCOMPARE(StatsRange::lastHour(at("2026-11-26T10:00:00Z")).stepCount(), 60);
    const StatsRange day = StatsRange::lastHoursTotal(at("2026-11-26T10:00:30Z"), 24);
    QCOMPARE(day.stepCount(), 1);
    QCOMPARE(day.toMs - day.fromMs, qint64(24) * 3600 * 1000);
}

QTEST_GUILESS_MAIN(TestStatsRange)
#include "tst_statsrange.moc"
