// Offers: a busy worker holds PENDING jobs in line and starts them the
// moment its attempt ends. What the service must keep true with them: a
// cancelled offer never runs, a better job is not kept waiting behind a
// worse one, a long attempt holds nothing hostage, a job that kills its
// worker as it starts is charged for it, and a claim whose commit fails is
// stopped like any early dispatch. In process: the real JobService and real
// jobdesk-worker processes over a store whose commits can be made to fail.

#include "failingcommitstore.h"
#include "jobservice.h"
#include "kindcatalog.h"
#include "servicesubmit.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <set>

using namespace jobdesk;
using namespace std::chrono_literals;

class tst_Offers : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void cleanup();

    void cancelledOfferNeverRuns();
    void betterJobTakesTheOfferedPlace_data();
    void betterJobTakesTheOfferedPlace();
    void longAttemptHoldsNoOfferHostage();
    void idleWorkerTakesBackOffersFromABusyOne();
    void cancelCrossingTheStartOfAnOffer_data();
    void cancelCrossingTheStartOfAnOffer();
    void secondCancelOfAnOfferIsAnswered();
    void cancelCrossingAStartDuringADrain();
    void cancelWaitingAtStopIsAnswered();
    void jobThatKillsItsWorkerAsItStartsEndsFailed();
    void startedOfferWhoseClaimFailsIsStopped();

private:
    /// The service over `workers` real workers, each holding up to `depth`
    /// offers for up to `window`.
    void start(int workers, std::chrono::milliseconds window, int depth = 2);
    QString submit(const QJsonObject &params, int priority = 0, int maxAttempts = 3);
    JobStatus status(const QString &id) { return m_store->job(id)->status; }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FailingCommitStore> m_store;
    std::unique_ptr<WorkerSupervisor> m_workers;
    std::unique_ptr<JobService> m_service;
    /// Attempts (job, fence) running now, from their first report to their end.
    std::set<std::pair<QString, qint64>> m_running;
    /// Every attempt that reported, and the jobs whose offer started.
    std::set<std::pair<QString, qint64>> m_ran;
    QStringList m_startedOffers;
    /// Jobs in the order their attempts ended, each attempt once.
    QStringList m_endOrder;
    int m_mostOfOneJob = 0;
};

void tst_Offers::start(int workers, std::chrono::milliseconds window, int depth)
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("results")));
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("run")));
    QFile::setPermissions(m_dir->filePath(QStringLiteral("run")),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    m_store = std::make_unique<FailingCommitStore>();
    QVERIFY2(m_store->open(m_dir->path()), qPrintable(m_store->lastError()));

    WorkerSupervisor::Options options;
    options.workerProgram =
        qEnvironmentVariable("JOBDESK_BIN_DIR") + QStringLiteral("/jobdesk-worker");
    options.workers = workers;
    options.runtimeDir = m_dir->filePath(QStringLiteral("run"));
    options.resultsDir = m_dir->filePath(QStringLiteral("results"));
    options.epoch = QStringLiteral("01a21b50-0000-7000-8000-0000000000ff");
    options.cancelGrace = 1000ms;
    options.standbyWindow = window;
    options.standbyDepth = depth;
    m_workers = std::make_unique<WorkerSupervisor>(options);
    connect(m_workers.get(), &WorkerSupervisor::progress, this,
            [this](const QString &id, qint64 fence) {
                if (m_running.insert({id, fence}).second) {
                    const auto ofJob =
                        std::count_if(m_running.begin(), m_running.end(),
                                      [&id](const auto &r) { return r.first == id; });
                    m_mostOfOneJob = std::max(m_mostOfOneJob, int(ofJob));
                }
                m_ran.insert({id, fence});
            });
    connect(m_workers.get(), &WorkerSupervisor::started, this,
            [this](const QString &id, qint64 fence) {
                m_startedOffers.append(id);
                m_ran.insert({id, fence});
            });
    connect(m_workers.get(), &WorkerSupervisor::finished, this,
            [this](const QString &id, qint64 fence) {
                m_running.erase({id, fence});
                m_endOrder.append(id);
            });

    JobService::Options service;
    service.resultsDir = options.resultsDir;
    service.retryBackoffBase = 10ms;
    service.retryBackoffCap = 50ms;
    m_service = std::make_unique<JobService>(*m_store, *m_workers, KindCatalog::builtin(), service);
    QString error;
    QVERIFY2(m_service->start(&error), qPrintable(error));
    QVERIFY2(m_workers->start(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->idle(), workers, 10000);
}

void tst_Offers::cleanup()
{
    if (m_service)
        m_service->stop();
    if (m_workers)
        m_workers->stop();
    m_service.reset();
    m_workers.reset();
    m_store.reset();
    m_dir.reset();
    m_running.clear();
    m_ran.clear();
    m_startedOffers.clear();
    m_endOrder.clear();
    m_mostOfOneJob = 0;
}

QString tst_Offers::submit(const QJsonObject &params, int priority, int maxAttempts)
{
    return submitSleepJob(*m_service, params, priority, maxAttempts);
}

void tst_Offers::cancelledOfferNeverRuns()
{
    start(1, 10s);
    const QString running =
        submit({{QStringLiteral("duration_s"), 3}, {QStringLiteral("steps"), 30}});
    QTRY_COMPARE_WITH_TIMEOUT(status(running), JobStatus::Processing, 5000);
    const QString offered = submit({{QStringLiteral("duration_s"), 0}});
    QVERIFY(!offered.isEmpty());
    // In line on the busy worker (it holds two at most), still PENDING.
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->standbySlots(), 1, 5000);
    QCOMPARE(status(offered), JobStatus::Pending);

    std::optional<Result<CancelOutcome>> cancelled;
    const auto stopFirst = stopAtReturn(m_service);
    m_service->cancel(offered, [&](Result<CancelOutcome> r) { cancelled = r; });
    QTRY_VERIFY(cancelled.has_value());
    QVERIFY2(cancelled->ok(), qPrintable(cancelled->ok() ? QString() : cancelled->error().detail));
    QVERIFY(!cancelled->value().stopRequested); // PENDING: cancelled at once
    QCOMPARE(status(offered), JobStatus::Cancelled);
    // Given back: the worker has room for two again.
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->standbySlots(), 2, 5000);

    QTRY_COMPARE_WITH_TIMEOUT(status(running), JobStatus::Completed, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->idle(), 1, 5000);
    QVERIFY(!m_startedOffers.contains(offered));
    QCOMPARE(m_store->job(offered)->attempt, 0);
    QCOMPARE(status(offered), JobStatus::Cancelled);
}

void tst_Offers::betterJobTakesTheOfferedPlace_data()
{
    QTest::addColumn<int>("depth");
    QTest::newRow("a full line: the better job waits in the queue") << 2;
    QTest::newRow("room in the line: the better job is offered last") << 16;
}

void tst_Offers::betterJobTakesTheOfferedPlace()
{
    QFETCH(int, depth);
    start(1, 10s, depth);
    const QString running =
        submit({{QStringLiteral("duration_s"), 3}, {QStringLiteral("steps"), 30}});
    QTRY_COMPARE_WITH_TIMEOUT(status(running), JobStatus::Processing, 5000);
    const QString low1 = submit({{QStringLiteral("duration_s"), 0}}, 0);
    const QString low2 = submit({{QStringLiteral("duration_s"), 0}}, 0);
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->standbySlots(), depth - 2, 5000); // both in line
    const QString high = submit({{QStringLiteral("duration_s"), 0}}, 10);
    QVERIFY(!high.isEmpty());

    QTRY_VERIFY_WITH_TIMEOUT(
        isTerminal(status(low1)) && isTerminal(status(low2)) && isTerminal(status(high)), 15000);
    // The running attempt went on; the better job ran next, then the others
    // in the order they came.
    QCOMPARE(m_endOrder, (QStringList{running, high, low1, low2}));
    QCOMPARE(status(high), JobStatus::Completed);
    QCOMPARE(m_store->job(low1)->attempt, 1); // a revoked offer costs no attempt
}

void tst_Offers::longAttemptHoldsNoOfferHostage()
{
    // Both workers busy, one for long: a job offered to the long one must
    // come back once the window has passed and run on the other.
    start(2, 1s);
    // The first idle worker takes the first job, and the first of equally
    // short lines takes an offer: the long job's worker gets the offer.
    const QString longJob =
        submit({{QStringLiteral("duration_s"), 8}, {QStringLiteral("steps"), 80}});
    const QString shortJob =
        submit({{QStringLiteral("duration_s"), 0.3}, {QStringLiteral("steps"), 3}});
    const QString waiting = submit({{QStringLiteral("duration_s"), 0}});
    QVERIFY(!longJob.isEmpty() && !shortJob.isEmpty() && !waiting.isEmpty());

    QTRY_COMPARE_WITH_TIMEOUT(status(waiting), JobStatus::Completed, 5000);
    QCOMPARE(status(longJob), JobStatus::Processing);
    QTRY_COMPARE_WITH_TIMEOUT(status(longJob), JobStatus::Completed, 15000);
}

void tst_Offers::idleWorkerTakesBackOffersFromABusyOne()
{
    // Jobs in line behind a long attempt, a window too long to revoke them:
    // the other worker, once idle, takes them back.
    start(2, 10s, 16);
    const QString longJob =
        submit({{QStringLiteral("duration_s"), 12}, {QStringLiteral("steps"), 120}});
    const QString shortJob =
        submit({{QStringLiteral("duration_s"), 0.3}, {QStringLiteral("steps"), 3}});
    QTRY_VERIFY_WITH_TIMEOUT(status(longJob) == JobStatus::Processing &&
                                 status(shortJob) == JobStatus::Processing,
                             5000);
    QStringList waiting;
    for (int i = 0; i < 4; ++i)
        waiting.append(submit({{QStringLiteral("duration_s"), 0}}));
    for (const QString &id : waiting)
        QTRY_COMPARE_WITH_TIMEOUT(status(id), JobStatus::Completed, 4000);
    QCOMPARE(status(longJob), JobStatus::Processing);
    QTRY_COMPARE_WITH_TIMEOUT(status(longJob), JobStatus::Completed, 15000);
}

void tst_Offers::cancelCrossingTheStartOfAnOffer_data()
{
    QTest::addColumn<bool>("deaf");
    QTest::newRow("stops when asked") << false;
    QTest::newRow("ignores the cancel") << true;
}

void tst_Offers::cancelCrossingTheStartOfAnOffer()
{
    // The worker starts the offered job just as its cancel is handled: the
    // cancel must not say "cancelled, never ran" of a job that runs, and a
    // re-drive must not run it a second time beside the first.
    QFETCH(bool, deaf);
    start(2, 10s);
    // The jobs ahead run for seconds (only their ends matter, so length
    // costs nothing but time): on a slow machine, x must still find both
    // workers busy once its own commit is done.
    const QString ahead =
        submit({{QStringLiteral("duration_s"), 3}, {QStringLiteral("steps"), 30}});
    const QString other =
        submit({{QStringLiteral("duration_s"), 8}, {QStringLiteral("steps"), 80}});
    QTRY_VERIFY_WITH_TIMEOUT(
        status(ahead) == JobStatus::Processing && status(other) == JobStatus::Processing, 5000);
    const QString x = submit({{QStringLiteral("duration_s"), 1.5},
                              {QStringLiteral("steps"), 15},
                              {QStringLiteral("ignore_cancel"), deaf}});
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->standbySlots(), 3, 5000); // x is in a line

    std::optional<Result<CancelOutcome>> cancelled;
    std::optional<Result<Job>> redriven;
    bool asked = false;
    const auto stopFirst = stopAtReturn(m_service);
    // The end of the attempt ahead is read just before the start it
    // announces (next_fence): cancel there, and re-drive at the answer.
    QObject scope; // after the locals it captures: disconnects before they go
    connect(m_workers.get(), &WorkerSupervisor::finished, &scope, [&](const QString &id) {
        if (id != ahead || asked || !m_startedOffers.isEmpty())
            return;
        asked = true;
        m_service->cancel(x, [&](Result<CancelOutcome> r) {
            cancelled = r;
            m_service->retry(x, [&](Result<Job> j) { redriven = j; });
        });
    });
    QTRY_VERIFY_WITH_TIMEOUT(redriven.has_value(), 10000);
    QVERIFY(cancelled->ok());
    qInfo("the cancel crossed %s", m_startedOffers.contains(x) ? "the start" : "no start");
    if (m_startedOffers.contains(x)) {
        // It had started: a running job asked to stop (202); nothing to re-drive.
        QVERIFY(cancelled->value().stopRequested);
        QVERIFY(!redriven->ok());
        QTRY_VERIFY_WITH_TIMEOUT(isTerminal(status(x)), 10000);
        // Deaf to it, it is stopped at the end of the grace period (1 s).
        QCOMPARE(status(x), JobStatus::Cancelled);
        QCOMPARE(m_store->job(x)->attempt, 1);
    } else {
        // Given back unstarted: cancelled at once, re-driven, run once.
        QVERIFY(!cancelled->value().stopRequested);
        QVERIFY(redriven->ok());
        QTRY_COMPARE_WITH_TIMEOUT(status(x), JobStatus::Completed, 15000);
    }
    QCOMPARE(m_mostOfOneJob, 1);
}

void tst_Offers::secondCancelOfAnOfferIsAnswered()
{
    // The first cancel revokes the offer; the second is queued behind a
    // slow commit, and the worker gives the job back before it is applied:
    // both are answered, with the same CANCELLED job.
    start(1, 10s);
    const QString ahead =
        submit({{QStringLiteral("duration_s"), 3}, {QStringLiteral("steps"), 30}});
    QTRY_COMPARE_WITH_TIMEOUT(status(ahead), JobStatus::Processing, 5000);
    const QString x = submit({{QStringLiteral("duration_s"), 0}});
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->standbySlots(), 1, 5000);
    std::optional<Result<CancelOutcome>> first;
    std::optional<Result<CancelOutcome>> second;
    m_store->slowMs = 300;
    const auto stopFirst = stopAtReturn(m_service);
    m_service->cancel(x, [&](Result<CancelOutcome> r) { first = r; });
    QMetaObject::invokeMethod(
        this, [&] { m_service->cancel(x, [&](Result<CancelOutcome> r) { second = r; }); },
        Qt::QueuedConnection);
    QTRY_VERIFY_WITH_TIMEOUT(first.has_value() && second.has_value(), 5000);
    m_store->slowMs = 0;
    QVERIFY(first->ok() && second->ok());
    QVERIFY(!first->value().stopRequested && !second->value().stopRequested);
    QCOMPARE(first->value().job.status, JobStatus::Cancelled);
    QCOMPARE(second->value().job.status, JobStatus::Cancelled);
    QCOMPARE(second->value().job.rev, first->value().job.rev); // one cancellation
    QVERIFY(!m_startedOffers.contains(x));
}

void tst_Offers::cancelCrossingAStartDuringADrain()
{
    // A drain begins as the worker starts an offer whose cancel is being
    // handled: the job runs, so it is a running job asked to stop (202),
    // and the drain waits for it.
    start(1, 10s);
    const QString ahead =
        submit({{QStringLiteral("duration_s"), 3}, {QStringLiteral("steps"), 30}});
    QTRY_COMPARE_WITH_TIMEOUT(status(ahead), JobStatus::Processing, 5000);
    const QString x = submit({{QStringLiteral("duration_s"), 0.5}, {QStringLiteral("steps"), 5}});
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->standbySlots(), 1, 5000);
    std::optional<Result<CancelOutcome>> cancelled;
    bool asked = false;
    bool drained = false;
    const auto stopFirst = stopAtReturn(m_service);
    QObject scope; // after the locals it captures: disconnects before they go
    connect(m_workers.get(), &WorkerSupervisor::finished, &scope, [&](const QString &id) {
        if (id != ahead || asked)
            return;
        asked = true;
        m_service->cancel(x, [&](Result<CancelOutcome> r) { cancelled = r; });
        m_service->drain(5s, [&] { drained = true; });
    });
    QTRY_VERIFY_WITH_TIMEOUT(cancelled.has_value() && drained, 15000);
    QVERIFY(cancelled->ok());
    qInfo("the cancel crossed %s", m_startedOffers.contains(x) ? "the start" : "no start");
    if (m_startedOffers.contains(x)) {
        QVERIFY(cancelled->value().stopRequested);
        QCOMPARE(status(x), JobStatus::Cancelled); // stopped before the drain ended
    } else {
        QVERIFY(!cancelled->value().stopRequested);
        QCOMPARE(status(x), JobStatus::Cancelled);
    }
    QCOMPARE(m_mostOfOneJob, 1);
}

void tst_Offers::cancelWaitingAtStopIsAnswered()
{
    // The worker's start of an offer whose cancel waits is read in the same
    // turn as a stop: the last batch of the stop must answer the cancel.
    start(1, 10s);
    const QString ahead =
        submit({{QStringLiteral("duration_s"), 3}, {QStringLiteral("steps"), 30}});
    QTRY_COMPARE_WITH_TIMEOUT(status(ahead), JobStatus::Processing, 5000);
    const QString x = submit({{QStringLiteral("duration_s"), 0.5}, {QStringLiteral("steps"), 5}});
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->standbySlots(), 1, 5000);
    std::optional<Result<CancelOutcome>> cancelled;
    bool asked = false;
    const auto stopFirst = stopAtReturn(m_service);
    QObject scope; // after the locals it captures: disconnects before they go
    connect(m_workers.get(), &WorkerSupervisor::finished, &scope, [&](const QString &id) {
        if (id != ahead || asked)
            return;
        asked = true;
        m_service->cancel(x, [&](Result<CancelOutcome> r) { cancelled = r; });
    });
    connect(m_workers.get(), &WorkerSupervisor::started, &scope, [&](const QString &id) {
        if (id == x)
            m_service->stop();
    });
    QTRY_VERIFY_WITH_TIMEOUT(cancelled.has_value(), 10000);
    QVERIFY(cancelled->ok());
    if (m_startedOffers.contains(x)) {
        QVERIFY(cancelled->value().stopRequested); // it had started: asked to stop
        QVERIFY(m_store->job(x)->cancelRequested); // remembered for the next start
    } else {
        QCOMPARE(m_store->job(x)->status, JobStatus::Cancelled);
    }
}

void tst_Offers::jobThatKillsItsWorkerAsItStartsEndsFailed()
{
    // Each attempt of the poison job comes in line behind a short one and
    // kills its worker at once, perhaps before its start is reported: it
    // must still use up its attempts and end a dead letter, not loop.
    start(1, 10s);
    QStringList fillers;
    const QString first =
        submit({{QStringLiteral("duration_s"), 0.3}, {QStringLiteral("steps"), 3}});
    QTRY_COMPARE_WITH_TIMEOUT(status(first), JobStatus::Processing, 5000);
    const QString poison =
        submit({{QStringLiteral("duration_s"), 0.1}, {QStringLiteral("crash_at"), 0}}, 0, 2);
    for (int i = 0; i < 20; ++i)
        fillers.append(submit({{QStringLiteral("duration_s"), 0.05}}));

    QTRY_COMPARE_WITH_TIMEOUT(status(poison), JobStatus::Failed, 60000);
    const Job dead = *m_store->job(poison);
    QVERIFY(dead.deadLetter);
    QCOMPARE(dead.error->code, QStringLiteral("worker_crashed"));
    QCOMPARE(dead.attempt, 2);
    // Two charged attempts, each after at most three deaths in line.
    for (const QString &id : fillers)
        QTRY_COMPARE_WITH_TIMEOUT(status(id), JobStatus::Completed, 20000);
    QVERIFY2(m_workers->restarts() >= 2 && m_workers->restarts() <= 2 * 3,
             qPrintable(QString::number(m_workers->restarts())));
}

void tst_Offers::startedOfferWhoseClaimFailsIsStopped()
{
    start(1, 10s);
    const QString ahead =
        submit({{QStringLiteral("duration_s"), 3}, {QStringLiteral("steps"), 30}});
    QTRY_COMPARE_WITH_TIMEOUT(status(ahead), JobStatus::Processing, 5000);
    const QString offered =
        submit({{QStringLiteral("duration_s"), 1}, {QStringLiteral("steps"), 20}});
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->standbySlots(), 1, 5000);
    // The service hears of the start first (it connected first): the next
    // commit to begin holds the claim, and fails.
    connect(m_workers.get(), &WorkerSupervisor::started, this, [this](const QString &id) {
        Q_UNUSED(id);
        m_store->failCommits = 1;
    });

    QTRY_COMPARE_WITH_TIMEOUT(status(offered), JobStatus::Completed, 20000);
    QCOMPARE(m_startedOffers, QStringList{offered});
    QCOMPARE(status(ahead), JobStatus::Completed); // its outcome was applied again
    // The stopped attempt, then the dispatch that counted; never both at once.
    QCOMPARE(m_endOrder.count(offered), 2);
    QCOMPARE(m_mostOfOneJob, 1);
    QCOMPARE(m_store->job(offered)->attempt, 1);
}

QTEST_GUILESS_MAIN(tst_Offers)
#include "tst_offers.moc"
