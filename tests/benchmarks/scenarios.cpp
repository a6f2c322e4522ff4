#include "scenarios.h"

#include "benchoptions.h"
#include "blockinghttpclient.h"
#include "daemonprocess.h"
#include "httpresponseparser.h"
#include "processprobe.h"

#include <sys/resource.h>
#include <thread>

namespace jobdesk::bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kOccupyTimeout = std::chrono::seconds(30);

} // namespace

void PeakMemory::sample(pid_t daemonPid)
{
    daemonKiB = std::max(daemonKiB, processprobe::peakRssKiB(daemonPid));
    for (pid_t worker : processprobe::children(daemonPid))
        workerKiB = std::max(workerKiB, processprobe::peakRssKiB(worker));
}

std::unique_ptr<DaemonProcess> startDaemon(const BenchOptions &options, int workers,
                                           std::string *error)
{
    auto daemon = std::make_unique<DaemonProcess>(DaemonProcess::Options{
        options.daemonProgram, options.dataParent, workers, options.keepData});
    QString why;
    if (!daemon->start(&why)) {
        *error = why.toStdString();
        return nullptr;
    }
    return daemon;
}

bool stopDaemon(DaemonProcess &daemon, PeakMemory &peak, std::string *error)
{
    peak.sample(daemon.pid());
    QString why;
    if (!daemon.stop(&why)) {
        *error = why.toStdString();
        return false;
    }
    return true;
}

bool occupyTheWorker(BlockingHttpClient &client, std::string *error)
{
    const BlockingHttpClient::Answer submitted = client.postJson(
        "/api/v1/jobs", R"({"kind":"demo.sleep","params":{"duration_s":3600},"timeout_s":7200})");
    if (submitted.status != 202) {
        *error =
            "cannot submit the job that occupies the worker: " +
            (submitted.status ? "HTTP " + std::to_string(submitted.status) + " " + submitted.body
                              : submitted.error);
        return false;
    }
    const std::string id(firstStringField(submitted.body, "id"));
    const Clock::time_point deadline = Clock::now() + kOccupyTimeout;
    while (Clock::now() < deadline) {
        const BlockingHttpClient::Answer polled = client.get("/api/v1/jobs/" + id);
        if (polled.status != 200) {
            *error = "cannot poll the job that occupies the worker: " +
                     (polled.status ? "HTTP " + std::to_string(polled.status) : polled.error);
            return false;
        }
        if (firstStringField(polled.body, "status") == "PROCESSING")
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    *error = "no worker took the job meant to occupy it within 30 s";
    return false;
}

double benchCpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval &t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

CpuMeter::CpuMeter(pid_t daemonPid)
    : m_daemon(daemonPid)
    , m_workers(processprobe::children(daemonPid))
    , m_daemonStart(processprobe::cpuSeconds(daemonPid))
    , m_workersStart(processprobe::cpuSeconds(m_workers))
    , m_benchStart(benchCpuSeconds())
    , m_machineStart(processprobe::machineBusySeconds())
{
}

void CpuMeter::fill(ScenarioFigures &figures) const
{
    figures.daemonCpuS = processprobe::cpuSeconds(m_daemon) - m_daemonStart;
    // Workers respawned meanwhile would be missed: the figure is for a run
    // in which none is (a crash would show in the daemon's log).
    figures.workersCpuS = processprobe::cpuSeconds(m_workers) - m_workersStart;
    figures.benchCpuS = benchCpuSeconds() - m_benchStart;
    figures.othersCpuS =
        std::max(0.0, processprobe::machineBusySeconds() - m_machineStart - figures.daemonCpuS -
                          figures.workersCpuS - figures.benchCpuS);
}

} // namespace jobdesk::bench
