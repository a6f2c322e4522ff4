#pragma once

#include "workerprotocol.h"

#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <memory>
#include <optional>
#include <zmq.hpp>

/// The real jobdesk-worker as a child process, with the harness playing the
/// backend on a ROUTER socket (heartbeats included), so a test or the
/// benchmark can run one job in a real worker and read its peak memory.
class WorkerHarness
{
public:
    WorkerHarness();
    ~WorkerHarness();

    static QString workerProgram();

    /// Starts the worker with `catalogFile` (--catalog; empty for none) and
    /// waits for READY. False (with errorText()) when it did not come up.
    bool start(const QString &catalogFile);
    /// Sends a Run and waits up to `timeoutMs` for its Done or Failed,
    /// heartbeating meanwhile. nullopt on timeout or when the worker died.
    /// `onProgress` sees every progress message.
    std::optional<jobdesk::WorkerMessage>
    run(const QString &kind, const QJsonObject &params, int timeoutMs,
        const std::function<void(const jobdesk::WorkerMessage &)> &onProgress = {});
    /// Asks the running job to stop (as the backend does on cancel).
    void cancel();
    /// The worker's peak resident memory so far (VmHWM), in bytes.
    qint64 peakRssBytes() const;
    qint64 pid() const;
    QString resultsDir() const { return m_dir.path(); }
    QString errorText() const { return m_error; }

private:
    std::optional<jobdesk::WorkerMessage> receive(int timeoutMs);
    void send(const jobdesk::WorkerMessage &message);

    QTemporaryDir m_dir;
    zmq::context_t m_context;
    std::unique_ptr<zmq::socket_t> m_router;
    std::unique_ptr<QProcess> m_worker;
    QByteArray m_identity = "0-1";
    qint64 m_fence = 0;
    QString m_error;
};
