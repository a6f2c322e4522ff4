#pragma once

#include "job.h"

#include <QJsonObject>
#include <QObject>
#include <QString>
#include <chrono>
#include <memory>
#include <optional>

namespace jobdesk {

/// A job handed to a worker for one attempt.
struct WorkerAssignment
{
    QString jobId;
    qint64 fence = 0; // the dispatch's fencing number
    QString kind;
    QJsonObject params;
    int timeoutS = 0;
    int attempt = 0;
    QByteArray paramsJson; // `params` as compact JSON, if known: sent as is
};

/// How an attempt ended, as the supervisor saw it.
struct WorkerOutcome
{
    enum class Kind
    {
        Done,      // the job produced its result
        Failed,    // the job reported an error (error.code says which)
        Crashed,   // the worker died or stopped heartbeating mid-attempt (worker_crashed)
        TimedOut,  // timeout_s passed; the attempt was stopped (code timeout)
        Cancelled, // stopped after a cancel, cooperatively or by force
        Lost,      // it ended, but its worker died before the end was read: no fault of the job
    };
    Kind kind = Kind::Failed;
    JobError error;         // Failed, Crashed, TimedOut, Cancelled
    bool retryable = false; // Failed: whether the job said a retry may help
    ResultInfo result;      // Done
    QByteArray inlineData;  // Done: small result bytes
    QString resultFile;     // Done: large result, a file name in the results folder
    QString stderrTail;     // the end of what the job wrote on stderr (admin programs)
};

/// Starts and supervises the jobdesk-worker processes: direct children that
/// die with the backend (PR_SET_PDEATHSIG), each in its own process group,
/// talking over a private ROUTER/DEALER channel with READY and heartbeats.
/// A worker that exits or falls silent is replaced; its attempt is reported
/// as Crashed. Enforces each attempt's timeout and, after a cancel, kills the
/// worker's process group once the grace period has passed.
///
/// Offers (prefetch): a worker whose attempt started less than
/// Options::standbyWindow ago, and whose previous attempt was as short, may
/// hold up to Options::standbyDepth offers that it starts by itself, in
/// order, the moment its attempt ends: short jobs then run back to back
/// instead of one per round trip. An offer still waiting when the window
/// has passed is revoked, so a long attempt never holds other jobs hostage.
/// Every offer ends in exactly one `started` or `returned`.
///
/// Lives on the main thread (QProcess and the ZeroMQ notifier need its loop).
class WorkerSupervisor : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString workerProgram; // path of jobdesk-worker
        int workers = 2;
        /// How much nicer than the backend the workers run (0 to 19), so
        /// that a busy job never slows the answers to clients.
        int niceness = 0;
        QString runtimeDir;  // a 0700 folder for the private ipc:// endpoint
        QString resultsDir;  // where workers write result files
        QString epoch;       // this backend run, passed to each worker
        QString catalogFile; // the kinds and input roots (--catalog); empty: the worker's defaults
        std::chrono::milliseconds cancelGrace{5000};
        /// Offers a busy worker may hold; 0 turns offers off.
        int standbyDepth = 16;
        /// How long an attempt may have run and still have offers waiting
        /// behind it.
        std::chrono::milliseconds standbyWindow{20};
    };

    explicit WorkerSupervisor(Options options, QObject *parent = nullptr);
    ~WorkerSupervisor() override;

    /// Binds the worker channel and spawns the workers.
    bool start(QString *error);
    /// Kills every worker and waits for them; pending attempts are not reported.
    void stop();

    int total() const;
    int busy() const;
    /// Workers that said READY and run nothing.
    int idle() const;
    /// How many times workers have been replaced after dying.
    int restarts() const;

    /// Hands an attempt to an idle worker. False when none is idle.
    bool dispatch(const WorkerAssignment &assignment);
    /// How many offers busy workers would take now.
    int standbySlots() const;
    /// Queues a job on a busy worker, to start when its attempt ends. The
    /// job is not running: `started` says when it is, `returned` if it never
    /// will be. False when no worker takes offers now.
    bool offer(const WorkerAssignment &assignment);
    /// Asks for an offer back. Whichever comes first wins: `returned` if the
    /// worker had not started it, `started` if it had. Unknown fences are
    /// ignored.
    void revoke(qint64 fence);
    /// Asks the worker running `fence` to stop; kills it after the grace
    /// period if it does not. Unknown fences are ignored.
    void cancel(qint64 fence);
    /// Whether a worker still runs the attempt `fence`: false once its end
    /// has been read (and `finished` emitted), or if it never ran.
    bool isRunning(qint64 fence) const;

Q_SIGNALS:
    /// A worker became idle (READY after a spawn, or an attempt ended).
    void workerAvailable();
    void progress(const QString &jobId, qint64 fence, std::optional<double> progress,
                  const QString &message);
    /// Exactly once per dispatched attempt (unless stop() came first).
    void finished(const QString &jobId, qint64 fence, const jobdesk::WorkerOutcome &outcome);
    /// An offer became the worker's running attempt; `finished` follows.
    void started(const QString &jobId, qint64 fence);
    /// An offer that will not run (again), and whose running left nothing:
    /// revoked, or its worker died (an offer the worker died in is
    /// `started` and `finished` Crashed instead).
    void returned(const QString &jobId, qint64 fence);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace jobdesk
