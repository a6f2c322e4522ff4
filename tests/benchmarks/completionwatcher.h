#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

namespace jobdesk::bench {

/// Listens to `job.completed` on the events PUB socket from its own thread
/// and notes when each job's completion was announced. PUB may drop
/// messages, so this only tells when to look: the end-to-end scenario
/// confirms every job with a change-feed sweep.
class CompletionWatcher final
{
public:
    using Clock = std::chrono::steady_clock;
    struct Completion
    {
        std::string jobId;
        Clock::time_point at;
    };

    explicit CompletionWatcher(std::string eventsEndpoint);
    ~CompletionWatcher();
    CompletionWatcher(const CompletionWatcher &) = delete;
    CompletionWatcher &operator=(const CompletionWatcher &) = delete;

    void start();
    /// Completions seen so far (thread-safe).
    std::size_t count() const { return m_count.load(); }
    /// When the latest completion was seen (thread-safe).
    Clock::time_point lastAt() const;
    /// Stops listening and hands over everything seen.
    std::vector<Completion> stop();

private:
    void listen();

    std::string m_endpoint;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<std::size_t> m_count{0};
    std::atomic<Clock::rep> m_lastAt{0};
    std::vector<Completion> m_seen; // owned by the thread until stop()
};

} // namespace jobdesk::bench
