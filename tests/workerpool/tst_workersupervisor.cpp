// Runs the supervisor with the real jobdesk-worker (and, for protocol
// misbehaviour, a fake worker) in a temporary runtime folder.

#include "procfs.h"
#include "workerpool/workersupervisor.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>

using namespace jobdesk;
using namespace std::chrono_literals;

namespace {

QString workerProgram()
{
    return qEnvironmentVariable("JOBDESK_BIN_DIR") + QStringLiteral("/jobdesk-worker");
}

QString fakeWorkerProgram()
{
    return QCoreApplication::applicationDirPath() + QStringLiteral("/jobdesk-fakeworker");
}

QString supervisorHostProgram()
{
    return QCoreApplication::applicationDirPath() + QStringLiteral("/jobdesk-supervisorhost");
}

struct ChildProcess
{
    qint64 pid = 0;
    QString name;
};

/// Direct children of this test process, read from /proc, zombies included
/// (unlike procfs::childPids): a worker not yet reaped still counts.
QList<ChildProcess> childProcesses()
{
    QList<ChildProcess> children;
    const qint64 self = QCoreApplication::applicationPid();
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        if (!isPid)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            continue; // gone meanwhile
        const QByteArray line = stat.readAll();
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        const qsizetype open = line.indexOf('(');
        const qsizetype close = line.lastIndexOf(')');
        if (open < 0 || close < open)
            continue;
        const QList<QByteArray> rest = line.mid(close + 2).split(' ');
        if (rest.size() > 1 && rest.at(1).toLongLong() == self)
            children.append({pid, QString::fromUtf8(line.mid(open + 1, close - open - 1))});
    }
    return children;
}

QList<qint64> childPids(const QString &name)
{
    QList<qint64> pids;
    for (const ChildProcess &child : childProcesses()) {
        if (child.name == name)
            pids.append(child.pid);
    }
    return pids;
}

WorkerAssignment sleepJob(qint64 fence, const QJsonObject &params, int timeoutS = 0)
{
    WorkerAssignment a;
    a.jobId = QStringLiteral("job-%1").arg(fence);
    a.fence = fence;
    a.kind = QStringLiteral("demo.sleep");
    a.params = params;
    a.timeoutS = timeoutS;
    a.attempt = 1;
    return a;
}

WorkerOutcome outcomeOf(const QSignalSpy &finished, qsizetype index = 0)
{
    return finished.at(index).at(2).value<WorkerOutcome>();
}

QString kindName(WorkerOutcome::Kind kind)
{
    switch (kind) {
    case WorkerOutcome::Kind::Done:
        return QStringLiteral("done");
    case WorkerOutcome::Kind::Failed:
        return QStringLiteral("failed");
    case WorkerOutcome::Kind::Crashed:
        return QStringLiteral("crashed");
    case WorkerOutcome::Kind::TimedOut:
        return QStringLiteral("timed out");
    case WorkerOutcome::Kind::Cancelled:
        return QStringLiteral("cancelled");
    case WorkerOutcome::Kind::Lost:
        return QStringLiteral("lost");
    }
    return QStringLiteral("?");
}

/// "job-7" for the fence sleepJob gave it; anything else says what came.
QString attemptName(const QString &jobId, qint64 fence)
{
    return jobId == QStringLiteral("job-%1").arg(fence)
               ? jobId
               : QStringLiteral("%1@%2").arg(jobId).arg(fence);
}

} // namespace

class tst_WorkerSupervisor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void startsWorkersThatSayReady();
    void workersRunAsNiceAsAsked_data();
    void workersRunAsNiceAsAsked();
    void refusesToStartWithoutAWorkerProgram();
    void runsAJobToDone();
    void dispatchFailsWhenNoWorkerIsIdle();
    void ignoresACancelForAnotherFence();
    void ignoresMessagesForAnotherFence();
    void ignoresReadyWithAWrongSecret();
    void cancelStopsAJobCooperatively();
    void cancelKillsAJobThatIgnoresIt();
    void jobThatCompletesDespiteACancelStaysDone();
    void crashedWorkerFailsItsAttemptAndIsReplaced();
    void killedIdleWorkerIsReplaced();
    void deadWorkerTakesItsProcessGroupAlong();
    void timeoutStopsTheAttempt_data();
    void timeoutStopsTheAttempt();
    void stopLeavesNoProcessAndNoSignal();
    void stopFromAFinishedReceiverIsSafe();
    void workersDieWithTheirBackend();
    void offeredJobsRunBackToBack();
    void noOfferWithoutABusyWorker();
    void noOfferWhenTheStandbyDepthIsZero();
    void offersAreRevokedWhenTheAttemptOutlastsTheWindow();
    void workerWhoseLastAttemptWasLongTakesNoOffers();
    void revokeBringsAnUnstartedOfferBack();
    void offersOfAWorkerThatDiesInItsAttemptComeBack();
    void workerThatDiesInAnOfferIsChargedToThatOffer();
    void runsSharingARuntimeFolderKeepTheirStartedMarks();

private:
    /// `standbyWindow` and `standbyDepth`: the supervisor's defaults unless given.
    void startSupervisor(int workers, std::chrono::milliseconds cancelGrace = 5000ms,
                         const QString &program = workerProgram(),
                         std::optional<std::chrono::milliseconds> standbyWindow = std::nullopt,
                         std::optional<int> standbyDepth = std::nullopt);
    /// Appends what `finished`, `started` and `returned` say to m_events,
    /// in the order they are emitted.
    void recordAttemptEvents();

    /// "finished job-1 done", "started job-2", "returned job-3".
    QStringList m_events;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<WorkerSupervisor> m_supervisor;
};

void tst_WorkerSupervisor::initTestCase()
{
    QVERIFY2(QFileInfo(workerProgram()).isExecutable(), qPrintable(workerProgram()));
    QVERIFY2(QFileInfo(fakeWorkerProgram()).isExecutable(), qPrintable(fakeWorkerProgram()));
}

void tst_WorkerSupervisor::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_events.clear();
}

void tst_WorkerSupervisor::cleanup()
{
    m_supervisor.reset();
    qunsetenv("JOBDESK_FAKEWORKER_MODE");
    qunsetenv("JOBDESK_FAKEWORKER_PIDFILE");
    // stop() reaps every worker before it returns.
    QCOMPARE(childProcesses().size(), 0);
    m_dir.reset();
}

void tst_WorkerSupervisor::cleanupTestCase()
{
    QCOMPARE(childProcesses().size(), 0);
}

void tst_WorkerSupervisor::startSupervisor(int workers, std::chrono::milliseconds cancelGrace,
                                           const QString &program,
                                           std::optional<std::chrono::milliseconds> standbyWindow,
                                           std::optional<int> standbyDepth)
{
    WorkerSupervisor::Options options;
    options.workerProgram = program;
    options.workers = workers;
    options.runtimeDir = m_dir->filePath(QStringLiteral("run"));
    options.resultsDir = m_dir->filePath(QStringLiteral("results"));
    options.epoch = QStringLiteral("test");
    options.cancelGrace = cancelGrace;
    if (standbyWindow)
        options.standbyWindow = *standbyWindow;
    if (standbyDepth)
        options.standbyDepth = *standbyDepth;
    m_supervisor = std::make_unique<WorkerSupervisor>(options);
    QString error;
    QVERIFY2(m_supervisor->start(&error), qPrintable(error));
}

void tst_WorkerSupervisor::recordAttemptEvents()
{
    WorkerSupervisor *supervisor = m_supervisor.get();
    connect(supervisor, &WorkerSupervisor::finished, supervisor,
            [this](const QString &jobId, qint64 fence, const WorkerOutcome &outcome) {
                m_events.append(QStringLiteral("finished %1 %2")
                                    .arg(attemptName(jobId, fence), kindName(outcome.kind)));
            });
    connect(supervisor, &WorkerSupervisor::started, supervisor,
            [this](const QString &jobId, qint64 fence) {
                m_events.append(QStringLiteral("started %1").arg(attemptName(jobId, fence)));
            });
    connect(supervisor, &WorkerSupervisor::returned, supervisor,
            [this](const QString &jobId, qint64 fence) {
                m_events.append(QStringLiteral("returned %1").arg(attemptName(jobId, fence)));
            });
}

void tst_WorkerSupervisor::startsWorkersThatSayReady()
{
    WorkerSupervisor::Options options;
    startSupervisor(2);
    QSignalSpy available(m_supervisor.get(), &WorkerSupervisor::workerAvailable);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 2, 10000);
    QCOMPARE(available.count(), 2);
    QCOMPARE(m_supervisor->total(), 2);
    QCOMPARE(m_supervisor->busy(), 0);
    QCOMPARE(m_supervisor->restarts(), 0);
    QCOMPARE(childPids(QStringLiteral("jobdesk-worker")).size(), 2);

    // The channel is private: its folder is 0700.
    const QFileInfo runtime(m_dir->filePath(QStringLiteral("run")));
    QCOMPARE(runtime.permissions() & ~(QFile::ReadUser | QFile::WriteUser | QFile::ExeUser),
             QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QVERIFY(QFileInfo::exists(runtime.filePath() + QStringLiteral("/workers-test")));
}

void tst_WorkerSupervisor::workersRunAsNiceAsAsked_data()
{
    QTest::addColumn<int>("niceness");
    QTest::newRow("0: as nice as the backend") << 0;
    QTest::newRow("3") << 3;
    QTest::newRow("beyond 19: 19") << 25;
}

void tst_WorkerSupervisor::workersRunAsNiceAsAsked()
{
    QFETCH(int, niceness);
    const qint64 self = QCoreApplication::applicationPid();
    const QList<int> own = procfs::threadNiceness(self);
    QVERIFY(!own.isEmpty());
    WorkerSupervisor::Options options;
    options.workerProgram = workerProgram();
    options.workers = 2;
    options.niceness = niceness;
    options.runtimeDir = m_dir->filePath(QStringLiteral("run"));
    options.resultsDir = m_dir->filePath(QStringLiteral("results"));
    options.epoch = QStringLiteral("test");
    m_supervisor = std::make_unique<WorkerSupervisor>(options);
    QString error;
    QVERIFY2(m_supervisor->start(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 2, 10000);

    const QList<qint64> workers = childPids(QStringLiteral("jobdesk-worker"));
    QCOMPARE(workers.size(), 2);
    for (qint64 worker : workers) {
        const QList<int> threads = procfs::threadNiceness(worker);
        QVERIFY(threads.size() >= 2);
        for (int n : threads)
            QCOMPARE(n, std::min(own.first() + niceness, 19));
    }
}

void tst_WorkerSupervisor::refusesToStartWithoutAWorkerProgram()
{
    WorkerSupervisor::Options options;
    options.workerProgram = m_dir->filePath(QStringLiteral("no-such-worker"));
    options.runtimeDir = m_dir->filePath(QStringLiteral("run"));
    options.resultsDir = m_dir->filePath(QStringLiteral("results"));
    options.epoch = QStringLiteral("test");
    WorkerSupervisor supervisor(options);
    QString error;
    QVERIFY(!supervisor.start(&error));
    QVERIFY2(error.contains(QStringLiteral("no-such-worker")), qPrintable(error));
    QVERIFY(!supervisor.dispatch(sleepJob(1, {})));
}

void tst_WorkerSupervisor::runsAJobToDone()
{
    startSupervisor(2);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 2, 10000);
    QSignalSpy progress(m_supervisor.get(), &WorkerSupervisor::progress);
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);
    QSignalSpy available(m_supervisor.get(), &WorkerSupervisor::workerAvailable);

    QVERIFY(m_supervisor->dispatch(
        sleepJob(11, {{QStringLiteral("duration_s"), 0.3}, {QStringLiteral("steps"), 3}})));
    QCOMPARE(m_supervisor->busy(), 1);
    QCOMPARE(m_supervisor->idle(), 1);

    QVERIFY(finished.wait(5000));
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished.at(0).at(0).toString(), QStringLiteral("job-11"));
    QCOMPARE(finished.at(0).at(1).toLongLong(), qint64(11));
    const WorkerOutcome outcome = outcomeOf(finished);
    QCOMPARE(outcome.kind, WorkerOutcome::Kind::Done);
    QVERIFY(outcome.resultFile.isEmpty());
    QCOMPARE(outcome.result.filename, QStringLiteral("result.json"));
    QCOMPARE(outcome.result.contentType, QStringLiteral("application/json"));
    QCOMPARE(outcome.result.size, qint64(outcome.inlineData.size()));
    QCOMPARE(outcome.result.sha256,
             QString::fromLatin1(
                 QCryptographicHash::hash(outcome.inlineData, QCryptographicHash::Sha256).toHex()));
    QCOMPARE(
        QJsonDocument::fromJson(outcome.inlineData).object().value(QStringLiteral("steps")).toInt(),
        3);

    // Progress came before the end, for this job, rising to 100.
    QVERIFY(progress.count() >= 1);
    double last = -1;
    for (const QList<QVariant> &p : progress) {
        QCOMPARE(p.at(0).toString(), QStringLiteral("job-11"));
        QCOMPARE(p.at(1).toLongLong(), qint64(11));
        const auto pct = p.at(2).value<std::optional<double>>();
        QVERIFY(pct.has_value());
        QVERIFY(*pct > last);
        last = *pct;
    }
    QCOMPARE(last, 100.0);
    QCOMPARE(progress.constLast().at(3).toString(), QStringLiteral("step 3 of 3"));

    QCOMPARE(available.count(), 1);
    QCOMPARE(m_supervisor->idle(), 2);
    QCOMPARE(m_supervisor->busy(), 0);
}

void tst_WorkerSupervisor::dispatchFailsWhenNoWorkerIsIdle()
{
    startSupervisor(1);
    QVERIFY(!m_supervisor->dispatch(sleepJob(1, {}))); // not READY yet
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
    QVERIFY(m_supervisor->dispatch(sleepJob(2, {{QStringLiteral("duration_s"), 30}})));
    QVERIFY(!m_supervisor->dispatch(sleepJob(3, {})));
    QCOMPARE(m_supervisor->busy(), 1);
    QCOMPARE(m_supervisor->total(), 1);
}

void tst_WorkerSupervisor::ignoresACancelForAnotherFence()
{
    startSupervisor(1);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);
    QVERIFY(m_supervisor->dispatch(sleepJob(40, {{QStringLiteral("duration_s"), 0.3}})));
    m_supervisor->cancel(39); // an earlier dispatch of the same job
    QVERIFY(finished.wait(5000));
    QCOMPARE(outcomeOf(finished).kind, WorkerOutcome::Kind::Done);
}

void tst_WorkerSupervisor::ignoresMessagesForAnotherFence()
{
    qputenv("JOBDESK_FAKEWORKER_MODE", "stale-fence");
    startSupervisor(1, 5000ms, fakeWorkerProgram());
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
    QSignalSpy progress(m_supervisor.get(), &WorkerSupervisor::progress);
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);

    // The fake worker reports progress and a result for fence 49 before
    // answering for 50; only the latter may count.
    QVERIFY(m_supervisor->dispatch(sleepJob(50, {})));
    QVERIFY(finished.wait(5000));
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished.at(0).at(1).toLongLong(), qint64(50));
    QCOMPARE(outcomeOf(finished).inlineData, QByteArray("real result"));
    QCOMPARE(progress.count(), 1);
    QCOMPARE(progress.at(0).at(1).toLongLong(), qint64(50));
    QCOMPARE(progress.at(0).at(3).toString(), QStringLiteral("real"));
}

void tst_WorkerSupervisor::ignoresReadyWithAWrongSecret()
{
    qputenv("JOBDESK_FAKEWORKER_MODE", "wrong-secret");
    startSupervisor(1, 5000ms, fakeWorkerProgram());
    QSignalSpy available(m_supervisor.get(), &WorkerSupervisor::workerAvailable);
    // Never usable, so the start timeout (10 s) replaces it.
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->restarts(), 1, 20000);
    QCOMPARE(available.count(), 0);
    QCOMPARE(m_supervisor->idle(), 0);
    QCOMPARE(m_supervisor->total(), 0);
}

void tst_WorkerSupervisor::cancelStopsAJobCooperatively()
{
    startSupervisor(2);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 2, 10000);
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);
    QVERIFY(m_supervisor->dispatch(sleepJob(20, {{QStringLiteral("duration_s"), 30}})));

    QElapsedTimer clock;
    clock.start();
    m_supervisor->cancel(20);
    m_supervisor->cancel(20); // idempotent
    QVERIFY(finished.wait(3000));
    QVERIFY(clock.elapsed() < 2000);
    const WorkerOutcome outcome = outcomeOf(finished);
    QCOMPARE(outcome.kind, WorkerOutcome::Kind::Cancelled);
    QCOMPARE(outcome.error.code, QStringLiteral("cancelled"));
    QCOMPARE(m_supervisor->restarts(), 0); // the worker stopped by itself
    QCOMPARE(m_supervisor->idle(), 2);
}

void tst_WorkerSupervisor::cancelKillsAJobThatIgnoresIt()
{
    startSupervisor(2, 500ms);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 2, 10000);
    const QList<qint64> before = childPids(QStringLiteral("jobdesk-worker"));
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);
    QVERIFY(m_supervisor->dispatch(sleepJob(
        21, {{QStringLiteral("duration_s"), 30}, {QStringLiteral("ignore_cancel"), true}})));

    QElapsedTimer clock;
    clock.start();
    m_supervisor->cancel(21);
    QVERIFY(finished.wait(4000));
    QVERIFY2(clock.elapsed() >= 450, "the grace period must be granted");
    // Well before the 5 s a silent worker takes to be declared dead, with
    // room for a loaded machine.
    QVERIFY2(clock.elapsed() < 3000, "killed within grace + 2.5 s");
    const WorkerOutcome outcome = outcomeOf(finished);
    QCOMPARE(outcome.kind, WorkerOutcome::Kind::Cancelled);
    QCOMPARE(outcome.error.code, QStringLiteral("cancelled"));
    QCOMPARE(m_supervisor->total(), 1);

    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->total(), 2, 10000);
    QCOMPARE(m_supervisor->idle(), 2);
    QCOMPARE(m_supervisor->restarts(), 1);
    QCOMPARE(finished.count(), 1);
    const QList<qint64> after = childPids(QStringLiteral("jobdesk-worker"));
    QCOMPARE(after.size(), 2);
    QCOMPARE(int(std::count_if(after.begin(), after.end(),
                               [&](qint64 pid) { return before.contains(pid); })),
             1);
}

void tst_WorkerSupervisor::jobThatCompletesDespiteACancelStaysDone()
{
    startSupervisor(1);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);
    QVERIFY(m_supervisor->dispatch(sleepJob(
        22, {{QStringLiteral("duration_s"), 0.3}, {QStringLiteral("ignore_cancel"), true}})));
    m_supervisor->cancel(22);
    QVERIFY(finished.wait(5000));
    QCOMPARE(outcomeOf(finished).kind, WorkerOutcome::Kind::Done);
    QCOMPARE(m_supervisor->restarts(), 0);
}

void tst_WorkerSupervisor::crashedWorkerFailsItsAttemptAndIsReplaced()
{
    startSupervisor(2);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 2, 10000);
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);
    QVERIFY(m_supervisor->dispatch(sleepJob(31, {{QStringLiteral("duration_s"), 0.2},
                                                 {QStringLiteral("steps"), 2},
                                                 {QStringLiteral("crash_at"), 50}})));
    QVERIFY(finished.wait(5000));
    QCOMPARE(finished.at(0).at(1).toLongLong(), qint64(31));
    const WorkerOutcome outcome = outcomeOf(finished);
    QCOMPARE(outcome.kind, WorkerOutcome::Kind::Crashed);
    QCOMPARE(outcome.error.code, QStringLiteral("worker_crashed"));
    QVERIFY2(outcome.error.message.contains(QStringLiteral("exited with code 70")),
             qPrintable(outcome.error.message));

    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 2, 10000);
    QCOMPARE(m_supervisor->restarts(), 1);
    QCOMPARE(finished.count(), 1);
}

void tst_WorkerSupervisor::killedIdleWorkerIsReplaced()
{
    startSupervisor(2);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 2, 10000);
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);
    const QList<qint64> before = childPids(QStringLiteral("jobdesk-worker"));
    QCOMPARE(before.size(), 2);

    QCOMPARE(::kill(pid_t(before.first()), SIGKILL), 0);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->restarts(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 2, 10000);
    const QList<qint64> after = childPids(QStringLiteral("jobdesk-worker"));
    QCOMPARE(after.size(), 2);
    QVERIFY(!after.contains(before.first()));
    QVERIFY(after.contains(before.last()));
    QCOMPARE(finished.count(), 0); // it ran nothing
}

void tst_WorkerSupervisor::deadWorkerTakesItsProcessGroupAlong()
{
    const QString pidFile = m_dir->filePath(QStringLiteral("helper.pid"));
    qputenv("JOBDESK_FAKEWORKER_MODE", "leaves-a-child");
    qputenv("JOBDESK_FAKEWORKER_PIDFILE", QFile::encodeName(pidFile));
    startSupervisor(1, 5000ms, fakeWorkerProgram());
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
    QFile file(pidFile);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const qint64 helper = file.readAll().toLongLong();
    QVERIFY(helper > 0);
    QVERIFY(procfs::isAlive(helper));

    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);
    QVERIFY(m_supervisor->dispatch(sleepJob(90, {}))); // the fake worker dies on it
    QVERIFY(finished.wait(5000));
    QCOMPARE(outcomeOf(finished).kind, WorkerOutcome::Kind::Crashed);
    QVERIFY2(outcomeOf(finished).error.message.contains(QStringLiteral("exited with code 3")),
             qPrintable(outcomeOf(finished).error.message));
    QTRY_VERIFY_WITH_TIMEOUT(!procfs::isAlive(helper), 2000);
}

void tst_WorkerSupervisor::timeoutStopsTheAttempt_data()
{
    QTest::addColumn<bool>("ignoreCancel");
    QTest::addColumn<int>("minMs");
    QTest::addColumn<int>("maxMs");
    QTest::addColumn<int>("restarts");
    // The upper bounds leave a loaded machine room, and stay below the 5 s
    // a silent worker takes to be declared dead: restarts tells the rows apart.
    QTest::newRow("job stops when asked") << false << 950 << 3500 << 0;
    QTest::newRow("job ignores the request and is killed") << true << 1450 << 3500 << 1;
}

void tst_WorkerSupervisor::timeoutStopsTheAttempt()
{
    QFETCH(bool, ignoreCancel);
    QFETCH(int, minMs);
    QFETCH(int, maxMs);
    QFETCH(int, restarts);
    startSupervisor(2, 500ms);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 2, 10000);
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);

    QElapsedTimer clock;
    clock.start();
    QVERIFY(m_supervisor->dispatch(sleepJob(60,
                                            {{QStringLiteral("duration_s"), 10},
                                             {QStringLiteral("steps"), 10},
                                             {QStringLiteral("ignore_cancel"), ignoreCancel}},
                                            1)));
    QVERIFY(finished.wait(maxMs + 1000));
    QVERIFY2(clock.elapsed() >= minMs, qPrintable(QString::number(clock.elapsed())));
    QVERIFY2(clock.elapsed() <= maxMs, qPrintable(QString::number(clock.elapsed())));
    const WorkerOutcome outcome = outcomeOf(finished);
    QCOMPARE(outcome.kind, WorkerOutcome::Kind::TimedOut);
    QCOMPARE(outcome.error,
             (JobError{QStringLiteral("timeout"), QStringLiteral("timed out after 1 s")}));

    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 2, 10000);
    QCOMPARE(m_supervisor->restarts(), restarts);
    QCOMPARE(finished.count(), 1);
}

void tst_WorkerSupervisor::stopLeavesNoProcessAndNoSignal()
{
    startSupervisor(2);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 2, 10000);
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);
    QSignalSpy available(m_supervisor.get(), &WorkerSupervisor::workerAvailable);
    QVERIFY(m_supervisor->dispatch(sleepJob(70, {{QStringLiteral("duration_s"), 30}})));

    m_supervisor->stop();
    QCOMPARE(childProcesses().size(), 0);
    QVERIFY(!QFileInfo::exists(m_dir->filePath(QStringLiteral("run/workers-test"))));
    QVERIFY(!m_supervisor->dispatch(sleepJob(71, {})));
    m_supervisor->cancel(70);
    QCoreApplication::processEvents();
    QCOMPARE(finished.count(), 0);
    QCOMPARE(available.count(), 0);
    QCOMPARE(m_supervisor->total(), 0);
    m_supervisor->stop(); // a second stop is harmless
}

void tst_WorkerSupervisor::stopFromAFinishedReceiverIsSafe()
{
    startSupervisor(2);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 2, 10000);
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);
    // The end of the attempt arrives while the supervisor reads its socket.
    connect(m_supervisor.get(), &WorkerSupervisor::finished, m_supervisor.get(),
            [this] { m_supervisor->stop(); });
    QVERIFY(m_supervisor->dispatch(sleepJob(80, {{QStringLiteral("duration_s"), 0}})));
    QVERIFY(finished.wait(5000));
    QCOMPARE(childProcesses().size(), 0);
    // The channel closes once the read has unwound.
    QTRY_VERIFY_WITH_TIMEOUT(
        !QFileInfo::exists(m_dir->filePath(QStringLiteral("run/workers-test"))), 5000);
    QCOMPARE(finished.count(), 1);
}

void tst_WorkerSupervisor::workersDieWithTheirBackend()
{
    QProcess host;
    host.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    host.start(supervisorHostProgram(), {workerProgram(), m_dir->filePath(QStringLiteral("run")),
                                         m_dir->filePath(QStringLiteral("results"))});
    QVERIFY(host.waitForStarted(5000));
    QTRY_VERIFY_WITH_TIMEOUT(host.canReadLine(), 10000);
    const QStringList ready = QString::fromUtf8(host.readLine()).trimmed().split(QLatin1Char(' '));
    QCOMPARE(ready.size(), 3);
    QCOMPARE(ready.first(), QStringLiteral("READY"));
    const QList<qint64> workers{ready.at(1).toLongLong(), ready.at(2).toLongLong()};
    for (qint64 pid : workers)
        QVERIFY(procfs::isAlive(pid));

    // kill -9 leaves the backend no chance to clean up: the kernel must, at
    // once (well before the workers' own liveness check would end them).
    host.kill();
    QVERIFY(host.waitForFinished(5000));
    for (qint64 pid : workers)
        QTRY_VERIFY_WITH_TIMEOUT(!procfs::isAlive(pid), 2000);
}

void tst_WorkerSupervisor::offeredJobsRunBackToBack()
{
    // A window longer than the test: this is about order, not about when
    // offers are made. Each offer test names its depth (2), the counts
    // below depend on it.
    startSupervisor(1, 5000ms, workerProgram(), 60s, 2);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
    recordAttemptEvents();
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);
    QSignalSpy available(m_supervisor.get(), &WorkerSupervisor::workerAvailable);

    QVERIFY(m_supervisor->dispatch(
        sleepJob(1, {{QStringLiteral("duration_s"), 0.3}, {QStringLiteral("steps"), 1}})));
    QCOMPARE(m_supervisor->standbySlots(), 2);
    QVERIFY(m_supervisor->offer(sleepJob(2, {{QStringLiteral("duration_s"), 0}})));
    QCOMPARE(m_supervisor->standbySlots(), 1);
    QVERIFY(m_supervisor->offer(sleepJob(3, {{QStringLiteral("duration_s"), 0}})));
    QCOMPARE(m_supervisor->standbySlots(), 0);
    QVERIFY(!m_supervisor->offer(sleepJob(4, {{QStringLiteral("duration_s"), 0}})));
    QCOMPARE(m_supervisor->busy(), 1);

    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 10000);
    QCOMPARE(m_events,
             (QStringList{QStringLiteral("finished job-1 done"), QStringLiteral("started job-2"),
                          QStringLiteral("finished job-2 done"), QStringLiteral("started job-3"),
                          QStringLiteral("finished job-3 done")}));
    for (qsizetype i = 0; i < finished.count(); ++i)
        QCOMPARE(outcomeOf(finished, i).result.filename, QStringLiteral("result.json"));
    // Free only once its line is empty: never offered a Run it would refuse.
    QCOMPARE(available.count(), 1);
    QCOMPARE(m_supervisor->idle(), 1);
    QCOMPARE(m_supervisor->busy(), 0);
    QCOMPARE(m_supervisor->restarts(), 0);
}

void tst_WorkerSupervisor::noOfferWithoutABusyWorker()
{
    startSupervisor(2, 5000ms, workerProgram(), 60s, 2);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 2, 10000);
    QCOMPARE(m_supervisor->standbySlots(), 0);
    QVERIFY(!m_supervisor->offer(sleepJob(1, {{QStringLiteral("duration_s"), 0}})));

    // A busy worker takes them; the idle one still does not.
    QVERIFY(m_supervisor->dispatch(sleepJob(2, {{QStringLiteral("duration_s"), 30}})));
    QCOMPARE(m_supervisor->standbySlots(), 2);
}

void tst_WorkerSupervisor::noOfferWhenTheStandbyDepthIsZero()
{
    startSupervisor(1, 5000ms, workerProgram(), 60s, 0);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
    QVERIFY(m_supervisor->dispatch(sleepJob(1, {{QStringLiteral("duration_s"), 30}})));
    QCOMPARE(m_supervisor->standbySlots(), 0);
    QVERIFY(!m_supervisor->offer(sleepJob(2, {{QStringLiteral("duration_s"), 0}})));
}

void tst_WorkerSupervisor::offersAreRevokedWhenTheAttemptOutlastsTheWindow()
{
    startSupervisor(1, 5000ms, workerProgram(), 300ms, 2);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
    recordAttemptEvents();
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);
    QSignalSpy returned(m_supervisor.get(), &WorkerSupervisor::returned);

    QElapsedTimer clock;
    clock.start();
    QVERIFY(m_supervisor->dispatch(
        sleepJob(1, {{QStringLiteral("duration_s"), 2}, {QStringLiteral("steps"), 1}})));
    // Long, so that it would still be running if the worker started it anyway.
    QVERIFY(m_supervisor->offer(sleepJob(2, {{QStringLiteral("duration_s"), 30}})));
    QVERIFY(returned.wait(5000));
    QVERIFY2(clock.elapsed() >= 300, "an offer is held for the whole window");
    QCOMPARE(finished.count(), 0); // the attempt ahead still runs
    QCOMPARE(returned.at(0).at(0).toString(), QStringLiteral("job-2"));
    QCOMPARE(returned.at(0).at(1).toLongLong(), qint64(2));
    // Past the window the worker takes no more.
    QCOMPARE(m_supervisor->standbySlots(), 0);
    QVERIFY(!m_supervisor->offer(sleepJob(3, {{QStringLiteral("duration_s"), 0}})));
    QCOMPARE(m_supervisor->busy(), 1);

    QVERIFY(finished.wait(10000));
    QCOMPARE(m_supervisor->idle(), 1);
    // Had the worker kept the offer, it would be running it now and refuse
    // this one (as busy).
    QVERIFY(m_supervisor->dispatch(sleepJob(4, {{QStringLiteral("duration_s"), 0}})));
    QVERIFY(finished.wait(5000));
    QCOMPARE(m_events,
             (QStringList{QStringLiteral("returned job-2"), QStringLiteral("finished job-1 done"),
                          QStringLiteral("finished job-4 done")}));
}

void tst_WorkerSupervisor::workerWhoseLastAttemptWasLongTakesNoOffers()
{
    startSupervisor(1, 5000ms, workerProgram(), 1000ms, 2);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);

    // A fresh worker takes offers.
    QVERIFY(m_supervisor->dispatch(
        sleepJob(1, {{QStringLiteral("duration_s"), 1.5}, {QStringLiteral("steps"), 1}})));
    QCOMPARE(m_supervisor->standbySlots(), 2);
    QVERIFY(finished.wait(10000));
    QCOMPARE(outcomeOf(finished, 0).kind, WorkerOutcome::Kind::Done);

    // Its attempt outlasted the window: none for the next, however new.
    QVERIFY(m_supervisor->dispatch(sleepJob(2, {{QStringLiteral("duration_s"), 0}})));
    QCOMPARE(m_supervisor->standbySlots(), 0);
    QVERIFY(!m_supervisor->offer(sleepJob(3, {{QStringLiteral("duration_s"), 0}})));
    QVERIFY(finished.wait(10000));
    QCOMPARE(outcomeOf(finished, 1).kind, WorkerOutcome::Kind::Done);

    // A short attempt (well within the 1 s window) makes it take them again.
    QVERIFY(m_supervisor->dispatch(sleepJob(4, {{QStringLiteral("duration_s"), 30}})));
    QCOMPARE(m_supervisor->standbySlots(), 2);
}

void tst_WorkerSupervisor::revokeBringsAnUnstartedOfferBack()
{
    startSupervisor(1, 5000ms, workerProgram(), 60s, 2);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
    recordAttemptEvents();
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);
    QSignalSpy returned(m_supervisor.get(), &WorkerSupervisor::returned);

    QVERIFY(m_supervisor->dispatch(
        sleepJob(1, {{QStringLiteral("duration_s"), 1}, {QStringLiteral("steps"), 1}})));
    // Long, so that it would still be running if the worker started it anyway.
    QVERIFY(m_supervisor->offer(sleepJob(2, {{QStringLiteral("duration_s"), 30}})));
    m_supervisor->revoke(2);
    m_supervisor->revoke(2);  // sent once: the second is not answered
    m_supervisor->revoke(99); // unknown
    QVERIFY(returned.wait(5000));
    QCOMPARE(finished.count(), 0);
    QCOMPARE(returned.at(0).at(0).toString(), QStringLiteral("job-2"));
    QCOMPARE(returned.at(0).at(1).toLongLong(), qint64(2));

    QVERIFY(finished.wait(10000));
    QCOMPARE(m_supervisor->idle(), 1);
    // Had the worker started the offer after all, it would refuse this (as
    // busy).
    QVERIFY(m_supervisor->dispatch(sleepJob(3, {{QStringLiteral("duration_s"), 0}})));
    QVERIFY(finished.wait(5000));
    QCOMPARE(m_events,
             (QStringList{QStringLiteral("returned job-2"), QStringLiteral("finished job-1 done"),
                          QStringLiteral("finished job-3 done")}));
    QCOMPARE(returned.count(), 1);
}

void tst_WorkerSupervisor::offersOfAWorkerThatDiesInItsAttemptComeBack()
{
    startSupervisor(1, 5000ms, workerProgram(), 60s, 2);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
    recordAttemptEvents();
    QSignalSpy finished(m_supervisor.get(), &WorkerSupervisor::finished);

    // The worker dies halfway, 0.5 s in, with the offer still in line.
    QVERIFY(m_supervisor->dispatch(sleepJob(1, {{QStringLiteral("duration_s"), 1},
                                                {QStringLiteral("steps"), 2},
                                                {QStringLiteral("crash_at"), 50}})));
    QVERIFY(m_supervisor->offer(sleepJob(2, {{QStringLiteral("duration_s"), 0}})));
    QVERIFY(finished.wait(10000));
    QCOMPARE(outcomeOf(finished).error.code, QStringLiteral("worker_crashed"));
    QCOMPARE(m_events, (QStringList{QStringLiteral("finished job-1 crashed"),
                                    QStringLiteral("returned job-2")}));

    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
    QCOMPARE(m_supervisor->restarts(), 1);
    QCOMPARE(m_supervisor->standbySlots(), 0);
    QCOMPARE(m_events.size(), 2);
}

void tst_WorkerSupervisor::workerThatDiesInAnOfferIsChargedToThatOffer()
{
    // The offer kills the worker the moment it starts: the end of the
    // attempt ahead, which announces that start, may die with it. The
    // worker's started mark still charges the crash to the offer, and
    // the offers behind it come back unstarted.
    startSupervisor(1, 5000ms, workerProgram(), 60s, 3);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
    recordAttemptEvents();

    QVERIFY(m_supervisor->dispatch(sleepJob(1, {{QStringLiteral("duration_s"), 0.2}})));
    QVERIFY(m_supervisor->offer(
        sleepJob(2, {{QStringLiteral("duration_s"), 1}, {QStringLiteral("crash_at"), 0}})));
    QVERIFY(m_supervisor->offer(sleepJob(3, {{QStringLiteral("duration_s"), 0}})));
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->restarts(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_events.size(), 4, 10000);
    // Job 1 ended; whether its end was read before the death or not, it is
    // no crash of its own (a lost outcome runs again, uncharged).
    QVERIFY2(m_events.at(0) == QStringLiteral("finished job-1 done") ||
                 m_events.at(0) == QStringLiteral("finished job-1 lost"),
             qPrintable(m_events.join(QStringLiteral(", "))));
    QCOMPARE(m_events.mid(1),
             (QStringList{QStringLiteral("started job-2"), QStringLiteral("finished job-2 crashed"),
                          QStringLiteral("returned job-3")}));
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
}

void tst_WorkerSupervisor::runsSharingARuntimeFolderKeepTheirStartedMarks()
{
    // Two jobdeskd of one user share $XDG_RUNTIME_DIR/jobdesk, and their
    // first workers have the same identity: each run must read its own
    // worker's mark, or a crash is charged to a job that never ran.
    startSupervisor(1, 5000ms, workerProgram(), 60s, 2);
    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->idle(), 1, 10000);
    recordAttemptEvents();
    // Job 1 crashes its worker 1 s in; job 5 waits in line behind it.
    QVERIFY(m_supervisor->dispatch(sleepJob(1, {{QStringLiteral("duration_s"), 2},
                                                {QStringLiteral("steps"), 2},
                                                {QStringLiteral("crash_at"), 50}})));
    QVERIFY(m_supervisor->offer(sleepJob(5, {{QStringLiteral("duration_s"), 0}})));

    // Another run starts meanwhile and runs a fence 5 of its own.
    WorkerSupervisor::Options options;
    options.workerProgram = workerProgram();
    options.workers = 1;
    options.runtimeDir = m_dir->filePath(QStringLiteral("run"));
    options.resultsDir = m_dir->filePath(QStringLiteral("results-other"));
    options.epoch = QStringLiteral("other");
    WorkerSupervisor other(options);
    QString error;
    QVERIFY2(other.start(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(other.idle(), 1, 10000);
    QVERIFY(other.dispatch(sleepJob(5, {{QStringLiteral("duration_s"), 10}})));

    QTRY_COMPARE_WITH_TIMEOUT(m_supervisor->restarts(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_events.size(), 2, 5000);
    QCOMPARE(m_events, (QStringList{QStringLiteral("finished job-1 crashed"),
                                    QStringLiteral("returned job-5")}));
    other.stop();
}

QTEST_GUILESS_MAIN(tst_WorkerSupervisor)
#include "tst_workersupervisor.moc"
