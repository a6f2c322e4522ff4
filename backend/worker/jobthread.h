#pragma once

#include "canceltoken.h"
#include "jobrunner.h"
#include "startedmark.h"
#include "workerprotocol.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

namespace jobdesk {

/// The worker's job thread: one long-lived thread that runs the attempts
/// handed to it, one at a time, and reports their progress and end as
/// encoded worker messages on its own inproc PAIR socket. Reusing one thread
/// keeps the per-job cost of a zero-length job to a wake-up, not a spawn.
///
/// Offers wait in line behind the running attempt and start the moment it
/// ends, each announced with a Started message sent after the previous
/// attempt's end. What is running and what waits is decided here, under one
/// lock, so that a withdrawal or a cancel can never miss a job that is just
/// starting.
class JobThread
{
public:
    /// `endpoint` is the inproc address the socket thread has already bound
    /// its PAIR socket to, in `context`.
    JobThread(zmq::context_t &context, std::string endpoint, const JobRunner &runner,
              CancelToken &cancel, StartedMarkWriter &startedMark);
    ~JobThread();

    JobThread(const JobThread &) = delete;
    JobThread &operator=(const JobThread &) = delete;

    void start();
    /// Hands over an attempt to start now. False, and nothing done, when an
    /// attempt runs or offers wait.
    bool run(WorkerMessage run);
    /// Puts an offer in line behind whatever runs or waits.
    void offer(WorkerMessage offer);
    /// Takes back an offer that has not started. False when there is none
    /// with that fence (it started already, or never came).
    bool withdraw(qint64 fence);
    /// Asks the running attempt to stop if it is `fence`.
    void cancel(qint64 fence);
    /// Joins the thread. The caller first calls requestStop() on the cancel
    /// token so that a running job returns promptly.
    void stop();

private:
    void loop();

    zmq::context_t &m_context;
    std::string m_endpoint;
    const JobRunner &m_runner;
    CancelToken &m_cancel; // reset and cancelled under m_mutex
    StartedMarkWriter &m_startedMark;

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<WorkerMessage> m_waiting; // a Run, or offers, in order
    qint64 m_running = 0;                // the fence of the running attempt; 0: none
    std::vector<qint64> m_cancelOnStart; // cancels that came before their attempt started
    bool m_quit = false;
    std::thread m_thread;
};

} // namespace jobdesk
