// Quantiles from summed duration buckets (DESIGN.md: "Quantiles cannot be
// summed"), computed as Prometheus's histogram_quantile() does, and the
// buckets being the very ones /metrics exposes.

#include "http/apimetrics.h"
#include "stats/durationquantile.h"

#include <QTest>
#include <vector>

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
    // two would disagree on every quantile.
    const std::vector<double> aggregates(kJobDurationBoundsS.begin(), kJobDurationBoundsS.end());
    QCOMPARE(ApiMetrics::jobDurationBoundsS(), aggregates);
}

QTEST_GUILESS_MAIN(TestDurationQuantile)
#include "tst_durationquantile.moc"
