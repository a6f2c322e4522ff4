#pragma once

#include "scenariofigures.h"

#include <chrono>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace jobdesk::bench {

struct BenchOptions;
class DaemonProcess;
class BlockingHttpClient;

/// What one run of a scenario produced: its lines of figures, or why it
/// could not be measured.
struct ScenarioOutcome
{
    std::vector<ScenarioFigures> figures;
    std::vector<std::string> warnings; // e.g. the first unexpected answer
    std::string error;                 // set when the scenario could not run
};

/// The highest peak RSS (VmHWM) seen across daemon runs, sampled just
/// before each daemon is stopped.
struct PeakMemory
{
    long daemonKiB = -1;
    long workerKiB = -1; // the largest single worker process
    void sample(pid_t daemonPid);
};

// --- the scenarios (each against its own fresh jobdeskd) -------------------

/// No jobdeskd: SQLite alone with the store's durability (WAL,
/// synchronous=FULL) in the data parent, one-row commits then 100-row
/// commits, 3 s each: lines "sqlite-commit-1" and "sqlite-commit-100"
/// (rows/s; latency per commit). The yardstick for the durable figures.
ScenarioOutcome runSqliteBaseline(const BenchOptions &options);
/// One second of one-row SQLite commits (as in sqlite-baseline): the
/// "disk-probe" line printed before each jobdeskd scenario, because the
/// fsync latency of a shared virtual disk changes from minute to minute.
ScenarioFigures probeDisk(const BenchOptions &options, std::string *error);

/// Durable submits over HTTP, `connections` at a time (32, or 1 for the
/// one-at-a-time latency figure).
ScenarioOutcome runHttpSubmit(const BenchOptions &options, const std::string &name, int connections,
                              PeakMemory &peak);
/// Durable submits over the ZeroMQ control channel, a window in flight.
ScenarioOutcome runZmqSubmit(const BenchOptions &options, PeakMemory &peak);
/// Status polls of existing jobs and GET /healthz on the same server, in
/// the same run: lines "http-poll" and "http-healthz".
ScenarioOutcome runHttpPoll(const BenchOptions &options, PeakMemory &peak);
/// No-op jobs from first submit to last completion: lines "e2e" and
/// "e2e-submits".
ScenarioOutcome runEndToEnd(const BenchOptions &options, PeakMemory &peak);

// --- shared by the scenario files ------------------------------------------

/// Starts a fresh jobdeskd with `workers` workers.
std::unique_ptr<DaemonProcess> startDaemon(const BenchOptions &options, int workers,
                                           std::string *error);
/// Samples its peak memory, then stops it cleanly.
bool stopDaemon(DaemonProcess &daemon, PeakMemory &peak, std::string *error);
/// Submits one hour-long demo.sleep and waits until a worker runs it, so
/// that with `--workers 1` every later job stays PENDING: submit and poll
/// figures then measure the store and the API, not execution.
bool occupyTheWorker(BlockingHttpClient &client, std::string *error);

/// CPU time used by jobdeskd, its workers, the bench and everything else on
/// the machine between two points.
class CpuMeter final
{
public:
    explicit CpuMeter(pid_t daemonPid);
    /// Fills the CPU fields of `figures` with what was used since construction.
    void fill(ScenarioFigures &figures) const;

private:
    pid_t m_daemon;
    std::vector<pid_t> m_workers;
    double m_daemonStart = 0;
    double m_workersStart = 0;
    double m_benchStart = 0;
    double m_machineStart = 0;
};

/// The CPU seconds (user + system) the bench process has used.
double benchCpuSeconds();

/// Requests sent before a measurement starts, so that connections, the
/// store's statement cache and the worker are warm.
inline constexpr std::size_t kWarmUpRequests = 500;

/// The body of a no-op submit.
inline constexpr const char *kNoopSubmitBody = R"({"kind":"demo.sleep","params":{"duration_s":0}})";

} // namespace jobdesk::bench
