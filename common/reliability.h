#pragma once

#include <QtGlobal>
#include <chrono>
#include <cstddef>

// Every timing and size that decides when Jobdesk gives up on a peer lives
// here, named with its unit, so the protocol's behaviour can be read in one
// place (the zguide keeps its Paranoid Pirate numbers together the same way).
namespace jobdesk::reliability {

using namespace std::chrono_literals;

// Backend <-> worker heartbeating (Paranoid Pirate).
inline constexpr std::chrono::milliseconds kHeartbeatInterval = 1000ms;
// Heartbeats a peer may miss before it is declared dead.
inline constexpr int kHeartbeatLiveness = 5;
// A spawned worker that has not said READY by then is killed and replaced.
inline constexpr std::chrono::milliseconds kWorkerStartTimeout = 10s;
// After a cooperative cancel or a timeout, how long a job gets to stop
// before its worker's process group is killed.
inline constexpr std::chrono::milliseconds kCancelGracePeriod = 5s;
// Respawn backoff for a worker slot that keeps crashing.
inline constexpr std::chrono::milliseconds kRespawnBackoffBase = 100ms;
inline constexpr std::chrono::milliseconds kRespawnBackoffCap = 10s;

// Lazy Pirate (GUI client): reply timeout and bounded resends.
inline constexpr std::chrono::milliseconds kRequestTimeout = 2500ms;
inline constexpr int kRequestRetries = 3;

// Progress updates from one job are written and published at most this often.
inline constexpr std::chrono::milliseconds kProgressThrottle = 200ms;

// Sizes.
inline constexpr std::size_t kMaxMessageBytes = 1024 * 1024;   // ZeroMQ frames from outside
inline constexpr std::size_t kMaxHttpBodyBytes = 1024 * 1024;  // answered 413 at header time
inline constexpr std::size_t kMaxHttpHeaderBytes = 16 * 1024;
inline constexpr std::size_t kInlineResultMaxBytes = 64 * 1024; // larger results become files
inline constexpr int kMaxJsonDepth = 32;

// HTTP connections.
inline constexpr std::chrono::seconds kHttpIdleTimeout = 30s;
inline constexpr std::chrono::seconds kHttpHeaderTimeout = 10s;
inline constexpr int kHttpMaxConnections = 1024;

// Graceful stop: how long running attempts may finish before being requeued.
inline constexpr std::chrono::milliseconds kShutdownGracePeriod = 10s;

// Defaults for jobs.
inline constexpr int kDefaultMaxAttempts = 3;
inline constexpr int kDefaultTimeoutS = 300;
inline constexpr int kMaxTimeoutS = 7 * 24 * 3600;
inline constexpr int kMaxAttemptsLimit = 100;
inline constexpr int kMinPriority = -100;
inline constexpr int kMaxPriority = 100;

// Listing.
inline constexpr int kDefaultListLimit = 50;
inline constexpr int kMaxListLimit = 1000;
/// A list or change-feed page also ends once its jobs come to about this
/// many bytes of JSON (a job's params alone may be 1 MiB): at least one job
/// is always returned, and the cursor or `rev` goes on from the last.
inline constexpr qsizetype kMaxListPageBytes = 8 * 1024 * 1024;

} // namespace jobdesk::reliability
