#pragma once

#include "jobrunner.h"
#include "reliability.h"
#include "workerprotocol.h"

#include <QByteArray>
#include <QString>
#include <chrono>
#include <string>
#include <zmq.hpp>

namespace jobdesk {

/// The worker's socket thread: owns the DEALER socket to the backend, says
/// READY, heartbeats both ways (Paranoid Pirate), hands Run and Offer
/// messages to the job thread, gives back revoked offers that have not
/// started, passes Cancel on, and forwards what the job thread reports. A CPU-bound job never
/// delays a heartbeat because the job runs on the other thread.
class WorkerLoop
{
public:
    struct Options
    {
        std::string endpoint;
        QByteArray identity; // the DEALER's routing id, as the backend named this worker
        QString secret;      // proves to the backend that this process is the one it spawned
        QString startedFile; // where each attempt's fence is marked as it starts; may be empty
        std::chrono::milliseconds heartbeatInterval = reliability::kHeartbeatInterval;
        int heartbeatLiveness = reliability::kHeartbeatLiveness;
    };

    /// Exit codes of run().
    enum ExitCode
    {
        Stopped = 0,       // stop signal received
        ChannelError = 2,  // the endpoint cannot be used
        BackendSilent = 3, // no word from the backend for liveness x interval
    };

    WorkerLoop(Options options, const JobRunner &runner);

    /// Runs until `stopFd` becomes readable (a signalfd for SIGTERM/SIGINT)
    /// or the backend falls silent. Returns an ExitCode.
    int run(int stopFd);

private:
    bool sendToBackend(zmq::socket_t &dealer, const WorkerMessage &message);
    bool sendFrame(zmq::socket_t &dealer, const QByteArray &frame);

    Options m_options;
    const JobRunner &m_runner;
};

} // namespace jobdesk
