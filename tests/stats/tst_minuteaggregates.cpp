// The per-minute aggregates end to end below the service: a known sequence
// of job changes, counted by MinuteAggregator and committed to a real
// SqliteJobStore, reads back as known per-minute counts, gauges and
// quantiles, also after the store is closed and opened again (a restart);
// a rolled-back transaction counts nothing.

#include "stats/durationquantile.h"
#include "stats/minuteaggregator.h"
#include "store/sqlitejobstore.h"
#include "timeformat.h"

#include <QTemporaryDir>
#include <QTest>

using namespace jobdesk;

namespace {

const qint64 kT0 = parseTimestamp(QStringLiteral("2026-11-26T10:00:00Z"));
constexpr qint64 kSecond = 1000;
constexpr qint64 kMinute = 60 * kSecond;

Job job(const QString &kind, JobStatus status = JobStatus::Pending, qint64 startedAtMs = 0,
        qint64 finishedAtMs = 0)
{
    Job j;
    j.kind = kind;
    j.status = status;
    j.startedAtMs = startedAtMs;
    j.finishedAtMs = finishedAtMs;
    return j;
}

/// A job of `kind` that ended `status` at `endMs` after an attempt of `runMs`.
Job ended(const QString &kind, JobStatus status, qint64 endMs, qint64 runMs)
{
    return job(kind, status, endMs - runMs, endMs);
}

const QString kSleep = QStringLiteral("demo.sleep");
const QString kSql = QStringLiteral("report.sql");

const KindMinuteCounts *kindIn(const AggregateRange &range, const QString &kind)
{
    for (const KindMinuteCounts &k : range.kinds) {
        if (k.kind == kind)
            return &k;
    }
    return nullptr;
}

} // namespace

class TestMinuteAggregates : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void knownSequenceGivesKnownCounts();
    void countsSurviveARestart();
    void stepsSumTheirMinutes();
    void rolledBackTransactionCountsNothing();
    void gaugesBeforeTheRangeAreReported();
    void purgeDropsOldMinutes();
    void aggregatorIgnoresNonTerminalAndUnrunJobs();

private:
    bool commit(MinuteAggregator &aggregator);
    /// Minutes 0 and 1 of the known sequence (see knownSequenceGivesKnownCounts).
    bool writeKnownSequence();
    void checkKnownSequence();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SqliteJobStore> m_store;
};

void TestMinuteAggregates::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_store = std::make_unique<SqliteJobStore>();
    QVERIFY2(m_store->open(m_dir->path()), qPrintable(m_store->lastError()));
}

void TestMinuteAggregates::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

bool TestMinuteAggregates::commit(MinuteAggregator &aggregator)
{
    if (!m_store->begin())
        return false;
    if (!m_store->addMinuteAggregates(aggregator.take())) {
        m_store->rollback();
        return false;
    }
    return m_store->commit();
}

bool TestMinuteAggregates::writeKnownSequence()
{
    MinuteAggregator a;
    // Minute 0: three sleeps and a report submitted; two sleeps dispatched.
    for (int i = 0; i < 3; ++i)
        a.jobSubmitted(kT0 + 5 * kSecond, job(kSleep));
    a.jobSubmitted(kT0 + 5 * kSecond, job(kSql));
    a.sampleGauges(kT0 + 5 * kSecond, 4, 0);
    if (!commit(a))
        return false;
    a.sampleGauges(kT0 + 10 * kSecond, 2, 2);
    if (!commit(a))
        return false;
    // Minute 1: the sleeps end after 0.3 s, 4 s and 12 s (the last one a
    // dead letter); the report is cancelled before it ran.
    const qint64 end = kT0 + 70 * kSecond;
    a.jobFinished(end, ended(kSleep, JobStatus::Completed, end, 300), 300);
    a.jobFinished(end, ended(kSleep, JobStatus::Completed, end, 4000), 4000);
    a.jobFinished(end, ended(kSleep, JobStatus::Failed, end, 12000), 12000);
    a.jobFinished(end, job(kSql, JobStatus::Cancelled, 0, end), std::nullopt);
    a.sampleGauges(end, 0, 0);
    return commit(a);
}

void TestMinuteAggregates::checkKnownSequence()
{
    const std::optional<AggregateRange> range =
        m_store->minuteAggregates(kT0, kT0 + 3 * kMinute, kMinute);
    QVERIFY2(range, qPrintable(m_store->lastError()));
    QCOMPARE(range->steps.size(), 2); // minute 2 had nothing
    const AggregateStep &m0 = range->steps.at(0);
    QCOMPARE(m0.startMs, kT0);
    QCOMPARE(m0.submitted, 4);
    QCOMPARE(m0.completed, 0);
    QVERIFY(m0.hasGauges);
    QCOMPARE(m0.queueDepthPeak, 4);
    QCOMPARE(m0.queueDepthLast, 2);
    QCOMPARE(m0.busyPeak, 2);
    QCOMPARE(m0.busyLast, 2);
    const AggregateStep &m1 = range->steps.at(1);
    QCOMPARE(m1.startMs, kT0 + kMinute);
    QCOMPARE(m1.submitted, 0);
    QCOMPARE(m1.completed, 2);
    QCOMPARE(m1.failed, 1);
    QCOMPARE(m1.cancelled, 1);
    // Minute 1 began with what minute 0 left (2 queued, 2 busy) until its
    // commit emptied both.
    QCOMPARE(m1.queueDepthPeak, 2);
    QCOMPARE(m1.busyPeak, 2);
    QCOMPARE(m1.queueDepthLast, 0);
    QCOMPARE(m1.busyLast, 0);

    QCOMPARE(range->kinds.size(), 2);
    const KindMinuteCounts *sleep = kindIn(*range, kSleep);
    QVERIFY(sleep);
    QCOMPARE(sleep->submitted, 3);
    QCOMPARE(sleep->completed, 2);
    QCOMPARE(sleep->failed, 1);
    QCOMPARE(sleep->durationCount(), 3);
    QCOMPARE(sleep->durationSumMs, 16300);
    QCOMPARE(sleep->durationBuckets[1], 1); // (0.1, 0.5]
    QCOMPARE(sleep->durationBuckets[4], 1); // (2.5, 5]
    QCOMPARE(sleep->durationBuckets[6], 1); // (10, 30]
    QCOMPARE(durationQuantileS(sleep->durationBuckets, 0.5).value_or(-1), 3.75);
    QCOMPARE(durationQuantileS(sleep->durationBuckets, 0.95).value_or(-1), 27.0);
    const KindMinuteCounts *sql = kindIn(*range, kSql);
    QVERIFY(sql);
    QCOMPARE(sql->submitted, 1);
    QCOMPARE(sql->cancelled, 1);
    QCOMPARE(sql->durationCount(), 0);
}

void TestMinuteAggregates::knownSequenceGivesKnownCounts()
{
    QVERIFY2(writeKnownSequence(), qPrintable(m_store->lastError()));
    checkKnownSequence();
}

void TestMinuteAggregates::countsSurviveARestart()
{
    QVERIFY2(writeKnownSequence(), qPrintable(m_store->lastError()));
    m_store->close();
    m_store = std::make_unique<SqliteJobStore>();
    QVERIFY2(m_store->open(m_dir->path()), qPrintable(m_store->lastError()));
    checkKnownSequence();
    if (QTest::currentTestFailed())
        return;

    // The next run adds to the same rows: a fourth sleep, 50 ms long.
    MinuteAggregator a;
    a.jobFinished(kT0 + 75 * kSecond, ended(kSleep, JobStatus::Completed, kT0 + 75 * kSecond, 50),
                  50);
    QVERIFY(commit(a));
    const std::optional<AggregateRange> range =
        m_store->minuteAggregates(kT0, kT0 + 3 * kMinute, kMinute);
    QVERIFY(range);
    QCOMPARE(range->steps.at(1).completed, 3);
    const KindMinuteCounts *sleep = kindIn(*range, kSleep);
    QVERIFY(sleep);
    QCOMPARE(sleep->durationCount(), 4);
    QCOMPARE(sleep->durationBuckets[0], 1);
    // 0.05, 0.3, 4, 12: the median's rank (2) ends the (0.1, 0.5] bucket.
    QCOMPARE(durationQuantileS(sleep->durationBuckets, 0.5).value_or(-1), 0.5);
}

void TestMinuteAggregates::stepsSumTheirMinutes()
{
    QVERIFY2(writeKnownSequence(), qPrintable(m_store->lastError()));
    MinuteAggregator a;
    a.jobFinished(kT0 + 150 * kSecond, ended(kSleep, JobStatus::Completed, kT0 + 150 * kSecond, 50),
                  50);
    QVERIFY(commit(a));
    const std::optional<AggregateRange> range =
        m_store->minuteAggregates(kT0, kT0 + 4 * kMinute, 2 * kMinute);
    QVERIFY(range);
    QCOMPARE(range->steps.size(), 2);
    const AggregateStep &first = range->steps.at(0);
    QCOMPARE(first.startMs, kT0);
    QCOMPARE(first.submitted, 4);
    QCOMPARE(first.completed, 2);
    QCOMPARE(first.failed, 1);
    QCOMPARE(first.cancelled, 1);
    QCOMPARE(first.queueDepthPeak, 4);
    QCOMPARE(first.queueDepthLast, 0); // as minute 1, the step's last, left it
    const AggregateStep &second = range->steps.at(1);
    QCOMPARE(second.startMs, kT0 + 2 * kMinute);
    QCOMPARE(second.completed, 1);
    QVERIFY(!second.hasGauges);
}

void TestMinuteAggregates::rolledBackTransactionCountsNothing()
{
    QVERIFY2(writeKnownSequence(), qPrintable(m_store->lastError()));
    MinuteAggregator a;
    a.jobSubmitted(kT0 + 5 * kSecond, job(kSleep));
    a.sampleGauges(kT0 + 6 * kSecond, 99, 9);
    const MinuteAggregates delta = a.take();
    QVERIFY(m_store->begin());
    QVERIFY(m_store->addMinuteAggregates(delta));
    m_store->rollback();
    checkKnownSequence();
    if (QTest::currentTestFailed())
        return;
    // Applied again (the service replays what a failed commit held): once.
    QVERIFY(m_store->begin());
    QVERIFY(m_store->addMinuteAggregates(delta));
    QVERIFY(m_store->commit());
    const std::optional<AggregateRange> range =
        m_store->minuteAggregates(kT0, kT0 + kMinute, kMinute);
    QVERIFY(range);
    QCOMPARE(range->steps.at(0).submitted, 5);
    QCOMPARE(range->steps.at(0).queueDepthPeak, 99);
}

void TestMinuteAggregates::gaugesBeforeTheRangeAreReported()
{
    QVERIFY2(writeKnownSequence(), qPrintable(m_store->lastError()));
    const std::optional<AggregateRange> later =
        m_store->minuteAggregates(kT0 + 5 * kMinute, kT0 + 10 * kMinute, kMinute);
    QVERIFY(later);
    QVERIFY(later->steps.isEmpty());
    QVERIFY(later->kinds.isEmpty());
    QVERIFY(later->gaugesBefore);
    QCOMPARE(later->gaugesBefore->atMs, kT0 + kMinute);
    QCOMPARE(later->gaugesBefore->queueDepth, 0);
    const std::optional<AggregateRange> second =
        m_store->minuteAggregates(kT0 + kMinute, kT0 + 2 * kMinute, kMinute);
    QVERIFY(second && second->gaugesBefore);
    QCOMPARE(second->gaugesBefore->queueDepth, 2);
    QCOMPARE(second->gaugesBefore->busyWorkers, 2);
    const std::optional<AggregateRange> first =
        m_store->minuteAggregates(kT0, kT0 + kMinute, kMinute);
    QVERIFY(first);
    QVERIFY(!first->gaugesBefore);
}

void TestMinuteAggregates::purgeDropsOldMinutes()
{
    QVERIFY2(writeKnownSequence(), qPrintable(m_store->lastError()));
    QVERIFY(m_store->begin());
    // Minute 0: two kinds and its gauges.
    QCOMPARE(m_store->purgeMinuteAggregates(kT0 + kMinute), 3);
    QVERIFY(m_store->commit());
    const std::optional<AggregateRange> range =
        m_store->minuteAggregates(kT0, kT0 + 3 * kMinute, kMinute);
    QVERIFY(range);
    QCOMPARE(range->steps.size(), 1);
    QCOMPARE(range->steps.at(0).startMs, kT0 + kMinute);
    QCOMPARE(m_store->purgeMinuteAggregates(kT0), -1); // outside a transaction
}

void TestMinuteAggregates::aggregatorIgnoresNonTerminalAndUnrunJobs()
{
    MinuteAggregator a;
    QVERIFY(a.isEmpty());
    // Re-driven before the commit: it did not end.
    a.jobFinished(kT0, job(kSleep, JobStatus::Pending, kT0 - 5000, 0), std::nullopt);
    QVERIFY(a.isEmpty());
    // Cancelled while queued: counted, with no run time.
    a.jobFinished(kT0 + 1, job(kSleep, JobStatus::Cancelled, 0, kT0 + 1), std::nullopt);
    a.jobFinished(kT0 + 59999, ended(kSleep, JobStatus::Completed, kT0 + 59999, 2500), 2500);
    a.jobFinished(kT0 + 60000, ended(kSleep, JobStatus::Completed, kT0 + 60000, 2501), 2501);
    const MinuteAggregates delta = a.take();
    QVERIFY(a.isEmpty());
    QVERIFY(!delta.gauges);
    QCOMPARE(delta.kinds.size(), 2); // two minutes of one kind
    QCOMPARE(delta.kinds.at(0).minuteMs, kT0);
    QCOMPARE(delta.kinds.at(0).cancelled, 1);
    QCOMPARE(delta.kinds.at(0).completed, 1);
    QCOMPARE(delta.kinds.at(0).durationCount(), 1);
    QCOMPARE(delta.kinds.at(0).durationBuckets[3], 1); // 2.5 s: on the bound, (1, 2.5]
    QCOMPARE(delta.kinds.at(1).minuteMs, kT0 + kMinute);
    QCOMPARE(delta.kinds.at(1).durationBuckets[4], 1); // 2.501 s: (2.5, 5]
}

QTEST_GUILESS_MAIN(TestMinuteAggregates)
#include "tst_minuteaggregates.moc"
