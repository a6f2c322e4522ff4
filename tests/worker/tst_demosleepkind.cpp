#include "worker/canceltoken.h"
#include "worker/demosleepkind.h"
#include "worker/jobcontext.h"
#include "worker/resultsink.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <mutex>
#include <thread>

using namespace jobdesk;
using namespace std::chrono_literals;

namespace {

struct ProgressReport
{
    std::optional<double> pct;
    QString message;
};

/// Runs demo.sleep in-process, the way the job thread does, and records what
/// it reported.
class DemoRun
{
public:
    DemoRun(QJsonObject params, std::chrono::milliseconds throttle = 0ms)
        : m_params(std::move(params))
        , m_throttle(throttle)
    {
    }

    KindOutcome run()
    {
        ResultSink sink(m_dir.path(), QStringLiteral("job"), 1);
        JobContext ctx(
            QStringLiteral("job"), 2, m_params, token, sink,
            [this](std::optional<double> pct, const QString &message) {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_reports.push_back({pct, message});
            },
            m_throttle);
        DemoSleepKind kind;
        const KindOutcome outcome = kind.run(ctx);
        if (outcome.ok && sink.commit())
            m_result = sink.inlineData();
        // What the job runner sends with the attempt's end.
        if (std::optional<JobContext::Report> last = ctx.takeHeldReport())
            m_heldToTheEnd = ProgressReport{last->pct, last->message};
        return outcome;
    }

    std::vector<ProgressReport> reports() const
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_reports;
    }
    QByteArray result() const { return m_result; }
    /// The report the throttle still held when the kind returned.
    std::optional<ProgressReport> heldToTheEnd() const { return m_heldToTheEnd; }

    CancelToken token;

private:
    QTemporaryDir m_dir;
    QJsonObject m_params;
    std::chrono::milliseconds m_throttle;
    mutable std::mutex m_mutex;
    std::vector<ProgressReport> m_reports;
    QByteArray m_result;
    std::optional<ProgressReport> m_heldToTheEnd;
};

} // namespace

class tst_DemoSleepKind : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void reportsRisingProgressAndWritesItsResult();
    void shortJobsFinalReportTravelsWithItsEnd();
    void keepsHowFarAFailedRunGotForItsEnd();
    void repeatedFinalReportsAreThrottled();
    void failsAtTheRequestedPercent_data();
    void failsAtTheRequestedPercent();
    void stopsPromptlyWhenCancelled();
    void keepsGoingWhenToldToIgnoreCancel();
    void returnsPromptlyWhenTheWorkerStops();
};

void tst_DemoSleepKind::reportsRisingProgressAndWritesItsResult()
{
    DemoRun demo({{QStringLiteral("duration_s"), 0.25}, {QStringLiteral("steps"), 5}});
    QElapsedTimer clock;
    clock.start();
    const KindOutcome outcome = demo.run();
    QVERIFY(outcome.ok);
    QVERIFY(clock.elapsed() >= 240);

    const std::vector<ProgressReport> reports = demo.reports();
    QCOMPARE(reports.size(), std::size_t(5));
    for (std::size_t i = 0; i < reports.size(); ++i) {
        QVERIFY(reports[i].pct.has_value());
        QCOMPARE(*reports[i].pct, 20.0 * double(i + 1));
        QCOMPARE(reports[i].message, QStringLiteral("step %1 of 5").arg(i + 1));
    }

    const QJsonObject result = QJsonDocument::fromJson(demo.result()).object();
    QCOMPARE(result.value(QStringLiteral("slept_s")).toDouble(), 0.25);
    QCOMPARE(result.value(QStringLiteral("steps")).toInt(), 5);
    QCOMPARE(result.value(QStringLiteral("attempt")).toInt(), 2);
}

void tst_DemoSleepKind::shortJobsFinalReportTravelsWithItsEnd()
{
    DemoRun demo({{QStringLiteral("duration_s"), 0}, {QStringLiteral("steps"), 1000}}, 200ms);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(demo.run().ok);
    QVERIFY2(clock.elapsed() < 150, "a zero-length job must not sleep");
    // Ended within one throttle window: nothing was sent on its own, and the
    // final report travels with the attempt's end.
    QCOMPARE(demo.reports().size(), std::size_t(0));
    const std::optional<ProgressReport> last = demo.heldToTheEnd();
    QVERIFY(last);
    QCOMPARE(last->pct, std::optional<double>(100.0));
    QCOMPARE(last->message, QStringLiteral("step 1000 of 1000"));
}

void tst_DemoSleepKind::repeatedFinalReportsAreThrottled()
{
    // A program may print "PROGRESS 100" for every line it writes after
    // the work: the first goes out at once, the rest like any other report.
    QTemporaryDir dir;
    ResultSink sink(dir.path(), QStringLiteral("job"), 1);
    CancelToken token;
    int sent = 0;
    JobContext ctx(
        QStringLiteral("job"), 1, {}, token, sink,
        [&sent](std::optional<double>, const QString &) { ++sent; }, 200ms);
    QTest::qSleep(250); // past the first window: the next report goes out
    ctx.setProgress(50.0, QStringLiteral("half"));
    QCOMPARE(sent, 1);
    for (int i = 0; i < 50; ++i)
        ctx.setProgress(100.0, QStringLiteral("writing %1").arg(i));
    QCOMPARE(sent, 2);
    const std::optional<JobContext::Report> last = ctx.takeHeldReport();
    QVERIFY(last);
    QCOMPARE(last->message, QStringLiteral("writing 49"));
}

void tst_DemoSleepKind::keepsHowFarAFailedRunGotForItsEnd()
{
    // Fails at 50 % within the first throttle window: the reports before
    // are held, and the last one is what the attempt's end carries.
    DemoRun demo({{QStringLiteral("duration_s"), 0},
                  {QStringLiteral("steps"), 4},
                  {QStringLiteral("fail_at"), 50}},
                 200ms);
    QVERIFY(!demo.run().ok);
    QCOMPARE(demo.reports().size(), std::size_t(0));
    const std::optional<ProgressReport> last = demo.heldToTheEnd();
    QVERIFY(last);
    QCOMPARE(last->pct, std::optional<double>(25.0));
    QCOMPARE(last->message, QStringLiteral("step 1 of 4"));
}

void tst_DemoSleepKind::failsAtTheRequestedPercent_data()
{
    QTest::addColumn<double>("failAt");
    QTest::addColumn<int>("steps");
    QTest::addColumn<double>("lastReported"); // -1: none
    QTest::addColumn<QString>("message");
    QTest::newRow("at the start") << 0.0 << 4 << -1.0 << QStringLiteral("failed at 0% (fail_at)");
    QTest::newRow("half way") << 50.0 << 4 << 25.0 << QStringLiteral("failed at 50% (fail_at)");
    QTest::newRow("between steps")
        << 60.0 << 4 << 50.0 << QStringLiteral("failed at 60% (fail_at)");
    QTest::newRow("at the end") << 100.0 << 2 << 50.0 << QStringLiteral("failed at 100% (fail_at)");
}

void tst_DemoSleepKind::failsAtTheRequestedPercent()
{
    QFETCH(double, failAt);
    QFETCH(int, steps);
    QFETCH(double, lastReported);
    QFETCH(QString, message);
    DemoRun demo({{QStringLiteral("duration_s"), 0},
                  {QStringLiteral("steps"), steps},
                  {QStringLiteral("fail_at"), failAt}});
    const KindOutcome outcome = demo.run();
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error.code, QStringLiteral("job_error"));
    QCOMPARE(outcome.error.message, message);
    QVERIFY(outcome.retryable);
    const std::vector<ProgressReport> reports = demo.reports();
    if (lastReported < 0)
        QVERIFY(reports.empty());
    else
        QCOMPARE(reports.back().pct, std::optional<double>(lastReported));
}

void tst_DemoSleepKind::stopsPromptlyWhenCancelled()
{
    // One 30 s step: only a cancel that wakes the sleeper ends it early.
    DemoRun demo({{QStringLiteral("duration_s"), 30}, {QStringLiteral("steps"), 1}});
    std::atomic<bool> started{false};
    std::atomic<bool> finished{false};
    KindOutcome outcome;
    std::thread job([&] {
        started = true;
        outcome = demo.run();
        finished = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(started.load(), 5000);
    QElapsedTimer sinceCancel;
    sinceCancel.start();
    demo.token.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(finished.load(), 5000);
    job.join();
    QVERIFY2(sinceCancel.elapsed() < 1000, "cancel must wake the sleeping job");
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error.code, QStringLiteral("cancelled"));
    QVERIFY(!outcome.retryable);
}

void tst_DemoSleepKind::keepsGoingWhenToldToIgnoreCancel()
{
    DemoRun demo({{QStringLiteral("duration_s"), 0.3},
                  {QStringLiteral("steps"), 3},
                  {QStringLiteral("ignore_cancel"), true}});
    demo.token.cancel(); // asked to stop before it even started
    QElapsedTimer clock;
    clock.start();
    const KindOutcome outcome = demo.run();
    QVERIFY(outcome.ok);
    QVERIFY(clock.elapsed() >= 290);
    QCOMPARE(demo.reports().back().pct, std::optional<double>(100.0));
    QCOMPARE(QJsonDocument::fromJson(demo.result()).object().value(QStringLiteral("steps")).toInt(),
             3);
}

void tst_DemoSleepKind::returnsPromptlyWhenTheWorkerStops()
{
    DemoRun demo({{QStringLiteral("duration_s"), 30},
                  {QStringLiteral("steps"), 1},
                  {QStringLiteral("ignore_cancel"), true}});
    std::atomic<bool> finished{false};
    KindOutcome outcome;
    std::thread job([&] {
        outcome = demo.run();
        finished = true;
    });
    demo.token.cancel();
    demo.token.requestStop();
    QTRY_VERIFY_WITH_TIMEOUT(finished.load(), 2000);
    job.join();
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error.message, QStringLiteral("the worker is shutting down"));
}

QTEST_GUILESS_MAIN(tst_DemoSleepKind)
#include "tst_demosleepkind.moc"
