#pragma once

#include "daemonconfig.h"

#include <QLockFile>
#include <QObject>
#include <QString>

#include <zmq.hpp>

#include <memory>

namespace jobdesk {

class ApiMetrics;
class ControlChannel;
class EventPublisher;
class HttpApi;
class HttpServer;
class JobService;
class JobStore;
class LongPollWaiters;
class WebhookDispatcher;
class WorkerSupervisor;

/// One run of jobdeskd: owns the store, the workers, the job service and the
/// three channels, starts them in dependency order and stops them in
/// reverse, so no answer is sent for a write that was not committed.
class Daemon : public QObject
{
    Q_OBJECT
public:
    explicit Daemon(DaemonConfig config, QObject *parent = nullptr);
    ~Daemon() override;

    /// Locks the data dir, opens the store, starts workers and binds every
    /// channel. On failure `exitCode` is 2 for a usage problem (another
    /// daemon holds the data dir, a bad address) and 1 otherwise.
    bool start(QString *error, int *exitCode);
    /// The `READY ...` line with the bound addresses.
    QString readyLine() const;
    /// Graceful stop (SIGTERM): stops accepting, lets running attempts finish
    /// within the grace period, requeues the rest, then stops and emits
    /// stopped().
    void shutdown();
    /// Stops at once: commits what is queued, stops workers. Idempotent.
    void stop();

Q_SIGNALS:
    void stopped();

private:
    DaemonConfig m_config;
    QString m_epoch;
    std::unique_ptr<QLockFile> m_lock;
    zmq::context_t m_zmq;
    std::unique_ptr<JobStore> m_store;
    std::unique_ptr<WorkerSupervisor> m_workers;
    std::unique_ptr<JobService> m_service;
    std::unique_ptr<EventPublisher> m_events;
    std::unique_ptr<ControlChannel> m_control;
    std::shared_ptr<ApiMetrics> m_metrics;
    std::unique_ptr<LongPollWaiters> m_longPolls;
    std::unique_ptr<WebhookDispatcher> m_webhooks;
    std::unique_ptr<HttpApi> m_httpApi;
    std::unique_ptr<HttpServer> m_http;
    QString m_httpAddress;
    bool m_stopped = false;
};

} // namespace jobdesk
