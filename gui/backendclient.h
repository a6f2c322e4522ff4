#pragma once

#include "apierror.h"
#include "connectionconfig.h"
#include "job.h"

#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <zmq.hpp>

namespace jobdesk {

class ZmqSocketNotifier;

enum class ConnectionState
{
    Disconnected, // connectTo() not called
    Connecting,   // first ping under way
    Connected,
    Reconnecting, // a request timed out; resending on a fresh socket
    Offline,      // retries exhausted; probing with a ping now and then
};

/// What the backend said about itself in its last `ping` reply.
struct BackendInfo
{
    QString version;
    QString epoch;
    QString httpBase; // http://HOST:PORT
    QString eventsEndpoint;
    bool authRequired = false;
};

/// The GUI's connection to jobdeskd: a REQ socket for requests and a SUB
/// socket for events, both on the GUI thread behind ZmqSocketNotifiers. Never
/// blocks: sends and receives are non-blocking, and a timer bounds every wait.
///
/// Requests go out one at a time (REQ) in the order they were made. A request
/// whose reply does not come within the timeout is resent on a fresh socket
/// (the zguide's Lazy Pirate: close with linger 0, reopen, resend), with
/// backoff, a bounded number of times; then the client is Offline, fails the
/// queue, and pings now and then until the backend answers again. A resent
/// `submit` carries the same idempotency_key; a `conflict` to it (the first
/// copy is still being stored) is asked again later, a bounded number of
/// times. A refused ping (e.g. a wrong token) is Offline too, and probed.
class BackendClient final : public QObject
{
    Q_OBJECT
public:
    /// The reply's fields (without "ok" and "id"), or the error.
    using ReplyHandler = std::function<void(const Result<QJsonObject> &reply)>;
    /// The largest reply or event the client reads. Far above the contract's
    /// 1 MiB (reliability::kMaxMessageBytes), which bounds what the backend
    /// reads from outside: replies come from our own backend and are not
    /// size-bounded (a `list` page of jobs with large params).
    static constexpr int64_t kMaxReplyBytes = 64 * 1024 * 1024;

    explicit BackendClient(QObject *parent = nullptr);
    ~BackendClient() override;

    /// (Re)connects to a backend and pings it. Requests still waiting for
    /// the previous backend fail.
    void connectTo(const ConnectionConfig &config);
    void disconnectFromBackend();

    /// Queues `{"op": op, ...fields}`. The handler runs later, on this
    /// thread, exactly once, unless `context` has been destroyed by then.
    void request(const QString &op, QJsonObject fields, QObject *context, ReplyHandler handler);
    /// A `submit` with a fresh idempotency_key (unless `fields` has one).
    void submit(QJsonObject fields, QObject *context, ReplyHandler handler);

    ConnectionState state() const { return m_state; }
    const BackendInfo &info() const { return m_info; }
    const ConnectionConfig &config() const { return m_config; }
    /// "http://HOST:PORT": the configured address, else the one ping gave.
    QString httpBase() const;
    /// The API token from the token file; re-read while it is missing.
    QString token();
    /// Why the client is Offline (or the last request failed).
    QString lastError() const { return m_lastError; }

    /// Lazy Pirate timing (reliability.h by default); tests shorten it.
    void setRequestTimeout(std::chrono::milliseconds timeout) { m_requestTimeout = timeout; }
    void setRetries(int retries) { m_retries = retries; }
    void setProbeInterval(std::chrono::milliseconds first, std::chrono::milliseconds max);

Q_SIGNALS:
    void stateChanged(jobdesk::ConnectionState state);
    /// A ping succeeded after connectTo() or after being Offline.
    void connected(const jobdesk::BackendInfo &info);
    /// One message from the events channel (topic "job.state", ...).
    void jobEvent(const QString &topic, const jobdesk::Job &job);
    /// Events were lost (a seq gap) or the backend restarted (a new epoch):
    /// whoever mirrors the backend should poll now.
    void resyncNeeded();

private:
    struct Request
    {
        quint64 id = 0;
        QString op;
        QJsonObject fields;
        QPointer<QObject> context;
        bool hasContext = false;
        ReplyHandler handler;
        int attempts = 0;
        int maxAttempts = 1;
        bool tokenReloaded = false;
        int conflictResends = 0;
    };
    /// How often a resent `submit` answered `conflict` is asked again.
    static constexpr int kMaxConflictResends = 5;

    /// The "id" a request is sent with and its reply must echo.
    static QJsonValue echoedId(const Request &request);
    void enqueue(Request request);
    void sendNext();
    void transmit();
    void onRequestTimeout();
    void onReplyReadable();
    void onEventReadable();
    void finish(Request request, Result<QJsonObject> result);
    void pingNow(int maxAttempts);
    void onPingReply(const Result<QJsonObject> &reply);
    void onPingRefused(const ApiError &error);
    void goOffline(const QString &why);
    void failAll(const ApiError &error);
    void setState(ConnectionState state);
    bool openRequestSocket();
    void closeRequestSocket();
    void subscribe(const QString &endpoint);
    void closeEventSocket();

    ConnectionConfig m_config;
    BackendInfo m_info;
    ConnectionState m_state = ConnectionState::Disconnected;
    QString m_token;
    QString m_lastError;

    zmq::context_t m_zmq;
    std::unique_ptr<zmq::socket_t> m_req;
    std::unique_ptr<ZmqSocketNotifier> m_reqNotifier;
    std::unique_ptr<zmq::socket_t> m_sub;
    std::unique_ptr<ZmqSocketNotifier> m_subNotifier;
    QString m_subscribedTo;
    QString m_eventsEpoch;
    qint64 m_lastSeq = -1;

    std::deque<Request> m_queue;
    std::optional<Request> m_inFlight;
    quint64 m_nextId = 1;
    quint64 m_generation = 0; // bumped by connectTo()
    QTimer m_timeout;
    QTimer m_resendTimer;
    QTimer m_probeTimer;

    std::chrono::milliseconds m_requestTimeout;
    int m_retries;
    std::chrono::milliseconds m_probeFirst{1000};
    std::chrono::milliseconds m_probeMax{5000};
};

QString connectionStateName(ConnectionState state);

} // namespace jobdesk

Q_DECLARE_METATYPE(jobdesk::BackendInfo)
