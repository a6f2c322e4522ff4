#pragma once

#include "latencysamples.h"

#include <chrono>
#include <cstddef>
#include <string>

namespace jobdesk::bench {

struct ZmqLoadOptions
{
    std::string endpoint; // the control ROUTER, e.g. tcp://127.0.0.1:41235
    std::string token;
    std::size_t requests = 0;
    /// Requests in flight at once on the one DEALER socket.
    int window = 64;
    /// The submit fields, as JSON members without braces.
    std::string submitFields = R"("kind":"demo.sleep","params":{"duration_s":0})";
    std::chrono::seconds deadline{300};
};

struct ZmqLoadResult
{
    std::size_t ok = 0;      // replied {"ok": true}
    std::size_t refused = 0; // replied {"ok": false}
    std::size_t lost = 0;    // no reply before the deadline
    double seconds = 0;      // from the first request to the last reply
    LatencySamples latencies;
    std::string firstProblem;
};

/// Durable submits over the control channel: one DEALER socket keeps
/// `window` `submit` requests in flight (the ROUTER answers each after the
/// commit that holds it, out of order) until `requests` are answered.
/// Latency is per request, from send to reply.
class ZmqSubmitLoad final
{
public:
    explicit ZmqSubmitLoad(ZmqLoadOptions options);
    ZmqLoadResult run();

private:
    ZmqLoadOptions m_options;
};

} // namespace jobdesk::bench
