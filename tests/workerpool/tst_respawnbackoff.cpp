#include "workerpool/respawnbackoff.h"

#include <QTest>

using namespace jobdesk;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

class tst_RespawnBackoff : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void doublesUpToTheCap();
    void forgetsAfterAHealthyWorker();
    void forgetsAfterAWorkerThatFinishedAnAttempt();
};

void tst_RespawnBackoff::doublesUpToTheCap()
{
    RespawnBackoff backoff(100ms, 1000ms, 30s);
    const std::vector<milliseconds> expected{100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        QCOMPARE(backoff.crashed(0ms).count(), expected[i].count());
        QCOMPARE(backoff.streak(), int(i + 1));
    }
    for (int i = 0; i < 100; ++i) // no overflow however long it goes on
        QCOMPARE(backoff.crashed(1s).count(), qint64(1000));
}

void tst_RespawnBackoff::forgetsAfterAHealthyWorker()
{
    RespawnBackoff backoff(100ms, 10s, 30s);
    backoff.crashed(0ms);
    backoff.crashed(0ms);
    QCOMPARE(backoff.crashed(29s).count(), qint64(400)); // not healthy long enough
    QCOMPARE(backoff.crashed(30s).count(), qint64(100));
    QCOMPARE(backoff.streak(), 1);
}

void tst_RespawnBackoff::forgetsAfterAWorkerThatFinishedAnAttempt()
{
    // Jobs that crash their worker now and then must not push a busy slot to
    // the cap: a worker that answered for an attempt proves the slot works.
    RespawnBackoff backoff(100ms, 10s, 30s);
    for (int i = 0; i < 5; ++i)
        backoff.crashed(1s);
    QCOMPARE(backoff.streak(), 5);
    backoff.recovered();
    QCOMPARE(backoff.streak(), 0);
    QCOMPARE(backoff.crashed(1s).count(), qint64(100));
}

QTEST_GUILESS_MAIN(tst_RespawnBackoff)
#include "tst_respawnbackoff.moc"
