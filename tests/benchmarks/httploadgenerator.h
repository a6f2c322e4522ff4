#pragma once

#include "latencysamples.h"
#include "scenariofigures.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace jobdesk::bench {

struct HttpLoadOptions
{
    std::string host; // a literal address, e.g. "127.0.0.1"
    std::uint16_t port = 0;
    int connections = 32;
    std::size_t requests = 0;
    int expectedStatus = 200;
    /// The whole run is abandoned (and reported) after this long.
    std::chrono::seconds deadline{300};
};

struct HttpLoadResult
{
    std::size_t ok = 0;         // answered with the expected status
    std::size_t unexpected = 0; // answered with another status
    std::size_t lost = 0;       // sent but never answered (connection failure, deadline)
    /// When the first request was sent, and the time from then to the last answer.
    std::chrono::steady_clock::time_point startedAt;
    double seconds = 0;
    LatencySamples latencies; // of every answer, expected or not
    std::string firstProblem; // the first unexpected answer or failure, for the report
};

/// The figures of a load run: what succeeded, what did not, and the latencies.
ScenarioFigures figuresOf(const std::string &name, const HttpLoadResult &result);

/// A closed-loop HTTP/1.1 load generator: `connections` keep-alive TCP
/// connections on one Boost.Asio thread (the caller's), each sending its
/// next request as soon as the previous answer has arrived, until
/// `requests` have been answered. Latency is measured per request, from
/// handing it to the socket to the last byte of its answer.
class HttpLoadGenerator final
{
public:
    /// Writes the full text of request number `index` into `out` (cleared).
    using RequestWriter = std::function<void(std::size_t index, std::string &out)>;
    /// Sees the body of every answer with the expected status.
    using AnswerReader = std::function<void(std::size_t index, std::string_view body)>;

    HttpLoadGenerator(HttpLoadOptions options, RequestWriter writer, AnswerReader reader = {});
    ~HttpLoadGenerator();
    HttpLoadGenerator(const HttpLoadGenerator &) = delete;
    HttpLoadGenerator &operator=(const HttpLoadGenerator &) = delete;

    /// Connects, runs the load to completion and returns its figures.
    HttpLoadResult run();

private:
    struct Run;
    HttpLoadOptions m_options;
    RequestWriter m_writer;
    AnswerReader m_reader;
};

/// The text of a request with the headers every bench request carries.
std::string httpRequestText(std::string_view method, std::string_view target, std::string_view host,
                            std::string_view token, std::string_view jsonBody = {});

} // namespace jobdesk::bench
