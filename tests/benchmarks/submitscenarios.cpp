// Durable submits: HTTP with 32 connections or one, and ZeroMQ.

#include "benchoptions.h"
#include "blockinghttpclient.h"
#include "daemonprocess.h"
#include "httploadgenerator.h"
#include "scenarios.h"
#include "zmqsubmitload.h"

namespace jobdesk::bench {

namespace {

HttpLoadResult httpSubmits(const DaemonProcess &daemon, int connections, std::size_t count)
{
    const std::string request =
        httpRequestText("POST", "/api/v1/jobs", daemon.httpHost(), daemon.token(), kNoopSubmitBody);
    HttpLoadGenerator load(
        HttpLoadOptions{daemon.httpHost(), daemon.httpPort(), connections, count, 202},
        [&request](std::size_t, std::string &out) { out.assign(request); });
    return load.run();
}

} // namespace

ScenarioOutcome runHttpSubmit(const BenchOptions &options, const std::string &name, int connections,
                              PeakMemory &peak)
{
    ScenarioOutcome outcome;
    std::unique_ptr<DaemonProcess> daemon = startDaemon(options, 1, &outcome.error);
    if (!daemon)
        return outcome;
    BlockingHttpClient client(daemon->httpHost(), daemon->httpPort(), daemon->token());
    if (!occupyTheWorker(client, &outcome.error))
        return outcome;

    const HttpLoadResult warmUp = httpSubmits(*daemon, connections, kWarmUpRequests);
    if (warmUp.ok != kWarmUpRequests) {
        outcome.error = "warm-up submits failed: " + warmUp.firstProblem;
        return outcome;
    }
    const CpuMeter cpu(daemon->pid());
    const HttpLoadResult result =
        httpSubmits(*daemon, connections, options.countFor(QString::fromStdString(name)));
    ScenarioFigures figures = figuresOf(name, result);
    cpu.fill(figures);
    outcome.figures.push_back(figures);
    if (!result.firstProblem.empty())
        outcome.warnings.push_back(name + ": " + result.firstProblem);
    stopDaemon(*daemon, peak, &outcome.error);
    return outcome;
}

ScenarioOutcome runZmqSubmit(const BenchOptions &options, PeakMemory &peak)
{
    ScenarioOutcome outcome;
    std::unique_ptr<DaemonProcess> daemon = startDaemon(options, 1, &outcome.error);
    if (!daemon)
        return outcome;
    BlockingHttpClient client(daemon->httpHost(), daemon->httpPort(), daemon->token());
    if (!occupyTheWorker(client, &outcome.error))
        return outcome;

    ZmqLoadOptions load;
    load.endpoint = daemon->controlEndpoint();
    load.token = daemon->token();
    load.window = options.window;
    load.requests = kWarmUpRequests;
    const ZmqLoadResult warmUp = ZmqSubmitLoad(load).run();
    if (warmUp.ok != kWarmUpRequests) {
        outcome.error = "warm-up submits failed: " + warmUp.firstProblem;
        return outcome;
    }

    load.requests = options.countFor(QStringLiteral("zmq-submit"));
    const CpuMeter cpu(daemon->pid());
    const ZmqLoadResult result = ZmqSubmitLoad(load).run();
    ScenarioFigures figures;
    figures.name = "zmq-submit";
    figures.count = result.ok;
    figures.errors = result.refused + result.lost;
    figures.seconds = result.seconds;
    figures.latency = result.latencies.summary();
    cpu.fill(figures);
    outcome.figures.push_back(figures);
    if (!result.firstProblem.empty())
        outcome.warnings.push_back("zmq-submit: " + result.firstProblem);
    stopDaemon(*daemon, peak, &outcome.error);
    return outcome;
}

} // namespace jobdesk::bench
