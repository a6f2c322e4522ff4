#pragma once

#include <sys/types.h>
#include <vector>

namespace jobdesk::bench {

/// What /proc says about a process (Linux only, like the benchmark figures).
namespace processprobe {

/// User + system CPU time in seconds, or -1 when the process is gone.
double cpuSeconds(pid_t pid);
/// Peak resident set size (VmHWM) in KiB, or -1 when unknown.
long peakRssKiB(pid_t pid);
/// The direct children of `pid` (every thread's children list).
std::vector<pid_t> children(pid_t pid);
/// The summed CPU seconds of a set of processes (those gone count 0).
double cpuSeconds(const std::vector<pid_t> &pids);
/// CPU seconds the whole machine has spent busy (all CPUs, /proc/stat:
/// everything but idle and iowait), to tell what other processes used.
double machineBusySeconds();

} // namespace processprobe

} // namespace jobdesk::bench
