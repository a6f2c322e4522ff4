#include "http/pollratelimiter.h"

#include <QTest>

using namespace jobdesk;
using namespace std::chrono_literals;

class tst_PollRateLimiter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void offAllowsEverything();
    void burstThenRefusedWithRetryAfter();
    void refillsAtTheRate();
    void keysAreSeparate();
    void slowRateSaysWhenToComeBack();
};

void tst_PollRateLimiter::offAllowsEverything()
{
    PollRateLimiter limiter;
    QVERIFY(!limiter.enabled());
    for (int i = 0; i < 1000; ++i)
        QVERIFY(limiter.admit("t").allowed);
}

void tst_PollRateLimiter::burstThenRefusedWithRetryAfter()
{
    PollRateLimiter limiter(5, 5);
    const auto t0 = PollRateLimiter::Clock::now();
    for (int i = 0; i < 5; ++i)
        QVERIFY2(limiter.admit("t", t0).allowed, qPrintable(QString::number(i)));
    const PollRateLimiter::Decision refused = limiter.admit("t", t0);
    QVERIFY(!refused.allowed);
    QCOMPARE(refused.retryAfterS, 1);
}

void tst_PollRateLimiter::refillsAtTheRate()
{
    PollRateLimiter limiter(10, 10);
    const auto t0 = PollRateLimiter::Clock::now();
    for (int i = 0; i < 10; ++i)
        QVERIFY(limiter.admit("t", t0).allowed);
    QVERIFY(!limiter.admit("t", t0).allowed);
    // 10 a second: one more after 100 ms, not two.
    QVERIFY(limiter.admit("t", t0 + 100ms).allowed);
    QVERIFY(!limiter.admit("t", t0 + 100ms).allowed);
    // A long pause refills no more than the burst.
    const auto later = t0 + 60s;
    for (int i = 0; i < 10; ++i)
        QVERIFY(limiter.admit("t", later).allowed);
    QVERIFY(!limiter.admit("t", later).allowed);
}

void tst_PollRateLimiter::keysAreSeparate()
{
    PollRateLimiter limiter(1, 1);
    const auto t0 = PollRateLimiter::Clock::now();
    QVERIFY(limiter.admit("a", t0).allowed);
    QVERIFY(!limiter.admit("a", t0).allowed);
    QVERIFY(limiter.admit("b", t0).allowed);
}

void tst_PollRateLimiter::slowRateSaysWhenToComeBack()
{
    PollRateLimiter limiter(0.1, 1); // one poll per 10 s
    const auto t0 = PollRateLimiter::Clock::now();
    QVERIFY(limiter.admit("t", t0).allowed);
    const PollRateLimiter::Decision refused = limiter.admit("t", t0 + 2s);
    QVERIFY(!refused.allowed);
    QCOMPARE(refused.retryAfterS, 8);
}

QTEST_APPLESS_MAIN(tst_PollRateLimiter)
#include "tst_pollratelimiter.moc"
