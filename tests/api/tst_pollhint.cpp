#include "http/pollhint.h"

#include <QTest>

using namespace jobdesk;

class tst_PollHint : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void retryAfter_data();
    void retryAfter();
    void aheadCountsHigherPrioritiesAndOlderJobs();
};

namespace {

constexpr qint64 kNow = 1'800'000'000'000;

PollState state(JobStatus status)
{
    PollState s;
    s.status = status;
    return s;
}

// 100 jobs at priority 0 queued over the last 100 s, 10 at priority 5.
QueueGauge busyQueue(double throughput)
{
    QueueGauge q;
    q.bands = {{5, 10, kNow - 50'000, kNow - 40'000}, {0, 100, kNow - 100'000, kNow}};
    q.throughputPerS = throughput;
    q.workers = 2;
    return q;
}

} // namespace

Q_DECLARE_METATYPE(PollState)
Q_DECLARE_METATYPE(QueueGauge)

void tst_PollHint::retryAfter_data()
{
    QTest::addColumn<PollState>("job");
    QTest::addColumn<QueueGauge>("queue");
    QTest::addColumn<int>("seconds");

    const QueueGauge idle;
    QTest::newRow("completed: none") << state(JobStatus::Completed) << idle << 0;
    QTest::newRow("failed: none") << state(JobStatus::Failed) << idle << 0;
    QTest::newRow("cancelled: none") << state(JobStatus::Cancelled) << idle << 0;

    PollState running = state(JobStatus::Processing);
    running.startedAtMs = kNow - 10'000;
    running.etaS = 20.0;
    QTest::newRow("processing: half the eta") << running << idle << 10;
    running.etaS = 0.3;
    QTest::newRow("processing: almost done") << running << idle << 1;
    running.etaS = 3600.0;
    QTest::newRow("processing: capped at a minute") << running << idle << 60;
    running.etaS.reset();
    QTest::newRow("processing, no eta: a quarter of the run time") << running << idle << 3;
    running.startedAtMs = kNow - 500;
    QTest::newRow("processing, just started") << running << idle << 1;

    PollState retrying = state(JobStatus::Retrying);
    retrying.nextAttemptAtMs = kNow + 7'200;
    QTest::newRow("retrying: until the next attempt") << retrying << idle << 8;
    retrying.nextAttemptAtMs = kNow - 100;
    QTest::newRow("retrying: overdue") << retrying << idle << 1;

    PollState queued = state(JobStatus::Pending);
    queued.createdAtMs = kNow;
    QTest::newRow("pending, empty queue") << queued << idle << 1;
    // 10 ahead at priority 5 and 99 older at 0: (109 + 1) / 2 per s / 2.
    QTest::newRow("pending at the back, 2 jobs/s") << queued << busyQueue(2.0) << 28;
    QTest::newRow("pending at the back, 20 jobs/s") << queued << busyQueue(20.0) << 3;
    // No throughput yet: a second per job per worker.
    QTest::newRow("pending at the back, throughput unknown") << queued << busyQueue(0) << 28;
    PollState urgent = queued;
    urgent.priority = 10;
    QTest::newRow("pending, highest priority") << urgent << busyQueue(2.0) << 1;
}

void tst_PollHint::retryAfter()
{
    QFETCH(PollState, job);
    QFETCH(QueueGauge, queue);
    QFETCH(int, seconds);
    QCOMPARE(suggestRetryAfterS(job, queue, kNow), seconds);
}

void tst_PollHint::aheadCountsHigherPrioritiesAndOlderJobs()
{
    const QueueGauge q = busyQueue(1.0);
    QCOMPARE(q.pending(), 110);
    PollState oldest = state(JobStatus::Pending);
    oldest.createdAtMs = kNow - 100'000;
    QCOMPARE(q.ahead(oldest), 10);
    PollState middle = oldest;
    middle.createdAtMs = kNow - 50'000;
    QCOMPARE(q.ahead(middle), 10 + 50); // half of the 99 others, rounded
    PollState high = oldest;
    high.priority = 5;
    high.createdAtMs = kNow - 40'000;
    QCOMPARE(q.ahead(high), 9);
}

QTEST_APPLESS_MAIN(tst_PollHint)
#include "tst_pollhint.moc"
