#include "workersupervisor.h"

#include "reliability.h"
#include "respawnbackoff.h"
#include "startedmark.h"
#include "workerprocess.h"
#include "workerprotocol.h"
#include "zmqsocketnotifier.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QTimer>
#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <vector>
#include <zmq.hpp>

namespace jobdesk {

namespace {

Q_LOGGING_CATEGORY(lcWorkerPool, "jobdesk.workerpool")

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

// A worker that stayed usable this long wipes its slot's crash record.
constexpr milliseconds kHealthyUptime = 30s;
// stop(): how long all workers together get to be reaped after SIGKILL.
constexpr milliseconds kStopReapTimeout = 3s;

QByteArray newSecret()
{
    quint32 words[8];
    QRandomGenerator::system()->fillRange(words);
    return QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex();
}

bool equalConstantTime(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

milliseconds millisUntil(Clock::time_point when, Clock::time_point now)
{
    if (when <= now)
        return 0ms;
    // Round up: waking a little early would only re-arm for the remainder.
    return std::chrono::ceil<milliseconds>(when - now);
}

/// A Run or an Offer of `a`.
WorkerMessage assignmentMessage(WorkerMessageType type, const WorkerAssignment &a)
{
    WorkerMessage m;
    m.type = type;
    m.fence = a.fence;
    m.jobId = a.jobId;
    m.kind = a.kind;
    m.params = a.params;
    m.paramsJson = a.paramsJson;
    m.timeoutS = a.timeoutS;
    m.attempt = a.attempt;
    return m;
}

QString durationText(milliseconds ms)
{
    return ms.count() % 1000 == 0 ? QStringLiteral("%1 s").arg(ms.count() / 1000)
                                  : QStringLiteral("%1 ms").arg(ms.count());
}

} // namespace

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

namespace {

/// One attempt in flight on a worker.
struct Attempt
{
    enum class Stop
    {
        None,
        Cancel,
        Timeout
    };

    WorkerAssignment assignment;
    Clock::time_point startedAt;
    std::optional<Clock::time_point> timeoutAt;
    Stop stop = Stop::None; // why the worker was asked to stop, the first reason wins
    std::optional<Clock::time_point> killAt; // end of the grace period after a stop request
};

/// One worker process, from spawn to its retirement.
struct Worker
{
    enum class State
    {
        Starting,
        Idle,
        Busy
    };

    int slot = 0;
    QByteArray identity;
    QByteArray secret;
    WorkerProcess *process = nullptr; // child of the supervisor
    State state = State::Starting;
    Clock::time_point spawnedAt;
    Clock::time_point readyAt;
    Clock::time_point lastHeard;
    std::optional<Attempt> attempt;
    QString startedFile; // where the worker marks each attempt it starts (startedmark.h)

    /// Offers waiting behind the attempt, in the order the worker starts them.
    struct Offer
    {
        WorkerAssignment assignment;
        bool revoked = false; // a Revoke was sent; its Started or Returned is due
    };
    std::deque<Offer> offers;
    /// Whether the last attempt ended within the standby window: a worker
    /// running long jobs is not offered any.
    bool lastAttemptShort = true;

    bool hasWork() const { return attempt.has_value() || !offers.empty(); }
    std::deque<Offer>::iterator findOffer(qint64 fence)
    {
        return std::find_if(offers.begin(), offers.end(),
                            [fence](const Offer &o) { return o.assignment.fence == fence; });
    }
};

/// A place for one worker: keeps its crash record across replacements.
struct Slot
{
    int spawns = 0;
    QByteArray worker; // identity of the current worker; empty while waiting
    std::optional<Clock::time_point> respawnAt;
    RespawnBackoff backoff{reliability::kRespawnBackoffBase, reliability::kRespawnBackoffCap,
                           kHealthyUptime};
};

/// Why a worker is being retired.
enum class Retirement
{
    Exited,       // its process ended on its own
    Silent,       // it stopped heartbeating
    StartTimeout, // it never said READY
    Unreachable,  // a send to it failed
    Forced,       // it ignored a stop request for the whole grace period
};

} // namespace

struct WorkerSupervisor::Private
{
    explicit Private(WorkerSupervisor *owner, Options opts)
        : q(owner)
        , options(std::move(opts))
    {
    }

    bool start(QString *error);
    void stop();
    void closeChannel();

    void spawn(int slotIndex);
    // By value: callers may pass the key of the entry that retire() erases.
    void retire(QByteArray identity, Retirement why, const QString &how);
    void onProcessExited(WorkerProcess *process, const QString &how);

    void readMessages();
    void handleMessage(const QByteArray &identity, const QByteArray &frame);
    void endAttempt(Worker &worker, const WorkerMessage &reply);
    void startOffer(Worker &worker, qint64 fence);
    void returnOffer(Worker &worker, qint64 fence);
    void beginAttempt(Worker &worker, const WorkerAssignment &assignment, Clock::time_point now);
    bool takesOffers(const Worker &worker, Clock::time_point now) const;
    /// When the offers of `worker` must be revoked, if it holds any not yet revoked.
    std::optional<Clock::time_point> revokeAt(const Worker &worker) const;
    void revokeOffers(Worker &worker);
    void requestStop(Worker &worker, Attempt::Stop why, Clock::time_point now);

    bool send(Worker &worker, const WorkerMessage &message);
    bool sendFrame(const QByteArray &identity, const QByteArray &frame);

    void housekeeping();
    void rearm();

    Worker *findByFence(qint64 fence);
    int countIn(Worker::State state) const;

    WorkerSupervisor *q;
    Options options;

    zmq::context_t context{1};
    std::unique_ptr<zmq::socket_t> socket;
    std::unique_ptr<ZmqSocketNotifier> notifier;
    QString ipcPath;

    // One timer for all timed work (Redis's serverCron): heartbeats, liveness,
    // start timeouts, attempt deadlines, grace periods, respawns. Single-shot,
    // re-armed for the earliest deadline.
    QTimer cron;
    Clock::time_point nextHeartbeat;

    std::vector<Slot> slotTable;
    std::map<QByteArray, std::unique_ptr<Worker>> workers;
    std::set<WorkerProcess *> dying; // killed, not yet reaped
    QByteArray heartbeatFrame;
    int restarts = 0;
    bool started = false;
    bool stopped = false;
    // readMessages() runs inside the notifier's drain loop, which still uses
    // the notifier and the socket after we return: a stop() from a receiver
    // of our signals must leave both alive until then.
    int readDepth = 0;
};

// ---------------------------------------------------------------------------
// Start and stop
// ---------------------------------------------------------------------------

bool WorkerSupervisor::Private::start(QString *error)
{
    const auto failWith = [error](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    if (stopped)
        return failWith(QStringLiteral("the worker supervisor was stopped"));
    if (started)
        return true;
    if (options.workers < 1)
        return failWith(QStringLiteral("at least one worker is needed"));
    if (options.epoch.isEmpty())
        return failWith(QStringLiteral("no epoch given for the worker channel"));
    const QFileInfo program(options.workerProgram);
    if (!program.isFile() || !program.isExecutable())
        return failWith(QStringLiteral("worker program %1 is missing or not executable")
                            .arg(options.workerProgram));

    QDir runtime(options.runtimeDir);
    if (!runtime.exists()) {
        if (!QDir().mkpath(options.runtimeDir))
            return failWith(QStringLiteral("cannot create %1").arg(options.runtimeDir));
        QFile::setPermissions(options.runtimeDir,
                              QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    } else if (QFileInfo(options.runtimeDir).permissions() &
               (QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther |
                QFile::WriteOther | QFile::ExeOther)) {
        // Not ours to chmod; the per-spawn secret still keeps strangers out.
        qCWarning(lcWorkerPool) << "runtime folder" << options.runtimeDir
                                << "is accessible to other users";
    }
    if (!options.resultsDir.isEmpty() && !QDir().mkpath(options.resultsDir))
        return failWith(QStringLiteral("cannot create %1").arg(options.resultsDir));

    ipcPath = QDir(options.runtimeDir).absoluteFilePath(QStringLiteral("workers-") + options.epoch);
    const QString endpoint = QStringLiteral("ipc://") + ipcPath;
    try {
        socket = std::make_unique<zmq::socket_t>(context, zmq::socket_type::router);
        socket->set(zmq::sockopt::linger, 0);
        socket->set(zmq::sockopt::maxmsgsize, int64_t(reliability::kMaxMessageBytes));
        // A send to a worker that is gone fails here instead of vanishing.
        socket->set(zmq::sockopt::router_mandatory, true);
        socket->bind(endpoint.toStdString());
    } catch (const zmq::error_t &e) {
        socket.reset();
        ipcPath.clear();
        return failWith(QStringLiteral("cannot bind the worker channel %1: %2")
                            .arg(endpoint, QString::fromUtf8(e.what())));
    }
    notifier = std::make_unique<ZmqSocketNotifier>(*socket);
    QObject::connect(notifier.get(), &ZmqSocketNotifier::readyRead, q, [this] { readMessages(); });

    WorkerMessage heartbeat;
    heartbeat.type = WorkerMessageType::Heartbeat;
    heartbeatFrame = encodeWorkerMessage(heartbeat);

    cron.setSingleShot(true);
    cron.setTimerType(Qt::PreciseTimer);
    QObject::connect(&cron, &QTimer::timeout, q, [this] { housekeeping(); });

    started = true;
    slotTable.resize(std::size_t(options.workers));
    for (int i = 0; i < options.workers; ++i)
        spawn(i);
    nextHeartbeat = Clock::now() + reliability::kHeartbeatInterval;
    rearm();
    qCInfo(lcWorkerPool).noquote()
        << QStringLiteral("worker channel %1, %2 workers").arg(endpoint).arg(options.workers);
    return true;
}

void WorkerSupervisor::Private::stop()
{
    if (stopped)
        return;
    stopped = true;
    cron.stop();

    std::vector<WorkerProcess *> processes(dying.begin(), dying.end());
    for (auto &entry : workers) {
        processes.push_back(entry.second->process);
        QFile::remove(entry.second->startedFile);
    }
    for (WorkerProcess *process : processes) {
        QObject::disconnect(process, nullptr, q, nullptr);
        process->killGroup();
    }
    const auto deadline = Clock::now() + kStopReapTimeout;
    for (WorkerProcess *process : processes) {
        if (!process->waitForExit(int(millisUntil(deadline, Clock::now()).count())))
            qCWarning(lcWorkerPool) << "worker process" << process->pid() << "did not exit";
        delete process;
    }
    workers.clear();
    dying.clear();

    if (readDepth > 0)
        QMetaObject::invokeMethod(
            q, [this] { closeChannel(); }, Qt::QueuedConnection);
    else
        closeChannel();
}

void WorkerSupervisor::Private::closeChannel()
{
    notifier.reset();
    if (socket) {
        socket->close();
        socket.reset();
    }
    if (!ipcPath.isEmpty()) {
        QFile::remove(ipcPath);
        ipcPath.clear();
    }
}

// ---------------------------------------------------------------------------
// Worker lifecycle
// ---------------------------------------------------------------------------

void WorkerSupervisor::Private::spawn(int slotIndex)
{
    Slot &slot = slotTable[std::size_t(slotIndex)];
    slot.respawnAt.reset();
    if (slot.spawns > 0)
        ++restarts;
    ++slot.spawns;

    auto worker = std::make_unique<Worker>();
    worker->slot = slotIndex;
    worker->identity = QStringLiteral("%1-%2").arg(slotIndex).arg(slot.spawns).toUtf8();
    worker->secret = newSecret();
    worker->spawnedAt = Clock::now();
    // The runtime folder may be shared with other jobdeskd of the user: the
    // epoch keeps each run's marks its own, as it does the channel.
    worker->startedFile =
        QDir(options.runtimeDir)
            .filePath(QStringLiteral("started-%1-%2")
                          .arg(options.epoch, QString::fromUtf8(worker->identity)));
    QFile::remove(worker->startedFile); // a mark from an earlier run is no mark of this worker
    worker->process = new WorkerProcess(QString::fromUtf8(worker->identity), q);
    WorkerProcess *process = worker->process;
    QObject::connect(process, &WorkerProcess::exited, q,
                     [this, process](const QString &how) { onProcessExited(process, how); });

    QStringList arguments{
        QStringLiteral("--endpoint"),     QStringLiteral("ipc://") + ipcPath,
        QStringLiteral("--identity"),     QString::fromUtf8(worker->identity),
        QStringLiteral("--epoch"),        options.epoch,
        QStringLiteral("--results-dir"),  options.resultsDir,
        QStringLiteral("--started-file"), worker->startedFile,
    };
    if (!options.catalogFile.isEmpty())
        arguments << QStringLiteral("--catalog") << options.catalogFile;
    slot.worker = worker->identity;
    const QByteArray secret = worker->secret;
    workers.emplace(worker->identity, std::move(worker));
    process->start(options.workerProgram, arguments, secret, options.niceness);
}

void WorkerSupervisor::Private::onProcessExited(WorkerProcess *process, const QString &how)
{
    dying.erase(process);
    process->deleteLater();
    for (auto &entry : workers) {
        if (entry.second->process == process) {
            retire(entry.first, Retirement::Exited, how);
            return;
        }
    }
    // A worker retired earlier (and killed) has now been reaped: nothing to do.
}

void WorkerSupervisor::Private::retire(QByteArray identity, Retirement why, const QString &how)
{
    const auto it = workers.find(identity);
    if (it == workers.end())
        return;
    std::unique_ptr<Worker> worker = std::move(it->second);
    workers.erase(it);
    const Clock::time_point now = Clock::now();

    if (worker->process->isRunning()) {
        worker->process->killGroup();
        dying.insert(worker->process); // deleted once reaped (onProcessExited)
    }

    Slot &slot = slotTable[std::size_t(worker->slot)];
    slot.worker.clear();
    milliseconds delay = 0ms;
    if (why == Retirement::Forced) {
        qCInfo(lcWorkerPool).noquote()
            << QStringLiteral("worker %1 %2").arg(QString::fromUtf8(identity), how);
    } else {
        const milliseconds healthyFor =
            worker->state == Worker::State::Starting
                ? 0ms
                : std::chrono::duration_cast<milliseconds>(now - worker->readyAt);
        delay = slot.backoff.crashed(healthyFor);
        qCWarning(lcWorkerPool).noquote()
            << QStringLiteral("worker %1 %2; replacing it in %3 (failure %4 in a row of slot %5)")
                   .arg(QString::fromUtf8(identity), how, durationText(delay))
                   .arg(slot.backoff.streak())
                   .arg(worker->slot);
    }
    slot.respawnAt = now + delay;
    rearm();

    // A worker may have moved on to its offers: it starts them itself, and
    // the ends announcing those starts may not have been read (or, if it
    // died, not even sent). Its started mark says what it was really
    // running, whatever ended it.
    std::optional<std::size_t> diedInOffer;
    if (const std::optional<qint64> mark = readStartedMark(worker->startedFile)) {
        const auto it = worker->findOffer(*mark);
        if (it != worker->offers.end())
            diedInOffer = std::size_t(it - worker->offers.begin());
    }
    QFile::remove(worker->startedFile);
    if (stopped)
        return;
    WorkerOutcome crashed;
    crashed.kind = WorkerOutcome::Kind::Crashed;
    crashed.error = JobError{QStringLiteral("worker_crashed"),
                             QStringLiteral("the worker %1 during the attempt").arg(how)};
    WorkerOutcome lost = crashed;
    lost.kind = WorkerOutcome::Kind::Lost;
    lost.error.message =
        QStringLiteral("the worker %1 after the attempt ended, before its outcome was read")
            .arg(how);

    if (worker->attempt) {
        const Attempt &attempt = *worker->attempt;
        // It ended, and the worker went on: its outcome is lost, not its fault.
        WorkerOutcome outcome = diedInOffer ? lost : crashed;
        if (!diedInOffer) {
            switch (attempt.stop) {
            case Attempt::Stop::Cancel:
                outcome.kind = WorkerOutcome::Kind::Cancelled;
                outcome.error = JobError{
                    QStringLiteral("cancelled"),
                    why == Retirement::Forced
                        ? QStringLiteral(
                              "cancelled; the job did not stop within %1, its worker was killed")
                              .arg(durationText(options.cancelGrace))
                        : QStringLiteral("cancelled; its worker %1").arg(how)};
                break;
            case Attempt::Stop::Timeout:
                outcome.kind = WorkerOutcome::Kind::TimedOut;
                outcome.error = JobError{
                    QStringLiteral("timeout"),
                    QStringLiteral("timed out after %1 s").arg(attempt.assignment.timeoutS)};
                break;
            case Attempt::Stop::None: // nothing asked it to stop: a crash
                break;
            }
        }
        Q_EMIT q->finished(attempt.assignment.jobId, attempt.assignment.fence, outcome);
    }

    // The line: the offer it died in crashed; those before it ran (or were
    // given back, the word lost too), their outcomes lost with the worker,
    // no fault of theirs: they run again; those behind it never started.
    for (std::size_t i = 0; i < worker->offers.size(); ++i) {
        if (stopped)
            return;
        const WorkerAssignment &a = worker->offers[i].assignment;
        if (!diedInOffer || i > *diedInOffer) {
            Q_EMIT q->returned(a.jobId, a.fence);
            continue;
        }
        Q_EMIT q->started(a.jobId, a.fence);
        Q_EMIT q->finished(a.jobId, a.fence, i == *diedInOffer ? crashed : lost);
    }
}

// ---------------------------------------------------------------------------
// Messages from workers
// ---------------------------------------------------------------------------

void WorkerSupervisor::Private::readMessages()
{
    ++readDepth;
    const auto leave = qScopeGuard([this] { --readDepth; });
    // Drain everything: ZMQ_FD is edge-triggered.
    while (!stopped && socket) {
        zmq::message_t identity;
        zmq::message_t body;
        try {
            if (!socket->recv(identity, zmq::recv_flags::dontwait))
                return;
            if (!identity.more())
                continue; // a ROUTER always prefixes the routing id; nothing follows
            // The rest of a multipart message is delivered atomically.
            if (!socket->recv(body, zmq::recv_flags::dontwait))
                continue;
            while (body.more()) {
                zmq::message_t extra; // one frame per message; drop strays
                if (!socket->recv(extra, zmq::recv_flags::dontwait))
                    break;
                body.move(extra);
            }
        } catch (const zmq::error_t &e) {
            qCWarning(lcWorkerPool) << "cannot read the worker channel:" << e.what();
            return;
        }
        handleMessage(QByteArray(identity.data<char>(), qsizetype(identity.size())),
                      QByteArray(body.data<char>(), qsizetype(body.size())));
    }
}

void WorkerSupervisor::Private::handleMessage(const QByteArray &identity, const QByteArray &frame)
{
    const auto it = workers.find(identity);
    if (it == workers.end()) {
        qCDebug(lcWorkerPool) << "ignoring a message from unknown or retired worker" << identity;
        return;
    }
    Worker &worker = *it->second;
    const std::optional<WorkerMessage> message = decodeWorkerMessage(frame);
    if (!message) {
        qCWarning(lcWorkerPool) << "ignoring a malformed message from worker" << identity;
        return;
    }

    if (worker.state == Worker::State::Starting) {
        if (message->type != WorkerMessageType::Ready)
            return; // nothing counts before READY
        if (!equalConstantTime(message->secret.toUtf8(), worker.secret)) {
            qCWarning(lcWorkerPool) << "ignoring READY with a wrong secret for worker" << identity;
            return;
        }
        const Clock::time_point now = Clock::now();
        worker.state = Worker::State::Idle;
        worker.readyAt = now;
        worker.lastHeard = now;
        qCDebug(lcWorkerPool) << "worker" << identity << "ready, pid" << message->pid;
        rearm(); // its start deadline is gone
        if (!stopped)
            Q_EMIT q->workerAvailable();
        return;
    }

    worker.lastHeard = Clock::now();
    switch (message->type) {
    case WorkerMessageType::Heartbeat:
        return;
    case WorkerMessageType::Progress:
        if (!worker.attempt || worker.attempt->assignment.fence != message->fence) {
            qCDebug(lcWorkerPool) << "ignoring progress for fence" << message->fence << "from"
                                  << identity;
            return;
        }
        if (!stopped) {
            // A copy: a receiver may end the attempt that holds the id.
            const QString jobId = worker.attempt->assignment.jobId;
            Q_EMIT q->progress(jobId, message->fence, message->progress, message->message);
        }
        return;
    case WorkerMessageType::Done:
    case WorkerMessageType::Failed:
        if (!worker.attempt || worker.attempt->assignment.fence != message->fence) {
            qCDebug(lcWorkerPool) << "ignoring the end of fence" << message->fence << "from"
                                  << identity;
            return;
        }
        endAttempt(worker, *message);
        if (message->nextFence != 0) {
            // The next offer started as this attempt ended.
            const auto still = workers.find(identity);
            if (!stopped && still != workers.end())
                startOffer(*still->second, message->nextFence);
        }
        return;
    case WorkerMessageType::Started:
        startOffer(worker, message->fence);
        return;
    case WorkerMessageType::Returned:
        returnOffer(worker, message->fence);
        return;
    case WorkerMessageType::Ready:
    case WorkerMessageType::Run:
    case WorkerMessageType::Offer:
    case WorkerMessageType::Revoke:
    case WorkerMessageType::Cancel:
        break;
    }
    qCWarning(lcWorkerPool) << "ignoring an unexpected message type from worker" << identity;
}

void WorkerSupervisor::Private::endAttempt(Worker &worker, const WorkerMessage &reply)
{
    const Attempt attempt = *worker.attempt;
    worker.attempt.reset();
    worker.state = worker.offers.empty() ? Worker::State::Idle : Worker::State::Busy;
    worker.lastAttemptShort = Clock::now() - attempt.startedAt < options.standbyWindow;
    // A worker that answers for its attempt, however the job ended, proves
    // the slot can work: without this, jobs that crash their workers now and
    // then would push a busy slot's respawn delay to the cap (10 s) for good,
    // since such a slot never stays up the healthy uptime between crashes.
    slotTable[std::size_t(worker.slot)].backoff.recovered();
    rearm();

    WorkerOutcome outcome;
    outcome.stderrTail = reply.stderrTail;
    if (reply.type == WorkerMessageType::Done) {
        // A job that completes before it stops stays completed, whatever
        // asked it to stop.
        outcome.kind = WorkerOutcome::Kind::Done;
        outcome.result = reply.result;
        outcome.inlineData = reply.inlineData;
        outcome.resultFile = reply.resultFile;
        if (!reply.resultFile.isEmpty() && (reply.resultFile.contains(QLatin1Char('/')) ||
                                            reply.resultFile.startsWith(QLatin1Char('.')))) {
            outcome = WorkerOutcome{};
            outcome.kind = WorkerOutcome::Kind::Failed;
            outcome.error = JobError{QStringLiteral("job_error"),
                                     QStringLiteral("the worker named an invalid result file")};
        }
    } else if (attempt.stop == Attempt::Stop::Timeout) {
        outcome.kind = WorkerOutcome::Kind::TimedOut;
        outcome.error =
            JobError{QStringLiteral("timeout"),
                     QStringLiteral("timed out after %1 s").arg(attempt.assignment.timeoutS)};
    } else if (attempt.stop == Attempt::Stop::Cancel &&
               reply.error.code == QLatin1String("cancelled")) {
        outcome.kind = WorkerOutcome::Kind::Cancelled;
        outcome.error = JobError{QStringLiteral("cancelled"), QStringLiteral("cancelled")};
    } else {
        outcome.kind = WorkerOutcome::Kind::Failed;
        outcome.error = reply.error;
        outcome.retryable = reply.retryable;
    }

    const QByteArray identity = worker.identity;
    if (!stopped && reply.lastReport)
        Q_EMIT q->progress(attempt.assignment.jobId, attempt.assignment.fence, reply.progress,
                           reply.message);
    if (!stopped)
        Q_EMIT q->finished(attempt.assignment.jobId, attempt.assignment.fence, outcome);
    // The receiver may already have handed this worker the next attempt.
    const auto it = workers.find(identity);
    if (!stopped && it != workers.end() && it->second->state == Worker::State::Idle)
        Q_EMIT q->workerAvailable();
}

void WorkerSupervisor::Private::beginAttempt(Worker &worker, const WorkerAssignment &assignment,
                                             Clock::time_point now)
{
    Attempt attempt;
    attempt.assignment = assignment;
    attempt.startedAt = now;
    if (assignment.timeoutS > 0)
        attempt.timeoutAt = now + std::chrono::seconds(assignment.timeoutS);
    worker.attempt = std::move(attempt);
    worker.state = Worker::State::Busy;
    rearm();
}

void WorkerSupervisor::Private::startOffer(Worker &worker, qint64 fence)
{
    const auto offer = worker.findOffer(fence);
    if (offer == worker.offers.end()) {
        qCDebug(lcWorkerPool) << "ignoring the start of unknown offer" << fence << "from"
                              << worker.identity;
        return;
    }
    if (worker.attempt) {
        // The channel is ordered and a worker reports an attempt's end
        // before it starts the next, so this is a broken worker; its
        // attempt must still end exactly once.
        qCWarning(lcWorkerPool) << "worker" << worker.identity
                                << "started an offer before reporting the end of its attempt";
        WorkerMessage lost;
        lost.type = WorkerMessageType::Failed;
        lost.fence = worker.attempt->assignment.fence;
        lost.error = JobError{QStringLiteral("worker_crashed"),
                              QStringLiteral("the worker moved on without reporting the end")};
        lost.retryable = true;
        const QByteArray identity = worker.identity;
        endAttempt(worker, lost);
        const auto it = workers.find(identity);
        if (stopped || it == workers.end())
            return;
        startOffer(*it->second, fence);
        return;
    }
    const WorkerAssignment assignment = offer->assignment;
    worker.offers.erase(offer);
    beginAttempt(worker, assignment, Clock::now());
    if (!stopped)
        Q_EMIT q->started(assignment.jobId, assignment.fence);
}

void WorkerSupervisor::Private::returnOffer(Worker &worker, qint64 fence)
{
    const auto offer = worker.findOffer(fence);
    if (offer == worker.offers.end()) {
        qCDebug(lcWorkerPool) << "ignoring the return of unknown offer" << fence << "from"
                              << worker.identity;
        return;
    }
    const WorkerAssignment assignment = offer->assignment;
    worker.offers.erase(offer);
    if (!worker.hasWork())
        worker.state = Worker::State::Idle;
    rearm();
    const QByteArray identity = worker.identity;
    if (!stopped)
        Q_EMIT q->returned(assignment.jobId, assignment.fence);
    const auto it = workers.find(identity);
    if (!stopped && it != workers.end() && it->second->state == Worker::State::Idle)
        Q_EMIT q->workerAvailable();
}

bool WorkerSupervisor::Private::takesOffers(const Worker &worker, Clock::time_point now) const
{
    return worker.state == Worker::State::Busy && worker.attempt &&
           worker.attempt->stop == Attempt::Stop::None && worker.lastAttemptShort &&
           int(worker.offers.size()) < options.standbyDepth &&
           now - worker.attempt->startedAt < options.standbyWindow;
}

std::optional<Clock::time_point> WorkerSupervisor::Private::revokeAt(const Worker &worker) const
{
    if (!worker.attempt)
        return std::nullopt; // the offers start as soon as the worker reads them
    const bool anyLeft = std::any_of(worker.offers.begin(), worker.offers.end(),
                                     [](const Worker::Offer &o) { return !o.revoked; });
    if (!anyLeft)
        return std::nullopt;
    return worker.attempt->startedAt + options.standbyWindow;
}

void WorkerSupervisor::Private::revokeOffers(Worker &worker)
{
    for (Worker::Offer &offer : worker.offers) {
        if (offer.revoked)
            continue;
        WorkerMessage revoke;
        revoke.type = WorkerMessageType::Revoke;
        revoke.fence = offer.assignment.fence;
        // Unsent, the offer stays the worker's until it is found unreachable
        // or silent, and retiring it returns every offer: not asked again.
        if (!send(worker, revoke))
            qCWarning(lcWorkerPool) << "cannot send a revoke to worker" << worker.identity;
        offer.revoked = true;
    }
}

// ---------------------------------------------------------------------------
// Messages to workers
// ---------------------------------------------------------------------------

bool WorkerSupervisor::Private::send(Worker &worker, const WorkerMessage &message)
{
    return sendFrame(worker.identity, encodeWorkerMessage(message));
}

bool WorkerSupervisor::Private::sendFrame(const QByteArray &identity, const QByteArray &frame)
{
    if (!socket)
        return false;
    bool sent = false;
    try {
        // Never block the event loop: a worker whose queue is full is as
        // good as gone (and will be found silent soon).
        sent = socket->send(zmq::buffer(identity.constData(), std::size_t(identity.size())),
                            zmq::send_flags::sndmore | zmq::send_flags::dontwait) &&
               socket->send(zmq::buffer(frame.constData(), std::size_t(frame.size())),
                            zmq::send_flags::dontwait);
    } catch (const zmq::error_t &e) {
        qCDebug(lcWorkerPool) << "cannot send to worker" << identity << ":" << e.what();
    }
    // A send can swallow the edge that a pending read would have raised.
    notifier->recheck();
    return sent;
}

void WorkerSupervisor::Private::requestStop(Worker &worker, Attempt::Stop why,
                                            Clock::time_point now)
{
    Attempt &attempt = *worker.attempt;
    attempt.stop = why;
    attempt.killAt = now + options.cancelGrace;
    WorkerMessage cancel;
    cancel.type = WorkerMessageType::Cancel;
    cancel.fence = attempt.assignment.fence;
    if (!send(worker, cancel)) {
        // Kill it on the next housekeeping pass rather than here: a caller of
        // cancel() must not get finished() from inside its own call.
        qCWarning(lcWorkerPool) << "cannot send a cancel to worker" << worker.identity;
        attempt.killAt = now;
    }
    rearm();
}

// ---------------------------------------------------------------------------
// Housekeeping (the one timer)
// ---------------------------------------------------------------------------

void WorkerSupervisor::Private::housekeeping()
{
    if (stopped)
        return;
    // Read first: if our own event loop was held up, the heartbeats queued
    // meanwhile must count before anyone is declared silent.
    readMessages();
    if (stopped)
        return;
    const Clock::time_point now = Clock::now();
    const milliseconds silenceLimit =
        reliability::kHeartbeatInterval * reliability::kHeartbeatLiveness;

    struct Due
    {
        QByteArray identity;
        enum
        {
            Heartbeat,
            Silent,
            StartTimeout,
            Timeout,
            Kill,
            Revoke
        } what;
    };
    std::vector<Due> due;
    const bool heartbeatDue = now >= nextHeartbeat;
    if (heartbeatDue)
        nextHeartbeat = now + reliability::kHeartbeatInterval;

    for (const auto &entry : workers) {
        const Worker &w = *entry.second;
        if (w.state == Worker::State::Starting) {
            if (now - w.spawnedAt >= reliability::kWorkerStartTimeout)
                due.push_back({w.identity, Due::StartTimeout});
            continue;
        }
        if (now - w.lastHeard > silenceLimit) {
            due.push_back({w.identity, Due::Silent});
            continue;
        }
        if (heartbeatDue)
            due.push_back({w.identity, Due::Heartbeat});
        if (const auto at = revokeAt(w); at && now >= *at)
            due.push_back({w.identity, Due::Revoke});
        if (!w.attempt)
            continue;
        if (w.attempt->killAt && now >= *w.attempt->killAt)
            due.push_back({w.identity, Due::Kill});
        else if (w.attempt->stop == Attempt::Stop::None && w.attempt->timeoutAt &&
                 now >= *w.attempt->timeoutAt)
            due.push_back({w.identity, Due::Timeout});
    }

    // Acting may emit signals whose receivers call back into us: look each
    // worker up again rather than holding on to anything.
    for (const Due &d : due) {
        if (stopped)
            return;
        const auto it = workers.find(d.identity);
        if (it == workers.end())
            continue;
        Worker &w = *it->second;
        switch (d.what) {
        case Due::Heartbeat:
            if (!sendFrame(w.identity, heartbeatFrame))
                retire(w.identity, Retirement::Unreachable, QStringLiteral("could not be reached"));
            break;
        case Due::Silent:
            retire(w.identity, Retirement::Silent,
                   QStringLiteral("stopped answering heartbeats for %1")
                       .arg(durationText(silenceLimit)));
            break;
        case Due::StartTimeout:
            retire(w.identity, Retirement::StartTimeout,
                   QStringLiteral("did not say READY within %1")
                       .arg(durationText(reliability::kWorkerStartTimeout)));
            break;
        case Due::Timeout:
            if (w.attempt && w.attempt->stop == Attempt::Stop::None) {
                qCInfo(lcWorkerPool).noquote()
                    << QStringLiteral("job %1 timed out after %2 s; asking it to stop")
                           .arg(w.attempt->assignment.jobId)
                           .arg(w.attempt->assignment.timeoutS);
                requestStop(w, Attempt::Stop::Timeout, now);
            }
            break;
        case Due::Revoke:
            revokeOffers(w);
            break;
        case Due::Kill:
            retire(w.identity, Retirement::Forced,
                   QStringLiteral("did not stop its job within %1; killed")
                       .arg(durationText(options.cancelGrace)));
            break;
        }
    }

    for (std::size_t i = 0; i < slotTable.size() && !stopped; ++i) {
        Slot &slot = slotTable[i];
        if (slot.worker.isEmpty() && slot.respawnAt && now >= *slot.respawnAt)
            spawn(int(i));
    }
    rearm();
}

void WorkerSupervisor::Private::rearm()
{
    if (stopped || !started)
        return;
    Clock::time_point next = nextHeartbeat;
    for (const auto &entry : workers) {
        const Worker &w = *entry.second;
        if (w.state == Worker::State::Starting)
            next = std::min(next, w.spawnedAt + reliability::kWorkerStartTimeout);
        if (const auto at = revokeAt(w))
            next = std::min(next, *at);
        if (!w.attempt)
            continue;
        if (w.attempt->killAt)
            next = std::min(next, *w.attempt->killAt);
        else if (w.attempt->timeoutAt)
            next = std::min(next, *w.attempt->timeoutAt);
    }
    for (const Slot &slot : slotTable) {
        if (slot.respawnAt)
            next = std::min(next, *slot.respawnAt);
    }
    cron.start(int(millisUntil(next, Clock::now()).count()));
}

// ---------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------

Worker *WorkerSupervisor::Private::findByFence(qint64 fence)
{
    for (auto &entry : workers) {
        Worker &w = *entry.second;
        if (w.attempt && w.attempt->assignment.fence == fence)
            return &w;
    }
    return nullptr;
}

int WorkerSupervisor::Private::countIn(Worker::State state) const
{
    return int(std::count_if(workers.begin(), workers.end(),
                             [state](const auto &entry) { return entry.second->state == state; }));
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

WorkerSupervisor::WorkerSupervisor(Options options, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>(this, std::move(options)))
{
}

WorkerSupervisor::~WorkerSupervisor()
{
    stop();
    d->closeChannel(); // a close deferred by a stop() during a read cannot wait any more
}

bool WorkerSupervisor::start(QString *error)
{
    return d->start(error);
}

void WorkerSupervisor::stop()
{
    d->stop();
}

int WorkerSupervisor::total() const
{
    return d->countIn(Worker::State::Idle) + d->countIn(Worker::State::Busy);
}

int WorkerSupervisor::busy() const
{
    return d->countIn(Worker::State::Busy);
}

int WorkerSupervisor::idle() const
{
    return d->countIn(Worker::State::Idle);
}

int WorkerSupervisor::restarts() const
{
    return d->restarts;
}

bool WorkerSupervisor::dispatch(const WorkerAssignment &assignment)
{
    if (!d->started || d->stopped)
        return false;
    for (const Slot &slot : d->slotTable) {
        const auto it = d->workers.find(slot.worker);
        if (it == d->workers.end() || it->second->state != Worker::State::Idle)
            continue;
        Worker &worker = *it->second;
        if (!d->send(worker, assignmentMessage(WorkerMessageType::Run, assignment))) {
            d->retire(worker.identity, Retirement::Unreachable,
                      QStringLiteral("could not be reached"));
            continue;
        }
        d->beginAttempt(worker, assignment, Clock::now());
        return true;
    }
    return false;
}

int WorkerSupervisor::standbySlots() const
{
    if (!d->started || d->stopped)
        return 0;
    const Clock::time_point now = Clock::now();
    int open = 0;
    for (const auto &entry : d->workers) {
        if (d->takesOffers(*entry.second, now))
            open += d->options.standbyDepth - int(entry.second->offers.size());
    }
    return open;
}

bool WorkerSupervisor::offer(const WorkerAssignment &assignment)
{
    if (!d->started || d->stopped)
        return false;
    const Clock::time_point now = Clock::now();
    // The worker with the shortest line, so that offers spread.
    Worker *best = nullptr;
    for (auto &entry : d->workers) {
        Worker &w = *entry.second;
        if (d->takesOffers(w, now) && (!best || w.offers.size() < best->offers.size()))
            best = &w;
    }
    if (!best)
        return false;
    // A failed send leaves the worker as it was (the caller keeps the job);
    // retiring it here would report its attempt from inside this call.
    if (!d->send(*best, assignmentMessage(WorkerMessageType::Offer, assignment)))
        return false;
    best->offers.push_back(Worker::Offer{assignment, false});
    d->rearm();
    return true;
}

void WorkerSupervisor::revoke(qint64 fence)
{
    if (!d->started || d->stopped)
        return;
    for (auto &entry : d->workers) {
        Worker &w = *entry.second;
        for (Worker::Offer &offer : w.offers) {
            if (offer.assignment.fence != fence || offer.revoked)
                continue;
            WorkerMessage revoke;
            revoke.type = WorkerMessageType::Revoke;
            revoke.fence = fence;
            if (!d->send(w, revoke))
                qCWarning(lcWorkerPool) << "cannot send a revoke to worker" << w.identity;
            offer.revoked = true; // retiring an unreachable worker returns it
            return;
        }
    }
}

bool WorkerSupervisor::isRunning(qint64 fence) const
{
    return d->findByFence(fence) != nullptr;
}

void WorkerSupervisor::cancel(qint64 fence)
{
    if (!d->started || d->stopped)
        return;
    Worker *worker = d->findByFence(fence);
    if (!worker) {
        qCDebug(lcWorkerPool) << "cancel: no attempt with fence" << fence;
        return;
    }
    if (worker->attempt->stop != Attempt::Stop::None)
        return; // already stopping; the first reason and its deadline stand
    d->requestStop(*worker, Attempt::Stop::Cancel, Clock::now());
}

} // namespace jobdesk
