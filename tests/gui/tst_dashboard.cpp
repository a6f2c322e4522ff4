// The dashboard against a real jobdeskd: a known mix of jobs (completed,
// dead letters, running, queued) shows on the tiles as the backend reports
// it; a tile opens the jobs table filtered on what it counts; the counts
// and the series come back after the backend restarts, from its per-minute
// aggregates.

#include "backendprocess.h"
#include "controltestclient.h"
#include "dashboardkindchart.h"
#include "dashboardtile.h"
#include "dashboardtimechart.h"
#include "dashboardview.h"
#include "jobfilterproxy.h"
#include "jobsync.h"
#include "jobtablemodel.h"
#include "mainwindow.h"

#include <QJsonArray>
#include <QLabel>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>
#include <memory>

using namespace jobdesk;

namespace {

constexpr int kCompleted = 3;
constexpr int kDeadLetters = 2;
constexpr int kLong = 3; // two run on the two workers, one waits

qint64 number(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toInteger(-1);
}

} // namespace

class TestDashboard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void tilesShowWhatTheBackendReports();
    void tileOpensTheJobsItCounts_data();
    void tileOpensTheJobsItCounts();
    void numbersSurviveABackendRestart();

private:
    std::unique_ptr<MainWindow> openDashboard();
    QJsonObject stats();
    bool submit(const QJsonObject &params, int maxAttempts = 3);

    /// The run before the restart: it owns the data dir, so it goes last.
    std::unique_ptr<BackendProcess> m_firstRun;
    std::unique_ptr<BackendProcess> m_backend;
    std::unique_ptr<ControlTestClient> m_control;
};

void TestDashboard::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("jobdesk-tests"));
    QSettings().clear();
    m_backend = std::make_unique<BackendProcess>();
    QVERIFY2(m_backend->start(2, {QStringLiteral("--shutdown-grace"), QStringLiteral("0")}),
             qPrintable(m_backend->errorText()));
    m_control =
        std::make_unique<ControlTestClient>(m_backend->controlEndpoint(), m_backend->token());

    for (int i = 0; i < kCompleted; ++i)
        QVERIFY(submit(QJsonObject{{QStringLiteral("duration_s"), 0.2}}));
    for (int i = 0; i < kDeadLetters; ++i)
        QVERIFY(submit(
            QJsonObject{{QStringLiteral("duration_s"), 0.2}, {QStringLiteral("fail_at"), 0}}, 1));
    QTRY_COMPARE_WITH_TIMEOUT(
        number(stats().value(QStringLiteral("last_24h")).toObject(), "completed") +
            number(stats().value(QStringLiteral("last_24h")).toObject(), "failed"),
        qint64(kCompleted + kDeadLetters), 30000);
    for (int i = 0; i < kLong; ++i)
        QVERIFY(submit(QJsonObject{{QStringLiteral("duration_s"), 600}}));
    QTRY_COMPARE_WITH_TIMEOUT(
        number(stats().value(QStringLiteral("counts")).toObject(), "PROCESSING"), qint64(2), 15000);
}

void TestDashboard::cleanupTestCase()
{
    m_control.reset();
    if (m_backend)
        QCOMPARE(m_backend->stop(), 0);
}

bool TestDashboard::submit(const QJsonObject &params, int maxAttempts)
{
    const QJsonObject reply = m_control->request(
        QStringLiteral("submit"), {{QStringLiteral("kind"), QStringLiteral("demo.sleep")},
                                   {QStringLiteral("params"), params},
                                   {QStringLiteral("max_attempts"), maxAttempts}});
    return reply.value(QStringLiteral("ok")).toBool();
}

QJsonObject TestDashboard::stats()
{
    return m_control->request(QStringLiteral("stats"));
}

std::unique_ptr<MainWindow> TestDashboard::openDashboard()
{
    auto window = std::make_unique<MainWindow>(
        ConnectionConfig{m_backend->controlEndpoint(),
                         {},
                         {},
                         m_backend->dataDir() + QStringLiteral("/api-token")},
        false);
    window->showPage(MainWindow::DashboardPage);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        return nullptr;
    if (!QTest::qWaitFor([&] { return window->sync()->snapshotComplete(); }, 10000))
        return nullptr;
    return window;
}

void TestDashboard::tilesShowWhatTheBackendReports()
{
    std::unique_ptr<MainWindow> window = openDashboard();
    QVERIFY(window);
    DashboardView *dashboard = window->dashboard();
    const auto tile = [dashboard](DashboardView::Tile t) { return dashboard->tile(t)->value(); };
    QTRY_COMPARE_WITH_TIMEOUT(tile(DashboardView::CompletedTile), QString::number(kCompleted),
                              10000);

    const QJsonObject reported = stats();
    const QJsonObject counts = reported.value(QStringLiteral("counts")).toObject();
    const QJsonObject last24h = reported.value(QStringLiteral("last_24h")).toObject();
    const QJsonObject workers = reported.value(QStringLiteral("workers")).toObject();
    // What the backend says, and what the jobs submitted above make it say.
    QCOMPARE(tile(DashboardView::PendingTile), QString::number(number(counts, "PENDING")));
    QCOMPARE(tile(DashboardView::PendingTile), QStringLiteral("1"));
    QCOMPARE(tile(DashboardView::ProcessingTile), QString::number(number(counts, "PROCESSING")));
    QCOMPARE(tile(DashboardView::ProcessingTile), QStringLiteral("2"));
    QCOMPARE(tile(DashboardView::CompletedTile), QString::number(number(last24h, "completed")));
    QCOMPARE(tile(DashboardView::FailedTile), QString::number(number(last24h, "failed")));
    QCOMPARE(tile(DashboardView::FailedTile), QString::number(kDeadLetters));
    QCOMPARE(tile(DashboardView::DeadLetterTile), QString::number(number(reported, "dead_letter")));
    QCOMPARE(tile(DashboardView::DeadLetterTile), QString::number(kDeadLetters));
    QCOMPARE(tile(DashboardView::WorkersTile),
             QStringLiteral("%1 / %2").arg(number(workers, "busy")).arg(number(workers, "total")));
    QCOMPARE(tile(DashboardView::WorkersTile), QStringLiteral("2 / 2"));
    QCOMPARE(
        dashboard->tile(DashboardView::BackendTile)->caption(),
        QStringLiteral("jobdeskd %1").arg(reported.value(QStringLiteral("version")).toString()));

    // The charts: this minute's completions, and the kind's failure rate.
    double completedInSeries = 0;
    for (const QPointF &p : dashboard->throughputChart()->points(1))
        completedInSeries += p.y();
    QCOMPARE(completedInSeries, double(kCompleted));
    QCOMPARE(dashboard->failureChart()->kinds(),
             QStringList{QStringLiteral("demo.sleep (2 of 5)")});
    QCOMPARE(dashboard->failureChart()->values(0).value(0), 40.0);
    QCOMPARE(dashboard->durationChart()->kinds(),
             QStringList{QStringLiteral("demo.sleep (5 runs)")});
}

void TestDashboard::tileOpensTheJobsItCounts_data()
{
    QTest::addColumn<int>("tile");
    QTest::addColumn<int>("rows");
    QTest::addColumn<bool>("narrowed"); // fewer jobs than the tab holds: said above the table
    QTest::newRow("completed") << int(DashboardView::CompletedTile) << kCompleted << false;
    QTest::newRow("dead letters") << int(DashboardView::DeadLetterTile) << kDeadLetters << true;
    QTest::newRow("pending") << int(DashboardView::PendingTile) << 1 << true;
    QTest::newRow("workers: the running jobs") << int(DashboardView::WorkersTile) << 2 << true;
    QTest::newRow("backend: every job")
        << int(DashboardView::BackendTile) << kCompleted + kDeadLetters + kLong << false;
}

void TestDashboard::tileOpensTheJobsItCounts()
{
    QFETCH(int, tile);
    QFETCH(int, rows);
    QFETCH(bool, narrowed);
    std::unique_ptr<MainWindow> window = openDashboard();
    QVERIFY(window);
    DashboardTile *t = window->dashboard()->tile(DashboardView::Tile(tile));
    QTRY_VERIFY_WITH_TIMEOUT(t->value() != QStringLiteral("–"), 10000);
    QTest::mouseClick(t, Qt::LeftButton, {}, t->rect().center());
    QCOMPARE(window->currentPage(), MainWindow::JobsPage);
    QTRY_COMPARE(window->proxy()->rowCount(), rows);
    auto *note = window->findChild<QLabel *>(QStringLiteral("narrowedFilter"));
    QVERIFY(note);
    QCOMPARE(note->isVisible(), narrowed);
    if (tile == DashboardView::DeadLetterTile) {
        for (int r = 0; r < rows; ++r) {
            const QModelIndex source = window->proxy()->mapToSource(window->proxy()->index(r, 0));
            QVERIFY(window->model()->jobAt(source.row()).deadLetter);
        }
    }
}

void TestDashboard::numbersSurviveABackendRestart()
{
    const QJsonObject before = stats();
    const QString dataDir = m_backend->dataDir();
    m_control.reset();
    QCOMPARE(m_backend->stop(), 0);
    // The same store, a new process (and new ports).
    auto restarted = std::make_unique<BackendProcess>(dataDir);
    QVERIFY2(restarted->start(2, {QStringLiteral("--shutdown-grace"), QStringLiteral("0")}),
             qPrintable(restarted->errorText()));
    m_firstRun = std::move(m_backend);
    m_backend = std::move(restarted);
    m_control =
        std::make_unique<ControlTestClient>(m_backend->controlEndpoint(), m_backend->token());

    const QJsonObject after = stats();
    QVERIFY(after.value(QStringLiteral("uptime_s")).toInteger() <=
            before.value(QStringLiteral("uptime_s")).toInteger());
    QCOMPARE(after.value(QStringLiteral("last_24h")), before.value(QStringLiteral("last_24h")));
    QCOMPARE(after.value(QStringLiteral("kinds")), before.value(QStringLiteral("kinds")));
    qint64 completed = 0;
    qint64 submitted = 0;
    for (const QJsonValue &step : after.value(QStringLiteral("series")).toArray()) {
        completed += number(step.toObject(), "completed");
        submitted += number(step.toObject(), "submitted");
    }
    QCOMPARE(completed, qint64(kCompleted));
    QCOMPARE(submitted, qint64(kCompleted + kDeadLetters + kLong));

    std::unique_ptr<MainWindow> window = openDashboard();
    QVERIFY(window);
    QTRY_COMPARE_WITH_TIMEOUT(window->dashboard()->tile(DashboardView::CompletedTile)->value(),
                              QString::number(kCompleted), 10000);
    QCOMPARE(window->dashboard()->tile(DashboardView::DeadLetterTile)->value(),
             QString::number(kDeadLetters));
}

QTEST_MAIN(TestDashboard)
#include "tst_dashboard.moc"
