// End to end: no-op jobs from the first submit until the last is COMPLETED.

#include "benchoptions.h"
#include "blockinghttpclient.h"
#include "completionwatcher.h"
#include "daemonprocess.h"
#include "httploadgenerator.h"
#include "httpresponseparser.h"
#include "scenarios.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <map>
#include <thread>
#include <unordered_map>

namespace jobdesk::bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kWarmUpJobs = 20;
constexpr int kFeedPageLimit = 1000;
// PUB may drop: once no completion has been announced for this long, the
// change feed decides.
constexpr auto kQuietPeriod = std::chrono::seconds(2);
constexpr auto kCompletionDeadline = std::chrono::seconds(600);

/// The change feed, followed from a rev: the latest status of every job
/// that changed.
class ChangeFeed final
{
public:
    explicit ChangeFeed(BlockingHttpClient &client)
        : m_client(client)
    {
    }

    /// Reads every change since the last sweep.
    bool sweep(std::string *error)
    {
        for (;;) {
            const BlockingHttpClient::Answer answer =
                m_client.get("/api/v1/jobs?changed_since=" + std::to_string(m_rev) +
                             "&limit=" + std::to_string(kFeedPageLimit));
            if (answer.status != 200) {
                *error =
                    "change feed: " +
                    (answer.status ? "HTTP " + std::to_string(answer.status) + " " + answer.body
                                   : answer.error);
                return false;
            }
            const QJsonObject page =
                QJsonDocument::fromJson(QByteArray::fromStdString(answer.body)).object();
            const QJsonArray items = page.value(QStringLiteral("items")).toArray();
            for (const QJsonValue &item : items) {
                const QJsonObject o = item.toObject();
                m_status[o.value(QStringLiteral("id")).toString().toStdString()] =
                    o.value(QStringLiteral("deleted")).toBool()
                        ? std::string("DELETED")
                        : o.value(QStringLiteral("status")).toString().toStdString();
            }
            m_rev = page.value(QStringLiteral("rev")).toInteger(m_rev);
            if (!page.value(QStringLiteral("more")).toBool())
                return true;
        }
    }

    /// How many of `ids` are in `status`.
    std::size_t countIn(const std::vector<std::string> &ids, const std::string &status) const
    {
        std::size_t n = 0;
        for (const std::string &id : ids) {
            auto it = m_status.find(id);
            n += it != m_status.end() && it->second == status;
        }
        return n;
    }

    /// "COMPLETED=9998 PROCESSING=2": the statuses of `ids`.
    std::string tally(const std::vector<std::string> &ids) const
    {
        std::map<std::string, std::size_t> byStatus;
        for (const std::string &id : ids) {
            auto it = m_status.find(id);
            ++byStatus[it == m_status.end() ? std::string("UNSEEN") : it->second];
        }
        std::string out;
        for (const auto &[status, n] : byStatus)
            out += (out.empty() ? "" : " ") + status + '=' + std::to_string(n);
        return out;
    }

private:
    BlockingHttpClient &m_client;
    qint64 m_rev = 0;
    std::unordered_map<std::string, std::string> m_status;
};

/// Sweeps until every one of `ids` is COMPLETED, or nothing changes for
/// `quiet`, or `deadline`. Returns when it confirmed, or nullopt.
std::optional<Clock::time_point> confirmCompleted(ChangeFeed &feed,
                                                  const std::vector<std::string> &ids,
                                                  Clock::time_point deadline, std::string *error)
{
    std::size_t lastDone = 0;
    Clock::time_point lastChange = Clock::now();
    for (;;) {
        if (!feed.sweep(error))
            return std::nullopt;
        const Clock::time_point now = Clock::now();
        const std::size_t done = feed.countIn(ids, "COMPLETED");
        if (done == ids.size())
            return now;
        if (done != lastDone) {
            lastDone = done;
            lastChange = now;
        } else if (now - lastChange > std::chrono::seconds(30) || now > deadline) {
            *error = "jobs did not all complete: " + feed.tally(ids);
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

HttpLoadResult submitNoops(const DaemonProcess &daemon, int connections, std::size_t count,
                           std::vector<Clock::time_point> &sentAt, std::vector<std::string> &ids)
{
    const std::string request =
        httpRequestText("POST", "/api/v1/jobs", daemon.httpHost(), daemon.token(), kNoopSubmitBody);
    sentAt.assign(count, {});
    ids.assign(count, {});
    HttpLoadGenerator load(
        HttpLoadOptions{daemon.httpHost(), daemon.httpPort(), connections, count, 202},
        [&](std::size_t index, std::string &out) {
            sentAt[index] = Clock::now();
            out.assign(request);
        },
        [&](std::size_t index, std::string_view body) {
            ids[index] = std::string(firstStringField(body, "id"));
        });
    return load.run();
}

} // namespace

ScenarioOutcome runEndToEnd(const BenchOptions &options, PeakMemory &peak)
{
    ScenarioOutcome outcome;
    std::unique_ptr<DaemonProcess> daemon = startDaemon(options, options.workers, &outcome.error);
    if (!daemon)
        return outcome;
    BlockingHttpClient client(daemon->httpHost(), daemon->httpPort(), daemon->token());
    ChangeFeed feed(client);

    CompletionWatcher watcher(daemon->eventsEndpoint());
    watcher.start();
    // A subscription takes a moment to reach the publisher ("slow joiner");
    // the warm-up below gives it that moment, and anything missed is found
    // by the change feed anyway.
    std::vector<Clock::time_point> sentAt;
    std::vector<std::string> ids;
    const HttpLoadResult warmUp = submitNoops(*daemon, 4, kWarmUpJobs, sentAt, ids);
    if (warmUp.ok != kWarmUpJobs) {
        outcome.error = "warm-up submits failed: " + warmUp.firstProblem;
        return outcome;
    }
    // Also proves that the workers are up before the clock starts.
    if (!confirmCompleted(feed, ids, Clock::now() + std::chrono::seconds(60), &outcome.error))
        return outcome;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const std::size_t announcedBefore = watcher.count();

    const std::size_t count = options.countFor(QStringLiteral("e2e"));
    const CpuMeter cpu(daemon->pid());
    const HttpLoadResult submitted = submitNoops(*daemon, options.connections, count, sentAt, ids);

    // Wait for the announcements, then let the change feed confirm.
    const Clock::time_point deadline = Clock::now() + kCompletionDeadline;
    std::size_t seen = watcher.count();
    Clock::time_point lastSeenAt = Clock::now();
    while (watcher.count() - announcedBefore < submitted.ok && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        if (watcher.count() != seen) {
            seen = watcher.count();
            lastSeenAt = Clock::now();
        } else if (Clock::now() - lastSeenAt > kQuietPeriod) {
            break;
        }
    }
    ScenarioFigures e2e;
    e2e.name = "e2e";
    cpu.fill(e2e);

    std::vector<std::string> submittedIds;
    for (const std::string &id : ids) {
        if (!id.empty())
            submittedIds.push_back(id);
    }
    std::string feedError;
    const std::optional<Clock::time_point> confirmedAt =
        confirmCompleted(feed, submittedIds, deadline, &feedError);
    const std::vector<CompletionWatcher::Completion> announced = watcher.stop();

    // The end: the last announced completion when every job was announced
    // (the feed confirming it), else when the feed confirmed it.
    std::unordered_map<std::string, Clock::time_point> announcedAt;
    for (const CompletionWatcher::Completion &c : announced)
        announcedAt.emplace(c.jobId, c.at);
    LatencySamples latencies;
    latencies.reserve(count);
    Clock::time_point lastAnnounced = submitted.startedAt;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto it = announcedAt.find(ids[i]);
        if (ids[i].empty() || it == announcedAt.end())
            continue;
        latencies.add(it->second - sentAt[i]);
        lastAnnounced = std::max(lastAnnounced, it->second);
    }
    const bool allAnnounced = latencies.size() == submittedIds.size();
    const Clock::time_point end = allAnnounced || !confirmedAt ? lastAnnounced : *confirmedAt;

    e2e.count = feed.countIn(submittedIds, "COMPLETED");
    e2e.errors = count - e2e.count;
    e2e.seconds = std::chrono::duration<double>(end - submitted.startedAt).count();
    e2e.latency = latencies.summary();
    outcome.figures.push_back(e2e);
    if (!allAnnounced) {
        outcome.warnings.push_back(
            "e2e: " + std::to_string(submittedIds.size() - latencies.size()) +
            " completions were not announced on the events socket (PUB "
            "drops); the end time is when the change feed confirmed them "
            "and the latency covers the announced ones");
    }
    if (!feedError.empty())
        outcome.warnings.push_back("e2e: " + feedError);

    ScenarioFigures submits;
    submits.name = "e2e-submits";
    submits.count = submitted.ok;
    submits.errors = submitted.unexpected + submitted.lost;
    submits.seconds = submitted.seconds;
    submits.latency = submitted.latencies.summary();
    outcome.figures.push_back(submits);
    if (!submitted.firstProblem.empty())
        outcome.warnings.push_back("e2e-submits: " + submitted.firstProblem);

    stopDaemon(*daemon, peak, &outcome.error);
    return outcome;
}

} // namespace jobdesk::bench
