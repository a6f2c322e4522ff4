// The dashboard's widgets offscreen, fed a known `stats` reply: the tiles
// show its numbers, the charts its series and per-kind values; a second
// reply changes the same series in place (no flicker); the charts take the
// palette (light and dark); tiles ask for the jobs they count; the poller
// asks for whole steps.

#include "backendclient.h"
#include "commandline.h"
#include "dashboardkindchart.h"
#include "dashboardstats.h"
#include "dashboardstatspoller.h"
#include "dashboardtile.h"
#include "dashboardtimechart.h"
#include "dashboardview.h"
#include "fakecontrolserver.h"
#include "mainwindow.h"
#include "timeformat.h"

#include <QAbstractBarSeries>
#include <QApplication>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

using namespace jobdesk;

namespace {

const qint64 kT0 = parseTimestamp(QStringLiteral("2026-11-26T10:00:00Z"));

/// A stats reply as jobdeskd sends it: 3 minutes, two kinds.
QJsonObject reply(qint64 completedInMinute2 = 4)
{
    const auto point = [](int minute, qint64 submitted, qint64 completed, qint64 failed,
                          qint64 queue, qint64 busy) {
        return QJsonObject{{QStringLiteral("t"), formatTimestamp(kT0 + minute * 60000)},
                           {QStringLiteral("submitted"), submitted},
                           {QStringLiteral("completed"), completed},
                           {QStringLiteral("failed"), failed},
                           {QStringLiteral("cancelled"), 0},
                           {QStringLiteral("queue_depth"), queue},
                           {QStringLiteral("busy"), busy}};
    };
    const auto kind = [](const char *name, qint64 completed, qint64 failed, QJsonValue rate,
                         QJsonValue p50, QJsonValue p95) {
        return QJsonObject{
            {QStringLiteral("kind"), QLatin1String(name)},
            {QStringLiteral("submitted"), completed + failed},
            {QStringLiteral("completed"), completed},
            {QStringLiteral("failed"), failed},
            {QStringLiteral("cancelled"), 0},
            {QStringLiteral("failure_rate"), rate},
            {QStringLiteral("duration"), QJsonObject{{QStringLiteral("count"), completed + failed},
                                                     {QStringLiteral("p50_s"), p50},
                                                     {QStringLiteral("p95_s"), p95}}}};
    };
    return QJsonObject{
        {QStringLiteral("version"), QStringLiteral("9.8.7")},
        {QStringLiteral("uptime_s"), 7500},
        {QStringLiteral("counts"), QJsonObject{{QStringLiteral("PENDING"), 1234},
                                               {QStringLiteral("PROCESSING"), 3},
                                               {QStringLiteral("RETRYING"), 2},
                                               {QStringLiteral("COMPLETED"), 50000},
                                               {QStringLiteral("FAILED"), 17},
                                               {QStringLiteral("CANCELLED"), 5}}},
        {QStringLiteral("dead_letter"), 11},
        {QStringLiteral("workers"),
         QJsonObject{{QStringLiteral("total"), 4}, {QStringLiteral("busy"), 3}}},
        {QStringLiteral("last_24h"), QJsonObject{{QStringLiteral("submitted"), 700},
                                                 {QStringLiteral("completed"), 640},
                                                 {QStringLiteral("failed"), 160},
                                                 {QStringLiteral("cancelled"), 1}}},
        {QStringLiteral("from"), formatTimestamp(kT0)},
        {QStringLiteral("to"), formatTimestamp(kT0 + 3 * 60000)},
        {QStringLiteral("step_s"), 60},
        {QStringLiteral("series"), QJsonArray{point(0, 10, 2, 0, 8, 2), point(1, 0, 5, 1, 3, 4),
                                              point(2, 1, completedInMinute2, 0, 0, 1)}},
        {QStringLiteral("kinds"), QJsonArray{kind("demo.sleep", 9, 3, 0.25, 3.75, 27.0),
                                             kind("report.sql", 2, 0, 0.0, 0.4, 0.9)}},
    };
}

DashboardStats statsOf(const QJsonObject &json)
{
    Result<DashboardStats> stats = DashboardStats::fromJson(json);
    if (!stats)
        qFatal("bad canned reply: %s", qPrintable(stats.error().detail));
    return stats.value();
}

/// What a jobdeskd with the stats op answers: `reply()` to stats, its
/// version to ping, ok to anything else.
QJsonObject answerAsStatsBackend(const QJsonObject &r)
{
    QJsonObject answer{{QStringLiteral("ok"), true}, {QStringLiteral("id"), r.value("id")}};
    const QString op = r.value(QStringLiteral("op")).toString();
    if (op == QLatin1String("stats")) {
        const QJsonObject canned = reply();
        for (auto it = canned.begin(); it != canned.end(); ++it)
            answer.insert(it.key(), it.value());
    } else if (op == QLatin1String("ping")) {
        answer.insert(QStringLiteral("version"), QStringLiteral("9.8.7"));
        answer.insert(QStringLiteral("epoch"), QStringLiteral("e1"));
    }
    return answer;
}

} // namespace

class TestDashboardView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void replyIsRead();
    void malformedReplyIsAnError();
    void tilesShowTheReply();
    void chartsShowTheSeries();
    void updatesChangeSeriesInPlace();
    void countAxisIsRoundAndSnug_data();
    void countAxisIsRoundAndSnug();
    void kindRowsChangeInPlace();
    void kindRowsFollowKindsThatChangePlaces();
    void emptyBackendShowsEmptyCharts();
    void chartsFollowThePalette_data();
    void chartsFollowThePalette();
    void tilesAskForTheirJobs_data();
    void tilesAskForTheirJobs();
    void pollerAsksForWholeSteps();
    void pollerAlignsStepsToTheLocalClock_data();
    void pollerAlignsStepsToTheLocalClock();
    void oldBackendIsToldApart();
    void offlineBackendKeepsTheNumbersAndSaysSo();
    void pollerPacesItselfByTheBackend();
    void tabOption_data();
    void tabOption();

private:
    std::unique_ptr<BackendClient> m_client;
    std::unique_ptr<DashboardView> m_view;
};

void TestDashboardView::init()
{
    m_client = std::make_unique<BackendClient>();
    m_view = std::make_unique<DashboardView>(m_client.get());
    m_view->resize(1300, 800);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestDashboardView::cleanup()
{
    m_view.reset();
    m_client.reset();
}

void TestDashboardView::replyIsRead()
{
    const DashboardStats s = statsOf(reply());
    QCOMPARE(s.version, QStringLiteral("9.8.7"));
    QCOMPARE(s.count(JobStatus::Pending), 1234);
    QCOMPARE(s.deadLetters, 11);
    QCOMPARE(s.workersBusy, 3);
    QCOMPARE(s.completedLast24h.value_or(-1), 640);
    QCOMPARE(s.series.size(), 3);
    QCOMPARE(s.series.at(1).tMs, kT0 + 60000);
    QCOMPARE(s.series.at(1).queueDepth, 3);
    QCOMPARE(s.kinds.size(), 2);
    QCOMPARE(s.kinds.at(0).p95S.value_or(-1), 27.0);
    QCOMPARE(s.stepMs, 60000);
}

void TestDashboardView::malformedReplyIsAnError()
{
    QJsonObject bad = reply();
    bad.insert(QStringLiteral("series"), QJsonArray{QJsonObject{{QStringLiteral("t"), 5}}});
    QVERIFY(!DashboardStats::fromJson(bad).ok());
    bad = reply();
    bad.remove(QStringLiteral("counts"));
    QVERIFY(!DashboardStats::fromJson(bad).ok());
}

void TestDashboardView::tilesShowTheReply()
{
    m_view->showStats(statsOf(reply()));
    const QLocale locale;
    QCOMPARE(m_view->tile(DashboardView::PendingTile)->value(), locale.toString(1234));
    QVERIFY(m_view->tile(DashboardView::PendingTile)->caption().contains(QLatin1String("2")));
    QCOMPARE(m_view->tile(DashboardView::ProcessingTile)->value(), QStringLiteral("3"));
    QCOMPARE(m_view->tile(DashboardView::CompletedTile)->value(), QStringLiteral("640"));
    QCOMPARE(m_view->tile(DashboardView::FailedTile)->value(), QStringLiteral("160"));
    QVERIFY(
        m_view->tile(DashboardView::FailedTile)->caption().contains(locale.toString(20.0, 'f', 1)));
    QCOMPARE(m_view->tile(DashboardView::DeadLetterTile)->value(), QStringLiteral("11"));
    QCOMPARE(m_view->tile(DashboardView::WorkersTile)->value(), QStringLiteral("3 / 4"));
    QCOMPARE(m_view->tile(DashboardView::BackendTile)->value(), QStringLiteral("2 h 05 min"));
    QCOMPARE(m_view->tile(DashboardView::BackendTile)->caption(), QStringLiteral("jobdeskd 9.8.7"));
}

void TestDashboardView::chartsShowTheSeries()
{
    m_view->showStats(statsOf(reply()));
    DashboardTimeChart *throughput = m_view->throughputChart();
    const QList<QPointF> completed = throughput->points(1);
    QCOMPARE(completed.size(), 3);
    QCOMPARE(completed.at(0), QPointF(double(kT0), 2));
    QCOMPARE(completed.at(2), QPointF(double(kT0 + 120000), 4));
    QCOMPARE(throughput->points(2).at(1).y(), 1.0); // failed in minute 1
    QCOMPARE(throughput->countAxisMax(), 20.0);     // 10 submitted: four round steps of 5
    const QList<QPointF> queue = m_view->queueChart()->points(0);
    QCOMPARE(queue.at(0).y(), 8.0);
    QCOMPARE(m_view->queueChart()->points(1).at(1).y(), 4.0);

    // Bars list the kinds alphabetically from the top (the axis counts up).
    DashboardKindChart *duration = m_view->durationChart();
    QCOMPARE(duration->kinds(), (QStringList{QStringLiteral("report.sql (2 runs)"),
                                             QStringLiteral("demo.sleep (12 runs)")}));
    QCOMPARE(duration->values(0), (QList<double>{0.4, 3.75}));
    QCOMPARE(duration->values(1), (QList<double>{0.9, 27.0}));
    QVERIFY(!duration->showsEmptyText());
    // A 0 % row still says what it stands for.
    QCOMPARE(m_view->failureChart()->kinds(),
             (QStringList{QStringLiteral("report.sql (0 of 2)"),
                          QStringLiteral("demo.sleep (3 of 12)")}));
    QCOMPARE(m_view->failureChart()->values(0), (QList<double>{0.0, 25.0}));

    QCOMPARE(throughput->chart()->title(), QStringLiteral("Jobs submitted and ended per minute"));
    QJsonObject quarters = reply();
    quarters.insert(QStringLiteral("step_s"), 900);
    m_view->showStats(statsOf(quarters));
    QCOMPARE(throughput->chart()->title(), QStringLiteral("Jobs submitted and ended per 15 min"));
}

void TestDashboardView::countAxisIsRoundAndSnug_data()
{
    QTest::addColumn<qint64>("peak");
    QTest::addColumn<double>("top");
    QTest::newRow("nothing") << qint64(0) << 4.0;
    QTest::newRow("9: by fives, not by 2.5") << qint64(9) << 20.0;
    QTest::newRow("10") << qint64(10) << 20.0;
    QTest::newRow("95: by 25 up to 100, not 200") << qint64(95) << 100.0;
    QTest::newRow("101") << qint64(101) << 200.0;
    QTest::newRow("2,400: by 1,000") << qint64(2400) << 4000.0;
}

void TestDashboardView::countAxisIsRoundAndSnug()
{
    QFETCH(qint64, peak);
    QFETCH(double, top);
    DashboardTimeChart chart(QStringLiteral("test"));
    chart.addLine(QStringLiteral("submitted"), Qt::blue,
                  [](const DashboardPoint &p) { return p.submitted; });
    DashboardStats stats;
    stats.fromMs = kT0;
    stats.toMs = kT0 + 120000;
    stats.series = {DashboardPoint{kT0, peak}, DashboardPoint{kT0 + 60000, peak / 2}};
    chart.showStats(stats);
    QCOMPARE(chart.countAxisMax(), top);
    QVERIFY(double(peak) <= top);
}

void TestDashboardView::kindRowsChangeInPlace()
{
    m_view->showStats(statsOf(reply()));
    DashboardKindChart *failures = m_view->failureChart();
    auto *series = qobject_cast<QAbstractBarSeries *>(failures->chart()->series().first());
    QVERIFY(series);
    QBarSet *rates = series->barSets().first();
    QSignalSpy removed(rates, &QBarSet::valuesRemoved);
    QSignalSpy changed(rates, &QBarSet::valueChanged);

    QJsonObject next = reply();
    QJsonArray kinds = next.value(QStringLiteral("kinds")).toArray();
    QJsonObject sleep = kinds.at(0).toObject();
    sleep.insert(QStringLiteral("failed"), 4);
    sleep.insert(QStringLiteral("failure_rate"), 4.0 / 13.0);
    kinds.replace(0, sleep);
    next.insert(QStringLiteral("kinds"), kinds);
    m_view->showStats(statsOf(next));

    QCOMPARE(removed.count(), 0); // no row rebuilt
    QCOMPARE(changed.count(), 1); // one bar moved
    QCOMPARE(failures->kinds().at(1), QStringLiteral("demo.sleep (4 of 13)"));
    QCOMPARE(failures->values(0).at(1), 30.8);
}

void TestDashboardView::kindRowsFollowKindsThatChangePlaces()
{
    m_view->showStats(statsOf(reply()));
    DashboardKindChart *failures = m_view->failureChart();
    // report.sql leaves the range and "alpha" comes in: as many rows, and
    // demo.sleep, unchanged, moves to the row report.sql had.
    QJsonObject next = reply();
    QJsonArray kinds = next.value(QStringLiteral("kinds")).toArray();
    kinds.removeAt(1);
    kinds.prepend(
        QJsonObject{{QStringLiteral("kind"), QStringLiteral("alpha")},
                    {QStringLiteral("completed"), 0},
                    {QStringLiteral("failed"), 1},
                    {QStringLiteral("failure_rate"), 1.0},
                    {QStringLiteral("duration"), QJsonObject{{QStringLiteral("count"), 1},
                                                             {QStringLiteral("p50_s"), 1.5},
                                                             {QStringLiteral("p95_s"), 2.0}}}});
    next.insert(QStringLiteral("kinds"), kinds);
    m_view->showStats(statsOf(next));

    const QStringList expected{QStringLiteral("demo.sleep (3 of 12)"),
                               QStringLiteral("alpha (1 of 1)")};
    QCOMPARE(failures->kinds(), expected);
    // What is drawn: the axis's rows, each beside its own bar.
    const QList<QAbstractAxis *> axes = failures->chart()->axes(Qt::Vertical);
    QCOMPARE(axes.size(), 1);
    auto *rows = qobject_cast<QBarCategoryAxis *>(axes.first());
    QVERIFY(rows);
    QCOMPARE(rows->categories(), expected);
    QCOMPARE(failures->values(0), (QList<double>{25.0, 100.0}));
}

void TestDashboardView::updatesChangeSeriesInPlace()
{
    m_view->showStats(statsOf(reply()));
    DashboardTimeChart *throughput = m_view->throughputChart();
    QChart *chart = throughput->chart();
    const QList<QAbstractSeries *> series = chart->series();
    auto *completed = qobject_cast<QLineSeries *>(series.at(1));
    QVERIFY(completed);
    QSignalSpy replaced(completed, &QXYSeries::pointsReplaced);

    m_view->showStats(statsOf(reply())); // the same numbers: nothing to redraw
    QCOMPARE(replaced.count(), 0);
    m_view->showStats(statsOf(reply(7))); // one more completion: the same series, new points
    QCOMPARE(replaced.count(), 1);
    QCOMPARE(throughput->chart(), chart);
    QCOMPARE(chart->series(), series);
    QCOMPARE(completed->points().at(2).y(), 7.0);
}

void TestDashboardView::emptyBackendShowsEmptyCharts()
{
    QJsonObject empty = reply();
    empty.insert(QStringLiteral("kinds"), QJsonArray());
    empty.insert(QStringLiteral("series"), QJsonArray());
    m_view->showStats(statsOf(reply()));
    m_view->showStats(statsOf(empty));
    QVERIFY(m_view->durationChart()->kinds().isEmpty());
    QVERIFY(m_view->durationChart()->showsEmptyText());
    QVERIFY(m_view->failureChart()->showsEmptyText());
    QVERIFY(m_view->throughputChart()->points(0).isEmpty());
    QCOMPARE(m_view->throughputChart()->countAxisMax(), 4.0);
}

void TestDashboardView::chartsFollowThePalette_data()
{
    QTest::addColumn<QColor>("window");
    QTest::addColumn<QColor>("base");
    QTest::addColumn<QColor>("text");
    QTest::newRow("light") << QColor(0xef, 0xef, 0xef) << QColor(Qt::white) << QColor(Qt::black);
    QTest::newRow("dark") << QColor(0x2d, 0x2d, 0x2d) << QColor(0x1e, 0x1e, 0x1e)
                          << QColor(0xee, 0xee, 0xee);
}

void TestDashboardView::chartsFollowThePalette()
{
    QFETCH(QColor, window);
    QFETCH(QColor, base);
    QFETCH(QColor, text);
    QPalette palette = m_view->palette();
    palette.setColor(QPalette::Window, window);
    palette.setColor(QPalette::Base, base);
    palette.setColor(QPalette::WindowText, text);
    m_view->setPalette(palette);
    m_view->showStats(statsOf(reply()));
    for (QChartView *view : QList<QChartView *>{m_view->throughputChart(), m_view->queueChart(),
                                                m_view->durationChart(), m_view->failureChart()}) {
        QChart *chart = view->chart();
        QCOMPARE(chart->backgroundBrush().color(), base);
        QCOMPARE(chart->titleBrush().color(), text);
        for (QAbstractAxis *axis : chart->axes())
            QCOMPARE(axis->labelsColor(), text);
    }
    // The completed line keeps its green, lighter on the dark ground.
    auto *completed =
        qobject_cast<QLineSeries *>(m_view->throughputChart()->chart()->series().at(1));
    const bool dark = window.lightness() < 128;
    QCOMPARE(completed->pen().color().lightness() > QColor(0x16, 0x80, 0x3d).lightness(), dark);
}

void TestDashboardView::tilesAskForTheirJobs_data()
{
    QTest::addColumn<int>("tile");
    QTest::addColumn<QList<JobStatus>>("statuses");
    QTest::addColumn<bool>("deadLetterOnly");
    QTest::newRow("pending") << int(DashboardView::PendingTile)
                             << QList<JobStatus>{JobStatus::Pending} << false;
    QTest::newRow("processing") << int(DashboardView::ProcessingTile)
                                << QList<JobStatus>{JobStatus::Processing} << false;
    QTest::newRow("completed") << int(DashboardView::CompletedTile)
                               << QList<JobStatus>{JobStatus::Completed} << false;
    QTest::newRow("failed") << int(DashboardView::FailedTile) << QList<JobStatus>{JobStatus::Failed}
                            << false;
    QTest::newRow("dead letters") << int(DashboardView::DeadLetterTile)
                                  << QList<JobStatus>{JobStatus::Failed} << true;
    QTest::newRow("workers: the running jobs")
        << int(DashboardView::WorkersTile) << QList<JobStatus>{JobStatus::Processing} << false;
    QTest::newRow("backend: every job")
        << int(DashboardView::BackendTile) << QList<JobStatus>{} << false;
}

void TestDashboardView::tilesAskForTheirJobs()
{
    QFETCH(int, tile);
    QFETCH(QList<JobStatus>, statuses);
    QFETCH(bool, deadLetterOnly);
    QSignalSpy asked(m_view.get(), &DashboardView::jobsRequested);
    DashboardTile *t = m_view->tile(DashboardView::Tile(tile));
    QTest::mouseClick(t, Qt::LeftButton, {}, t->rect().center());
    QCOMPARE(asked.count(), 1);
    const auto filter = asked.at(0).at(0).value<DashboardJobFilter>();
    QCOMPARE(filter.statuses, statuses);
    QCOMPARE(filter.deadLetterOnly, deadLetterOnly);
    // The keyboard too.
    t->setFocus();
    QTest::keyClick(t, Qt::Key_Space);
    QCOMPARE(asked.count(), 2);
}

void TestDashboardView::pollerAsksForWholeSteps()
{
    const qint64 now = parseTimestamp(QStringLiteral("2026-11-26T10:07:31.250Z"));
    const DashboardRange day = DashboardRange::choices().at(2); // 24 h by 15 min
    const QJsonObject fields = DashboardStatsPoller::requestFields(day, now, 0);
    QCOMPARE(fields.value(QStringLiteral("to")).toString(),
             QStringLiteral("2026-11-26T10:15:00.000Z"));
    QCOMPARE(fields.value(QStringLiteral("from")).toString(),
             QStringLiteral("2026-11-25T10:15:00.000Z"));
    QCOMPARE(fields.value(QStringLiteral("step")).toInteger(), 900);
    for (const DashboardRange &range : DashboardRange::choices())
        QVERIFY2(range.spanMs / range.stepMs <= 2000, qPrintable(range.title));
}

void TestDashboardView::pollerAlignsStepsToTheLocalClock_data()
{
    QTest::addColumn<int>("range"); // index in DashboardRange::choices()
    QTest::addColumn<int>("utcOffsetS");
    QTest::addColumn<QString>("to");
    // 10:07:31Z is 15:37 in India, 05:07 in New York (EST).
    QTest::newRow("UTC, 6 h steps") << 4 << 0 << "2026-11-26T12:00:00.000Z";
    QTest::newRow("UTC+5:30, 6 h steps: 18:00 local") << 4 << 19800 << "2026-11-26T12:30:00.000Z";
    QTest::newRow("UTC-5, 6 h steps: 06:00 local") << 4 << -18000 << "2026-11-26T11:00:00.000Z";
    QTest::newRow("UTC+5:45, 2 h steps: 16:00 local") << 3 << 20700 << "2026-11-26T10:15:00.000Z";
    QTest::newRow("UTC+5:45, 15 min steps: 16:00 local")
        << 2 << 20700 << "2026-11-26T10:15:00.000Z";
    QTest::newRow("UTC-5, minutes") << 0 << -18000 << "2026-11-26T10:08:00.000Z";
}

void TestDashboardView::pollerAlignsStepsToTheLocalClock()
{
    QFETCH(int, range);
    QFETCH(int, utcOffsetS);
    QFETCH(QString, to);
    const qint64 now = parseTimestamp(QStringLiteral("2026-11-26T10:07:31.250Z"));
    const DashboardRange &chosen = DashboardRange::choices().at(range);
    const QJsonObject fields = DashboardStatsPoller::requestFields(chosen, now, utcOffsetS);
    QCOMPARE(fields.value(QStringLiteral("to")).toString(), to);
    const qint64 toMs = parseTimestamp(to);
    QCOMPARE(fields.value(QStringLiteral("from")).toString(),
             formatTimestamp(toMs - chosen.spanMs));
    QVERIFY(toMs > now);
    QVERIFY(toMs - chosen.stepMs <= now); // the current step is the last one
}

void TestDashboardView::oldBackendIsToldApart()
{
    // A jobdeskd from before the dashboard: no `stats` op.
    FakeControlServer server;
    server.answer = [](const QJsonObject &r) -> QJsonObject {
        QJsonObject answer{{QStringLiteral("ok"), true}, {QStringLiteral("id"), r.value("id")}};
        const QString op = r.value(QStringLiteral("op")).toString();
        if (op == QLatin1String("ping")) {
            answer.insert(QStringLiteral("version"), QStringLiteral("0.0.9"));
            answer.insert(QStringLiteral("epoch"), QStringLiteral("e1"));
        } else {
            answer = QJsonObject{
                {QStringLiteral("ok"), false},
                {QStringLiteral("id"), r.value("id")},
                {QStringLiteral("error"),
                 QJsonObject{
                     {QStringLiteral("code"), QStringLiteral("invalid_request")},
                     {QStringLiteral("message"), QStringLiteral("unknown op \"%1\"").arg(op)}}}};
        }
        return answer;
    };
    BackendClient client;
    QSignalSpy connected(&client, &BackendClient::connected);
    client.connectTo({server.endpoint(), {}, {}, {}});
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, 5000);

    DashboardView view(&client);
    QSignalSpy failed(view.poller(), &DashboardStatsPoller::failed);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 5000);
    QVERIFY(view.poller()->backendLacksStats());
    auto *updated = view.findChild<QLabel *>(QStringLiteral("dashboardUpdated"));
    QVERIFY(updated);
    QVERIFY2(updated->text().contains(QLatin1String("jobdeskd 0.0.9 has no statistics")),
             qPrintable(updated->text()));
    // It is not asked again and again.
    const auto statsRequests = [&server] {
        return std::count_if(server.requests.begin(), server.requests.end(),
                             [](const QJsonObject &r) {
                                 return r.value(QStringLiteral("op")) == QLatin1String("stats");
                             });
    };
    QCOMPARE(statsRequests(), 1);
    view.poller()->refreshNow();
    QTest::qWait(100);
    QCOMPARE(statsRequests(), 1);
}

void TestDashboardView::offlineBackendKeepsTheNumbersAndSaysSo()
{
    FakeControlServer server;
    bool answering = true;
    server.answer = [&answering](const QJsonObject &r) -> QJsonObject {
        if (!answering)
            return {}; // the backend is gone: no reply
        return answerAsStatsBackend(r);
    };
    BackendClient client;
    client.setRequestTimeout(std::chrono::milliseconds(200));
    client.setRetries(1);
    QSignalSpy connected(&client, &BackendClient::connected);
    client.connectTo({server.endpoint(), {}, {}, {}});
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, 5000);

    DashboardView view(&client);
    view.poller()->setInterval(std::chrono::milliseconds(100));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QTRY_COMPARE_WITH_TIMEOUT(view.tile(DashboardView::PendingTile)->value(),
                              QLocale().toString(1234), 5000);
    auto *updated = view.findChild<QLabel *>(QStringLiteral("dashboardUpdated"));
    QVERIFY(updated);
    QVERIFY(updated->text().startsWith(QLatin1String("Updated")));

    answering = false;
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Offline, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(updated->text().contains(QLatin1String("not answering")), 5000);
    QVERIFY2(updated->text().contains(QLatin1String("The numbers are from")),
             qPrintable(updated->text()));
    QCOMPARE(view.tile(DashboardView::PendingTile)->value(), QLocale().toString(1234));
}

void TestDashboardView::pollerPacesItselfByTheBackend()
{
    FakeControlServer server;
    server.answer = [](const QJsonObject &r) -> QJsonObject {
        if (r.value(QStringLiteral("op")).toString() == QLatin1String("stats"))
            QThread::msleep(400); // a backend busy counting millions of rows
        return answerAsStatsBackend(r);
    };
    BackendClient client;
    QSignalSpy connected(&client, &BackendClient::connected);
    client.connectTo({server.endpoint(), {}, {}, {}});
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, 5000);

    DashboardStatsPoller poller(&client);
    QSignalSpy received(&poller, &DashboardStatsPoller::statsReceived);
    poller.setActive(true);
    QTRY_COMPARE_WITH_TIMEOUT(received.count(), 1, 5000);
    QCOMPARE(received.first().first().value<DashboardStats>().count(JobStatus::Pending), 1234);
    const QJsonObject asked = server.requests.last();
    QCOMPARE(asked.value(QStringLiteral("op")).toString(), QStringLiteral("stats"));
    QCOMPARE(asked.value(QStringLiteral("step")).toInteger(), 60);
    // 20 times the 400 ms the answer took, not the default 5 s.
    QVERIFY2(poller.interval() >= std::chrono::milliseconds(8000),
             qPrintable(QString::number(poller.interval().count())));
}

void TestDashboardView::tabOption_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("page"); // empty with exit code 2: refused
    QTest::newRow("dashboard") << QStringList{QStringLiteral("--tab"), QStringLiteral("dashboard")}
                               << QStringLiteral("dashboard");
    QTest::newRow("jobs") << QStringList{QStringLiteral("--tab=jobs")} << QStringLiteral("jobs");
    QTest::newRow("not given: the last one open") << QStringList{} << QString();
    QTest::newRow("unknown page") << QStringList{QStringLiteral("--tab"), QStringLiteral("charts")}
                                  << QString();
}

void TestDashboardView::tabOption()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, page);
    int exitCode = -1;
    const std::optional<CommandLine> parsed =
        parseCommandLine(QStringList{QStringLiteral("jobdesk")} + arguments, &exitCode);
    if (arguments.contains(QStringLiteral("charts"))) {
        QVERIFY(!parsed);
        QCOMPARE(exitCode, 2);
        return;
    }
    QVERIFY(parsed);
    QCOMPARE(parsed->page, page);
    QCOMPARE(MainWindow::pageNamed(page).has_value(), !page.isEmpty());
}

QTEST_MAIN(TestDashboardView)
#include "tst_dashboardview.moc"
