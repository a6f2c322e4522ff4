// The series part of the stats object: one item per step that has started,
// counts summed, gauges carried over steps without a commit, and per kind
// failure rates and quantiles from the summed buckets.

#include "stats/statsseries.h"
#include "timeformat.h"

#include <QJsonArray>
#include <QTest>

using namespace jobdesk;

namespace {

const qint64 kT0 = parseTimestamp(QStringLiteral("2026-11-26T10:00:00Z"));
constexpr qint64 kMinute = 60000;

AggregateStep countsStep(int minute, qint64 completed, qint64 failed)
{
    AggregateStep s;
    s.startMs = kT0 + minute * kMinute;
    s.completed = completed;
    s.failed = failed;
    return s;
}

AggregateStep gaugeStep(int minute, qint64 peak, qint64 last, qint64 busyPeak, qint64 busyLast)
{
    AggregateStep s;
    s.startMs = kT0 + minute * kMinute;
    s.hasGauges = true;
    s.queueDepthPeak = peak;
    s.queueDepthLast = last;
    s.busyPeak = busyPeak;
    s.busyLast = busyLast;
    return s;
}

} // namespace

class TestStatsSeries : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void emptyStoreGivesZeroSteps();
    void gaugesCarryOverQuietSteps();
    void futureStepsAreLeftOut();
    void kindsCarryRatesAndQuantiles();
    void totalsSumEveryKind();
};

void TestStatsSeries::emptyStoreGivesZeroSteps()
{
    const StatsRange range{kT0, kT0 + 5 * kMinute, kMinute};
    const QJsonObject json = statsSeriesJson(range, AggregateRange{}, kT0 + 10 * kMinute);
    const QJsonArray series = json.value(QStringLiteral("series")).toArray();
    QCOMPARE(series.size(), 5);
    for (const QJsonValue &item : series) {
        for (const char *key :
             {"submitted", "completed", "failed", "cancelled", "queue_depth", "busy"})
            QCOMPARE(item.toObject().value(QLatin1String(key)).toInteger(-1), 0);
    }
    QCOMPARE(series.first().toObject().value(QStringLiteral("t")).toString(),
             QStringLiteral("2026-11-26T10:00:00.000Z"));
    QCOMPARE(json.value(QStringLiteral("step_s")).toInteger(), 60);
    QCOMPARE(json.value(QStringLiteral("duration_buckets_s")).toArray().size(),
             kJobDurationBucketCount - 1);
    QVERIFY(json.value(QStringLiteral("kinds")).toArray().isEmpty());
}

void TestStatsSeries::gaugesCarryOverQuietSteps()
{
    AggregateRange aggregates;
    aggregates.gaugesBefore = GaugeSample{kT0 - 30 * kMinute, 7, 2};
    AggregateStep second = gaugeStep(2, 12, 3, 4, 1);
    second.completed = 9;
    aggregates.steps = {countsStep(1, 5, 1), second};
    const StatsRange range{kT0, kT0 + 4 * kMinute, kMinute};
    const QJsonArray series = statsSeriesJson(range, aggregates, kT0 + 10 * kMinute)
                                  .value(QStringLiteral("series"))
                                  .toArray();
    QCOMPARE(series.size(), 4);
    const auto value = [&series](int i, const char *key) {
        return series.at(i).toObject().value(QLatin1String(key)).toInteger(-1);
    };
    // Minutes 0 and 1 had no commit that sampled the gauges: what the last
    // one before the range left.
    QCOMPARE(value(0, "queue_depth"), 7);
    QCOMPARE(value(1, "queue_depth"), 7);
    QCOMPARE(value(1, "busy"), 2);
    QCOMPARE(value(1, "completed"), 5);
    QCOMPARE(value(1, "failed"), 1);
    // Minute 2: its own peak; minute 3: what minute 2 left.
    QCOMPARE(value(2, "queue_depth"), 12);
    QCOMPARE(value(2, "busy"), 4);
    QCOMPARE(value(2, "completed"), 9);
    QCOMPARE(value(3, "queue_depth"), 3);
    QCOMPARE(value(3, "busy"), 1);
    QCOMPARE(value(3, "completed"), 0);
}

void TestStatsSeries::futureStepsAreLeftOut()
{
    const StatsRange range{kT0, kT0 + 60 * kMinute, kMinute};
    const QJsonArray series = statsSeriesJson(range, AggregateRange{}, kT0 + 9 * kMinute + 5)
                                  .value(QStringLiteral("series"))
                                  .toArray();
    QCOMPARE(series.size(), 10); // minutes 0..9; minute 9 has started
}

void TestStatsSeries::kindsCarryRatesAndQuantiles()
{
    AggregateRange aggregates;
    KindMinuteCounts sleep;
    sleep.kind = QStringLiteral("demo.sleep");
    sleep.submitted = 4;
    sleep.completed = 2;
    sleep.failed = 1;
    sleep.cancelled = 1;
    sleep.durationSumMs = 300 + 4000 + 12000;
    sleep.durationBuckets[1] = 1;
    sleep.durationBuckets[4] = 1;
    sleep.durationBuckets[6] = 1;
    KindMinuteCounts queued;
    queued.kind = QStringLiteral("report.sql");
    queued.cancelled = 1; // cancelled before it ran: no duration, no failure rate
    aggregates.kinds = {sleep, queued};
    const QJsonArray kinds =
        statsSeriesJson(StatsRange{kT0, kT0 + kMinute, kMinute}, aggregates, kT0)
            .value(QStringLiteral("kinds"))
            .toArray();
    QCOMPARE(kinds.size(), 2);
    const QJsonObject first = kinds.at(0).toObject();
    QCOMPARE(first.value(QStringLiteral("kind")).toString(), QStringLiteral("demo.sleep"));
    QCOMPARE(first.value(QStringLiteral("failure_rate")).toDouble(), 0.3333); // 1 of 3
    const QJsonObject duration = first.value(QStringLiteral("duration")).toObject();
    QCOMPARE(duration.value(QStringLiteral("count")).toInteger(), 3);
    QCOMPARE(duration.value(QStringLiteral("sum_s")).toDouble(), 16.3);
    QCOMPARE(duration.value(QStringLiteral("p50_s")).toDouble(), 3.75);
    QCOMPARE(duration.value(QStringLiteral("p95_s")).toDouble(), 27.0);
    QCOMPARE(duration.value(QStringLiteral("buckets")).toArray().size(), kJobDurationBucketCount);
    const QJsonObject second = kinds.at(1).toObject();
    QVERIFY(second.value(QStringLiteral("failure_rate")).isNull());
    QVERIFY(second.value(QStringLiteral("duration"))
                .toObject()
                .value(QStringLiteral("p50_s"))
                .isNull());
}

void TestStatsSeries::totalsSumEveryKind()
{
    AggregateRange aggregates;
    KindMinuteCounts a;
    a.kind = QStringLiteral("a");
    a.submitted = 3;
    a.completed = 2;
    KindMinuteCounts b;
    b.kind = QStringLiteral("b");
    b.submitted = 1;
    b.failed = 1;
    b.cancelled = 4;
    aggregates.kinds = {a, b};
    const QJsonObject totals = statsTotalsJson(aggregates);
    QCOMPARE(totals.value(QStringLiteral("submitted")).toInteger(), 4);
    QCOMPARE(totals.value(QStringLiteral("completed")).toInteger(), 2);
    QCOMPARE(totals.value(QStringLiteral("failed")).toInteger(), 1);
    QCOMPARE(totals.value(QStringLiteral("cancelled")).toInteger(), 4);
}

QTEST_GUILESS_MAIN(TestStatsSeries)
#include "tst_statsseries.moc"
