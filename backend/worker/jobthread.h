#pragma once

#include "canceltoken.h"
#include "jobrunner.h"
#include "workerprotocol.h"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <zmq.hpp>

namespace jobdesk {

/// The worker's job thread: one long-lived thread that runs the attempts
/// handed to it, one at a time, and reports their progress and end as
/// encoded worker messages on its own inproc PAIR socket. Reusing one thread
/// keeps the per-job cost of a zero-length job to a wake-up, not a spawn.
class JobThread
{
public:
    /// `endpoint` is the inproc address the socket thread has already bound
    /// its PAIR socket to, in `context`.
    JobThread(zmq::context_t &context, std::string endpoint, const JobRunner &runner,
              const CancelToken &cancel);
    ~JobThread();

    JobThread(const JobThread &) = delete;
    JobThread &operator=(const JobThread &) = delete;

    void start();
    /// Hands over the next attempt. The caller tracks busy-ness: one at a time.
    void submit(WorkerMessage run);
    /// Joins the thread. The caller first calls requestStop() on the cancel
    /// token so that a running job returns promptly.
    void stop();

private:
    void loop();

    zmq::context_t &m_context;
    std::string m_endpoint;
    const JobRunner &m_runner;
    const CancelToken &m_cancel;

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::optional<WorkerMessage> m_next;
    bool m_quit = false;
    std::thread m_thread;
};

} // namespace jobdesk
