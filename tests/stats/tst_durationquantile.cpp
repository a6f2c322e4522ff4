// Quantiles from summed duration buckets (DESIGN.md: "Quantiles cannot be
// summed"), computed as Prometheus's histogram_quantile() does, and the
// buckets being the very ones /metrics exposes.

#include "http/apimetrics.h"
#include "stats/durationquantile.h"
#include "stats/minuteaggregator.h"
#include "stats/statsseries.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QTest>

using namespace jobdesk;

Q_DECLARE_METATYPE(jobdesk::DurationBuckets)

namespace {

DurationBuckets bucketsOf(std::initializer_list<std::pair<int, qint64>> counts)
{
    DurationBuckets b{};
    for (const auto &[index, n] : counts)
        b[std::size_t(index)] = n;
    return b;
}

} // namespace

class TestDurationQuantile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bucketOfADuration_data();
    void bucketOfADuration();
    void quantile_data();
    void quantile();
    void emptyHistogramHasNoQuantile();
    void metricsUseTheSameBuckets();
};

void TestDurationQuantile::bucketOfADuration_data()
{
    QTest::addColumn<double>("seconds");
    QTest::addColumn<int>("bucket");
    QTest::newRow("zero") << 0.0 << 0;
    QTest::newRow("below the first bound") << 0.05 << 0;
    QTest::newRow("on a bound belongs to it (le)") << 0.5 << 1;
    QTest::newRow("just above a bound") << 0.5001 << 2;
    QTest::newRow("four seconds") << 4.0 << 4;
    QTest::newRow("the last bound") << 21600.0 << 14;
    QTest::newRow("longer than every bound") << 90000.0 << 15;
}

void TestDurationQuantile::bucketOfADuration()
{
    QFETCH(double, seconds);
    QFETCH(int, bucket);
    QCOMPARE(jobDurationBucket(seconds), bucket);
}

void TestDurationQuantile::quantile_data()
{
    QTest::addColumn<DurationBuckets>("buckets");
    QTest::addColumn<double>("q");
    QTest::addColumn<double>("expected");
    // 0.3 s, 4 s and 12 s: one each in (0.1, 0.5], (2.5, 5] and (10, 30].
    const DurationBuckets three = bucketsOf({{1, 1}, {4, 1}, {6, 1}});
    QTest::newRow("median interpolates inside its bucket") << three << 0.5 << 3.75;
    QTest::newRow("p95 interpolates inside the top bucket") << three << 0.95 << 27.0;
    QTest::newRow("p100 is the top bucket's bound") << three << 1.0 << 30.0;
    QTest::newRow("first bucket starts at zero") << bucketsOf({{0, 4}}) << 0.5 << 0.05;
    QTest::newRow("empty buckets in between are skipped")
        << bucketsOf({{0, 1}, {9, 1}}) << 0.75 << 210.0;
    QTest::newRow("a rank in +Inf gives the highest bound")
        << bucketsOf({{2, 1}, {15, 9}}) << 0.5 << 21600.0;
    QTest::newRow("everything in +Inf: the highest bound, a lower bound of the truth")
        << bucketsOf({{15, 3}}) << 0.5 << 21600.0;
    QTest::newRow("p95 of everything in +Inf") << bucketsOf({{15, 3}}) << 0.95 << 21600.0;
    QTest::newRow("a rank on a bucket's end takes that end, not the next bucket")
        << bucketsOf({{1, 2}, {4, 2}}) << 0.5 << 0.5;
    QTest::newRow("one run") << bucketsOf({{5, 1}}) << 0.95 << 9.75;
}

void TestDurationQuantile::quantile()
{
    QFETCH(DurationBuckets, buckets);
    QFETCH(double, q);
    QFETCH(double, expected);
    const std::optional<double> s = durationQuantileS(buckets, q);
    QVERIFY(s);
    QCOMPARE(*s, expected);
}

void TestDurationQuantile::emptyHistogramHasNoQuantile()
{
    QVERIFY(!durationQuantileS(DurationBuckets{}, 0.5));
}

void TestDurationQuantile::metricsUseTheSameBuckets()
{
    // /metrics and the stats series must agree on what a bucket is, or the
    // two would disagree on every quantile: the same runs, observed as the
    // job service observes them for each, land in the same buckets, and the
    // `le` labels /metrics writes are the bounds the stats reply lists.
    const qint64 end = 1795687200000;
    ApiMetrics metrics;
    MinuteAggregator minutes;
    for (qint64 runMs : {qint64(50), qint64(100), qint64(500), qint64(2500), qint64(2501),
                         qint64(60000), qint64(21600000), qint64(21600001), qint64(90000000)}) {
        Job job;
        job.kind = QStringLiteral("demo.sleep");
        job.status = JobStatus::Completed;
        job.startedAtMs = end - runMs;
        job.finishedAtMs = end;
        minutes.jobFinished(end, job, runMs);
        metrics.jobDuration.observe({}, double(job.finishedAtMs - job.startedAtMs) / 1000.0);
    }
    const MinuteAggregates delta = minutes.take();
    QCOMPARE(delta.kinds.size(), 1);
    const DurationBuckets &counted = delta.kinds.first().durationBuckets;

    // /metrics: cumulative counts per `le`, in the order written.
    QStringList le;
    QList<qint64> cumulative;
    const QString text = QString::fromStdString(metrics.render({}));
    static const QRegularExpression bucketLine(
        QStringLiteral("^jobdesk_job_duration_seconds_bucket\\{le=\"([^\"]+)\"\\} (\\d+)$"),
        QRegularExpression::MultilineOption);
    for (auto it = bucketLine.globalMatch(text); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        le.append(m.captured(1));
        cumulative.append(m.captured(2).toLongLong());
    }
    QCOMPARE(le.size(), kJobDurationBucketCount);
    QCOMPARE(le.last(), QStringLiteral("+Inf"));

    // The stats reply's bounds, as JSON numbers.
    const QJsonArray bounds =
        statsSeriesJson(StatsRange{end, end + 60000, 60000}, AggregateRange{}, end)
            .value(QStringLiteral("duration_buckets_s"))
            .toArray();
    QCOMPARE(bounds.size(), kJobDurationBucketCount - 1);
    qint64 sum = 0;
    for (int b = 0; b < kJobDurationBucketCount; ++b) {
        sum += counted[std::size_t(b)];
        QCOMPARE(cumulative.at(b), sum);
        if (b + 1 < kJobDurationBucketCount)
            QCOMPARE(le.at(b).toDouble(), bounds.at(b).toDouble());
    }
    QCOMPARE(sum, 9);
    QCOMPARE(counted[std::size_t(kJobDurationBucketCount - 1)], 2); // past 6 h: +Inf
}

QTEST_GUILESS_MAIN(TestDurationQuantile)
#include "tst_durationquantile.moc"
