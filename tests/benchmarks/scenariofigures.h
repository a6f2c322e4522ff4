#pragma once

#include "latencysamples.h"

#include <cstddef>
#include <string>
#include <vector>

namespace jobdesk::bench {

/// The figures of one measured run of one scenario: what the bench prints.
struct ScenarioFigures
{
    std::string name;
    std::size_t count = 0;  // operations that succeeded
    std::size_t errors = 0; // operations that failed or got an unexpected answer
    double seconds = 0;
    LatencySummary latency;
    bool hasLatency = true;
    /// CPU time (user + system, seconds) spent during the measurement by
    /// jobdeskd, by its workers together, and by the bench itself; negative
    /// when not measured.
    double daemonCpuS = -1;
    double workersCpuS = -1;
    double benchCpuS = -1;
    /// CPU time the rest of the machine used meanwhile (other programs,
    /// steal): a busy machine makes every figure here lower.
    double othersCpuS = -1;

    double rate() const { return seconds > 0 ? static_cast<double>(count) / seconds : 0; }
    /// One line: count, time, rate, latency percentiles, CPU.
    std::string format() const;
};

/// Field by field medians of several runs of the same scenario (the errors
/// are summed, so a failure in any run shows).
ScenarioFigures medianOf(const std::vector<ScenarioFigures> &runs);

} // namespace jobdesk::bench
