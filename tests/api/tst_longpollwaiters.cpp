#include "http/longpollwaiters.h"

#include <QElapsedTimer>
#include <QTest>
#include <atomic>
#include <thread>

using namespace jobdesk;
using namespace std::chrono_literals;

class tst_LongPollWaiters : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void notifyWakesOnlyThatJob();
    void timeoutWakesAfterItsTime();
    void earlierDeadlineRearmsTheTimer();
    void cancelTakesBackBeforeWake();
    void wokenOnceOnly();
    void capacityRefusesMore();
    void releaseAllWakesEveryone();
    void addFromAnotherThread();
};

void tst_LongPollWaiters::notifyWakesOnlyThatJob()
{
    LongPollWaiters waiters;
    QList<QPair<QString, bool>> woken;
    QVERIFY(waiters.add("a", 10s, [&](bool changed) { woken.append({"a", changed}); }));
    QVERIFY(waiters.add("a", 10s, [&](bool changed) { woken.append({"a", changed}); }));
    QVERIFY(waiters.add("b", 10s, [&](bool changed) { woken.append({"b", changed}); }));
    waiters.notify("a");
    QCOMPARE(woken.size(), 2);
    QCOMPARE(woken.at(0), qMakePair(QStringLiteral("a"), true));
    QCOMPARE(waiters.count(), 1);
    waiters.notify("c");
    QCOMPARE(woken.size(), 2);
}

void tst_LongPollWaiters::timeoutWakesAfterItsTime()
{
    LongPollWaiters waiters;
    QElapsedTimer timer;
    timer.start();
    qint64 wokenAfter = -1;
    bool changedFlag = true;
    QVERIFY(waiters.add("a", 300ms, [&](bool changed) {
        wokenAfter = timer.elapsed();
        changedFlag = changed;
    }));
    QTRY_VERIFY_WITH_TIMEOUT(wokenAfter >= 0, 3000);
    QVERIFY2(wokenAfter >= 295, qPrintable(QString::number(wokenAfter)));
    QVERIFY2(wokenAfter < 1500, qPrintable(QString::number(wokenAfter)));
    QVERIFY(!changedFlag);
    QCOMPARE(waiters.count(), 0);
}

void tst_LongPollWaiters::earlierDeadlineRearmsTheTimer()
{
    LongPollWaiters waiters;
    bool longOne = false, shortOne = false;
    QVERIFY(waiters.add("a", 30s, [&](bool) { longOne = true; }));
    QVERIFY(waiters.add("b", 200ms, [&](bool) { shortOne = true; }));
    QTRY_VERIFY_WITH_TIMEOUT(shortOne, 2000);
    QVERIFY(!longOne);
    QCOMPARE(waiters.count(), 1);
}

void tst_LongPollWaiters::cancelTakesBackBeforeWake()
{
    LongPollWaiters waiters;
    int calls = 0;
    const quint64 ticket = waiters.add("a", 10s, [&](bool) { ++calls; });
    QVERIFY(ticket != 0);
    QVERIFY(waiters.cancel(ticket));
    QVERIFY(!waiters.cancel(ticket));
    waiters.notify("a");
    QCOMPARE(calls, 0);
}

void tst_LongPollWaiters::wokenOnceOnly()
{
    LongPollWaiters waiters;
    int calls = 0;
    const quint64 ticket = waiters.add("a", 100ms, [&](bool) { ++calls; });
    waiters.notify("a");
    QVERIFY(!waiters.cancel(ticket));
    QTest::qWait(300); // the timeout passes: no second wake-up
    waiters.notify("a");
    QCOMPARE(calls, 1);
}

void tst_LongPollWaiters::capacityRefusesMore()
{
    LongPollWaiters waiters(2);
    QVERIFY(waiters.add("a", 10s, [](bool) {}));
    QVERIFY(waiters.add("b", 10s, [](bool) {}));
    QCOMPARE(waiters.add("c", 10s, [](bool) {}), quint64(0));
    waiters.notify("a");
    QVERIFY(waiters.add("c", 10s, [](bool) {}));
}

void tst_LongPollWaiters::releaseAllWakesEveryone()
{
    LongPollWaiters waiters;
    int unchanged = 0;
    for (int i = 0; i < 5; ++i)
        QVERIFY(waiters.add(QString::number(i), 10s, [&](bool changed) { unchanged += !changed; }));
    waiters.releaseAll();
    QCOMPARE(unchanged, 5);
    QCOMPARE(waiters.count(), 0);
}

void tst_LongPollWaiters::addFromAnotherThread()
{
    // As the HTTP I/O thread does: the timer still fires on this thread.
    LongPollWaiters waiters;
    std::atomic<bool> woken{false};
    std::atomic<bool> onOwnThread{false};
    const auto self = std::this_thread::get_id();
    std::thread io([&] {
        waiters.add("a", 150ms, [&](bool) {
            onOwnThread = std::this_thread::get_id() == self;
            woken = true;
        });
    });
    io.join();
    QTRY_VERIFY_WITH_TIMEOUT(woken.load(), 2000);
    QVERIFY(onOwnThread.load());
}

QTEST_GUILESS_MAIN(tst_LongPollWaiters)
#include "tst_longpollwaiters.moc"
