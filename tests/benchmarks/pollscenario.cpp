// Status polls against GET /healthz on the same server, in the same run.

#include "benchoptions.h"
#include "blockinghttpclient.h"
#include "daemonprocess.h"
#include "httploadgenerator.h"
#include "httpresponseparser.h"
#include "scenarios.h"

namespace jobdesk::bench {

namespace {

/// Runs `count` GETs over `connections`, request i being texts[i % size].
HttpLoadResult getRound(const DaemonProcess &daemon, int connections, std::size_t count,
                        const std::vector<std::string> &texts)
{
    HttpLoadGenerator load(
        HttpLoadOptions{daemon.httpHost(), daemon.httpPort(), connections, count, 200},
        [&texts](std::size_t index, std::string &out) { out.assign(texts[index % texts.size()]); });
    return load.run();
}

} // namespace

ScenarioOutcome runHttpPoll(const BenchOptions &options, PeakMemory &peak)
{
    ScenarioOutcome outcome;
    std::unique_ptr<DaemonProcess> daemon = startDaemon(options, 1, &outcome.error);
    if (!daemon)
        return outcome;
    BlockingHttpClient client(daemon->httpHost(), daemon->httpPort(), daemon->token());
    if (!occupyTheWorker(client, &outcome.error))
        return outcome;

    // The jobs to poll: PENDING behind the busy worker, as a client waiting
    // for its job would see them.
    std::vector<std::string> ids(options.pollIds);
    const std::string submit = httpRequestText("POST", "/api/v1/jobs", daemon->httpHost(),
                                               daemon->token(), kNoopSubmitBody);
    HttpLoadGenerator submits(
        HttpLoadOptions{daemon->httpHost(), daemon->httpPort(), options.connections,
                        options.pollIds, 202},
        [&submit](std::size_t, std::string &out) { out.assign(submit); },
        [&ids](std::size_t index, std::string_view body) {
            ids[index] = std::string(firstStringField(body, "id"));
        });
    const HttpLoadResult submitted = submits.run();
    if (submitted.ok != options.pollIds) {
        outcome.error = "cannot submit the jobs to poll: " + submitted.firstProblem;
        return outcome;
    }

    std::vector<std::string> polls;
    polls.reserve(ids.size());
    for (const std::string &id : ids)
        polls.push_back(
            httpRequestText("GET", "/api/v1/jobs/" + id, daemon->httpHost(), daemon->token()));
    // /healthz needs no token; the poll's Authorization check is part of
    // what a poll costs.
    const std::vector<std::string> health{
        httpRequestText("GET", "/healthz", daemon->httpHost(), {})};

    const std::size_t count = options.countFor(QStringLiteral("http-poll"));
    getRound(*daemon, options.connections, kWarmUpRequests, polls);
    getRound(*daemon, options.connections, kWarmUpRequests, health);

    const CpuMeter pollCpu(daemon->pid());
    const HttpLoadResult pollResult = getRound(*daemon, options.connections, count, polls);
    ScenarioFigures pollFigures = figuresOf("http-poll", pollResult);
    pollCpu.fill(pollFigures);

    const CpuMeter healthCpu(daemon->pid());
    const HttpLoadResult healthResult = getRound(*daemon, options.connections, count, health);
    ScenarioFigures healthFigures = figuresOf("http-healthz", healthResult);
    healthCpu.fill(healthFigures);

    outcome.figures = {pollFigures, healthFigures};
    if (!pollResult.firstProblem.empty())
        outcome.warnings.push_back("http-poll: " + pollResult.firstProblem);
    if (!healthResult.firstProblem.empty())
        outcome.warnings.push_back("http-healthz: " + healthResult.firstProblem);
    stopDaemon(*daemon, peak, &outcome.error);
    return outcome;
}

} // namespace jobdesk::bench
