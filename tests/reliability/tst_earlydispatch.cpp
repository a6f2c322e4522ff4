// A job whose PENDING row is already durable is sent to its worker while the
// commit that claims it is written. When that commit fails, the attempt sent
// early must stop (the store still says PENDING, so the job will be
// dispatched again: never twice at once), and a job the failed batch itself
// changed (here a re-drive the caller was told failed) must not run at all.
// In process: the real JobService and real jobdesk-worker processes over a
// store whose commits can be made to fail.

#include "failingcommitstore.h"
#include "jobservice.h"
#include "kindcatalog.h"
#include "servicesubmit.h"
#include "timeformat.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <csignal>
#include <set>
#include <unistd.h>

using namespace jobdesk;

class tst_EarlyDispatch : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void attemptSentBeforeAFailedCommitStops_data();
    void attemptSentBeforeAFailedCommitStops();
    void refusedRedriveNeverRuns();
    void secondCancelInTheSameBatchWaitsForItsCommit();
    void sendThatFailsBeforeAFailedCommitHoldsNothingBack();
    void reportsTakenInDuringAFailedCommitRunAgain_data();
    void reportsTakenInDuringAFailedCommitRunAgain();
    void cancelOfAJobClaimedBehindACommitStopsIt();

private:
    void startWorkers();
    QString submit(const QJsonObject &params, int maxAttempts = 3);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FailingCommitStore> m_store;
    std::unique_ptr<WorkerSupervisor> m_workers;
    std::unique_ptr<JobService> m_service;
    /// Attempts (job, fence) running now, from their first report to their end.
    std::set<std::pair<QString, qint64>> m_running;
    std::set<std::pair<QString, qint64>> m_ran;
    std::size_t m_mostAtOnce = 0;
    /// The most attempts of one job that ran at once.
    int m_mostOfOneJob = 0;
    /// Attempts that ended, by job: each one that a worker was given.
    QHash<QString, int> m_ended;
};

void tst_EarlyDispatch::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("results")));
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("run")));
    QFile::setPermissions(m_dir->filePath(QStringLiteral("run")),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    m_store = std::make_unique<FailingCommitStore>();
    QVERIFY2(m_store->open(m_dir->path()), qPrintable(m_store->lastError()));

    WorkerSupervisor::Options workers;
    workers.workerProgram =
        qEnvironmentVariable("JOBDESK_BIN_DIR") + QStringLiteral("/jobdesk-worker");
    workers.workers = 2;
    workers.runtimeDir = m_dir->filePath(QStringLiteral("run"));
    workers.resultsDir = m_dir->filePath(QStringLiteral("results"));
    workers.epoch = QStringLiteral("01a21b50-0000-7000-8000-000000000000");
    workers.cancelGrace = std::chrono::milliseconds(1000); // for attempts deaf to cancels
    // Dispatches only: a worker holding offers starts jobs by itself, which
    // is tst_offers' business (with a failed claim there too).
    workers.standbyDepth = 0;
    m_workers = std::make_unique<WorkerSupervisor>(workers);
    connect(m_workers.get(), &WorkerSupervisor::progress, this,
            [this](const QString &id, qint64 fence) {
                if (m_running.insert({id, fence}).second) {
                    m_mostAtOnce = std::max(m_mostAtOnce, m_running.size());
                    const auto ofJob =
                        std::count_if(m_running.begin(), m_running.end(),
                                      [&id](const auto &r) { return r.first == id; });
                    m_mostOfOneJob = std::max(m_mostOfOneJob, int(ofJob));
                }
                m_ran.insert({id, fence});
            });
    connect(m_workers.get(), &WorkerSupervisor::finished, this,
            [this](const QString &id, qint64 fence) {
                m_running.erase({id, fence});
                ++m_ended[id];
            });

    JobService::Options service;
    service.resultsDir = workers.resultsDir;
    m_service = std::make_unique<JobService>(*m_store, *m_workers, KindCatalog::builtin(), service);
    QString error;
    QVERIFY2(m_service->start(&error), qPrintable(error));
}

void tst_EarlyDispatch::cleanup()
{
    // The hooks a test set capture its locals; the stop below may still
    // report a late failure.
    if (m_store) {
        m_store->onLateCommitBegun = nullptr;
        m_store->onLateFailure = nullptr;
    }
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
    m_mostAtOnce = 0;
    m_mostOfOneJob = 0;
    m_ended.clear();
}

void tst_EarlyDispatch::startWorkers()
{
    QString error;
    QVERIFY2(m_workers->start(&error), qPrintable(error));
}

QString tst_EarlyDispatch::submit(const QJsonObject &params, int maxAttempts)
{
    return submitSleepJob(*m_service, params, 0, maxAttempts);
}

void tst_EarlyDispatch::attemptSentBeforeAFailedCommitStops_data()
{
    QTest::addColumn<bool>("deaf");
    QTest::newRow("stops when asked") << false;
    // Killed only after the cancel grace: its job must wait for that.
    QTest::newRow("deaf to cancels") << true;
}

void tst_EarlyDispatch::attemptSentBeforeAFailedCommitStops()
{
    QFETCH(bool, deaf);
    // Durable as PENDING before any worker is up; 2 s of work in 40 steps,
    // so that its attempts report progress while they run.
    const QString id = submit({{QStringLiteral("duration_s"), 2},
                               {QStringLiteral("steps"), 40},
                               {QStringLiteral("ignore_cancel"), deaf}});
    QVERIFY(!id.isEmpty());
    m_store->failCommits = 1; // the commit that claims it
    startWorkers();

    QTRY_COMPARE_WITH_TIMEOUT(m_store->job(id)->status, JobStatus::Completed, 20000);
    QCOMPARE(m_ended.value(id), 2);         // the early attempt, then the one that counted
    QCOMPARE(m_mostAtOnce, std::size_t(1)); // never two attempts of it at once
    QCOMPARE(m_store->job(id)->attempt, 1); // the stopped one used no attempt
}

void tst_EarlyDispatch::refusedRedriveNeverRuns()
{
    // A dead letter to re-drive, with both workers idle.
    const QString id = submit({{QStringLiteral("duration_s"), 0.2},
                               {QStringLiteral("steps"), 10},
                               {QStringLiteral("fail_at"), 0}},
                              1);
    QVERIFY(!id.isEmpty());
    startWorkers();
    QTRY_COMPARE_WITH_TIMEOUT(m_store->job(id)->status, JobStatus::Failed, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->idle(), 2, 10000);
    const int attempts = m_store->job(id)->attempt;
    const int given = m_ended.value(id);

    m_store->failCommits = 1; // the commit of the re-drive
    std::optional<Result<Job>> redriven;
    const auto stopFirst = stopAtReturn(m_service);
    m_service->retry(id, [&](Result<Job> r) { redriven = r; });
    QTRY_VERIFY(redriven.has_value());
    QVERIFY(!redriven->ok());
    QCOMPARE(redriven->error().code, ErrorCode::Unavailable);
    // Refused, so it stays a dead letter and runs nowhere.
    QTest::qWait(1500);
    QCOMPARE(m_store->job(id)->status, JobStatus::Failed);
    QCOMPARE(m_store->job(id)->attempt, attempts);
    QCOMPARE(m_workers->busy(), 0);
    QCOMPARE(m_ended.value(id), given); // no worker was given it, not even briefly
}

void tst_EarlyDispatch::secondCancelInTheSameBatchWaitsForItsCommit()
{
    const QString id = submit({{QStringLiteral("duration_s"), 30},
                               {QStringLiteral("steps"), 1},
                               {QStringLiteral("ignore_cancel"), true}});
    QVERIFY(!id.isEmpty());
    startWorkers();
    QTRY_COMPARE_WITH_TIMEOUT(m_store->job(id)->status, JobStatus::Processing, 10000);

    // Two cancels in one batch, and its commit fails: neither is done.
    std::optional<Result<CancelOutcome>> first, second;
    m_store->failCommits = 1;
    const auto stopFirst = stopAtReturn(m_service);
    m_service->cancel(id, [&](Result<CancelOutcome> r) { first = r; });
    m_service->cancel(id, [&](Result<CancelOutcome> r) { second = r; });
    QTRY_VERIFY(first.has_value() && second.has_value());
    QVERIFY(!first->ok());
    QVERIFY(!second->ok());
    QVERIFY(!m_store->job(id)->cancelRequested);

    // Again once the store commits: both answer the job as committed.
    QTest::qWait(1500); // past the store's backoff
    first.reset();
    second.reset();
    m_service->cancel(id, [&](Result<CancelOutcome> r) { first = r; });
    m_service->cancel(id, [&](Result<CancelOutcome> r) { second = r; });
    QTRY_VERIFY(first.has_value() && second.has_value());
    QVERIFY(first->ok());
    QVERIFY(second->ok());
    const Job stored = *m_store->job(id);
    QVERIFY(stored.cancelRequested);
    QCOMPARE(first->value().job.rev, stored.rev);
    QCOMPARE(second->value().job.rev, stored.rev);
    QVERIFY(second->value().stopRequested);
}

namespace {

/// The pids of this process's children (its workers), from /proc.
QList<pid_t> childPids()
{
    QList<pid_t> pids;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool isPid = false;
        const int pid = entry.toInt(&isPid);
        QFile stat(QStringLiteral("/proc/%1/stat").arg(entry));
        if (!isPid || !stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = stat.readAll();
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields.at(1).toInt() == int(::getpid()))
            pids.append(pid);
    }
    return pids;
}

} // namespace

void tst_EarlyDispatch::sendThatFailsBeforeAFailedCommitHoldsNothingBack()
{
    // The workers die just before the job is claimed, so its early send
    // fails; then the claim's commit fails too. Nothing ran: the job must
    // run once workers are back, not wait for an attempt that never was.
    const QString id = submit({{QStringLiteral("duration_s"), 0.3}});
    QVERIFY(!id.isEmpty());
    bool killed = false;
    QObject scope; // after the locals it captures: disconnects before they go
    connect(m_workers.get(), &WorkerSupervisor::workerAvailable, &scope, [&] {
        if (killed)
            return;
        killed = true;
        for (pid_t pid : childPids())
            ::kill(pid, SIGKILL);
        // ZeroMQ sees the peers go before Qt reaps them: the send fails.
        ::usleep(500 * 1000);
        m_store->failCommits = 1;
    });
    startWorkers();
    QTRY_VERIFY_WITH_TIMEOUT(killed, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_store->job(id)->status, JobStatus::Completed, 30000);
}

void tst_EarlyDispatch::reportsTakenInDuringAFailedCommitRunAgain_data()
{
    QTest::addColumn<QString>("requestsMeanwhile");
    QTest::newRow("only workers report") << QString();
    // Cancels keep coming while the commit runs (of an unknown job here; a
    // re-drive or a webhook record would do too): worker reports then queue
    // behind them instead of joining the open batch.
    QTest::newRow("cancels meanwhile") << QStringLiteral("cancel");
    // Submits do not hold reports back: a new job is no other job's business.
    QTest::newRow("submits meanwhile") << QStringLiteral("submit");
}

void tst_EarlyDispatch::reportsTakenInDuringAFailedCommitRunAgain()
{
    // While a commit is written, workers that finish are given their next
    // job at once, and their reports gather in the next batch. Here that
    // commit fails after a while: everything gathered behind it fails with
    // it. Each job must still end COMPLETED exactly as if it ran once, none
    // twice at once, none held back for an attempt that already ended.
    QFETCH(QString, requestsMeanwhile);
    constexpr int kJobs = 8;
    QStringList ids;
    for (int i = 0; i < kJobs; ++i) {
        // 0.3 s in 6 steps: each attempt reports on its own while it runs.
        ids << submit({{QStringLiteral("duration_s"), 0.3}, {QStringLiteral("steps"), 6}});
        QVERIFY(!ids.last().isEmpty());
    }
    int endedBeforeTheFailure = -1;
    int endedAtTheFirstRequest = -1;
    const auto endedSoFar = [this] {
        int ended = 0;
        for (int n : std::as_const(m_ended))
            ended += n;
        return ended;
    };
    const auto request = [this, requestsMeanwhile, &endedAtTheFirstRequest, &endedSoFar] {
        if (endedAtTheFirstRequest < 0)
            endedAtTheFirstRequest = endedSoFar();
        if (requestsMeanwhile == QLatin1String("cancel")) {
            m_service->cancel(QStringLiteral("01a21b50-0000-7000-8000-0000000000ff"),
                              [](Result<CancelOutcome>) {});
            return;
        }
        Result<SubmitCommand> command = m_service->parseSubmit(
            QJsonObject{{QStringLiteral("kind"), QStringLiteral("demo.sleep")},
                        {QStringLiteral("params"), QJsonObject{{QStringLiteral("duration_s"), 0}}},
                        {QStringLiteral("priority"), -1}}, // behind the measured jobs
            IdempotencyKeySource::Header);
        QVERIFY(command.ok());
        m_service->submit(std::move(command).value(), [](Result<SubmitOutcome>) {});
    };
    QTimer requests;
    connect(&requests, &QTimer::timeout, this, request);
    // The first request is made as the commit that is to fail (the first one
    // with dispatches) begins: made any earlier, it could open that commit
    // itself before a worker is up, and it would dispatch nothing; made any
    // later, a worker's end could be read before it. (A request only queues
    // its change, so it may be made inside the commit's call.)
    if (!requestsMeanwhile.isEmpty()) {
        m_store->onLateCommitBegun = [&requests, &request] {
            request();
            requests.start(20);
        };
    }
    m_store->onLateFailure = [&] {
        requests.stop();
        endedBeforeTheFailure = endedSoFar();
    };
    m_store->failLateMs = 1500; // long enough for a 0.3 s attempt on a loaded machine
    m_store->failCommits = 1;   // the first commit with dispatches
    startWorkers();

    for (const QString &id : std::as_const(ids))
        QTRY_COMPARE_WITH_TIMEOUT(m_store->job(id)->status, JobStatus::Completed, 30000);
    for (const QString &id : std::as_const(ids))
        QCOMPARE(m_store->job(id)->attempt, 1); // the attempts of the failed batches never were
    // The failed commit sent two attempts early, which ended before it
    // failed. Alone or behind submits, the batch gathered behind it sent
    // more as they ended; behind cancels, their reports waited in the queue.
    if (!requestsMeanwhile.isEmpty())
        QCOMPARE(endedAtTheFirstRequest, 0); // the requests came while the commit ran
    const QString ended = QStringLiteral("%1 attempts ended").arg(endedBeforeTheFailure);
    // (One of the two, if the second worker was not up yet at the claim.)
    if (requestsMeanwhile == QLatin1String("cancel"))
        QVERIFY2(endedBeforeTheFailure >= 1 && endedBeforeTheFailure <= 2, qPrintable(ended));
    else
        QVERIFY2(endedBeforeTheFailure > 2, qPrintable(ended));
    QCOMPARE(m_mostOfOneJob, 1);
}

void tst_EarlyDispatch::cancelOfAJobClaimedBehindACommitStopsIt()
{
    // J's re-drive commits slowly; a worker that ends meanwhile claims J in
    // the batch gathering behind it (not sent: J's PENDING is not durable
    // yet). A cancel of J in that batch must end J CANCELLED: it may not
    // start afterwards, cancel requested and ignored.
    startWorkers();
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->idle(), 2, 10000);
    const QString j = submit({{QStringLiteral("duration_s"), 4}, {QStringLiteral("steps"), 40}});
    QVERIFY(!j.isEmpty());
    std::optional<Result<CancelOutcome>> cancelled;
    std::optional<Result<Job>> redriven;
    const auto stopFirst = stopAtReturn(m_service);
    m_service->cancel(j, [&](Result<CancelOutcome> r) { cancelled = r; });
    QTRY_VERIFY(cancelled.has_value());
    QTRY_COMPARE_WITH_TIMEOUT(m_store->job(j)->status, JobStatus::Cancelled, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->idle(), 2, 10000);
    // Both workers busy for 1 s.
    for (int i = 0; i < 2; ++i)
        QVERIFY(
            !submit({{QStringLiteral("duration_s"), 1}, {QStringLiteral("steps"), 2}}).isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->busy(), 2, 10000);

    m_store->slowMs = 2500; // the re-drive's commit; the busy jobs end meanwhile
    m_service->retry(j, [&](Result<Job> r) { redriven = r; });
    QTRY_COMPARE_WITH_TIMEOUT(m_workers->idle(), 2, 5000); // their reports are in
    QVERIFY(!redriven.has_value());                        // still committing
    cancelled.reset();
    m_service->cancel(j, [&](Result<CancelOutcome> r) {
        cancelled = r;
        // The commit that ends J unstarted fails: J must not stay
        // PROCESSING with no worker (the give-back is applied again).
        m_store->failCommits = 1;
    });
    QTRY_VERIFY_WITH_TIMEOUT(redriven.has_value() && cancelled.has_value(), 10000);
    m_store->slowMs = 0;
    QVERIFY(redriven->ok());
    QVERIFY(cancelled->ok());
    QTRY_VERIFY_WITH_TIMEOUT(isTerminal(m_store->job(j)->status), 10000);
    QCOMPARE(m_store->job(j)->status, JobStatus::Cancelled);
    QCOMPARE(m_ran.count({j, m_store->job(j)->fence}), std::size_t(0)); // it never started
}

QTEST_GUILESS_MAIN(tst_EarlyDispatch)
#include "tst_earlydispatch.moc"
