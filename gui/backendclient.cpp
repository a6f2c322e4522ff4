#include "backendclient.h"

#include "controlprotocol.h"
#include "jobjson.h"
#include "reliability.h"
#include "uuid7.h"
#include "zmqsocketnotifier.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <algorithm>

Q_LOGGING_CATEGORY(lcClient, "jobdesk.gui.client")

namespace jobdesk {

namespace {

ErrorCode errorCodeFromName(const QString &name)
{
    static const ErrorCode all[] = {ErrorCode::InvalidRequest,
                                    ErrorCode::Unauthorized,
                                    ErrorCode::NotFound,
                                    ErrorCode::Conflict,
                                    ErrorCode::Gone,
                                    ErrorCode::TooLarge,
                                    ErrorCode::UnsupportedMediaType,
                                    ErrorCode::InvalidParams,
                                    ErrorCode::RateLimited,
                                    ErrorCode::Internal,
                                    ErrorCode::Unavailable};
    for (ErrorCode code : all) {
        if (errorCodeName(code) == name)
            return code;
    }
    return ErrorCode::Internal;
}

ApiError errorFromReply(const QJsonObject &reply)
{
    const QJsonObject error = reply.value(QStringLiteral("error")).toObject();
    ApiError out;
    out.code = errorCodeFromName(error.value(QStringLiteral("code")).toString());
    out.detail = error.value(QStringLiteral("message")).toString();
    for (const QJsonValue &v : error.value(QStringLiteral("errors")).toArray()) {
        const QJsonObject f = v.toObject();
        out.fieldErrors.append(FieldError{f.value(QStringLiteral("field")).toString(),
                                          f.value(QStringLiteral("message")).toString()});
    }
    out.retryAfterS = error.value(QStringLiteral("retry_after_s")).toInt();
    return out;
}

ApiError unavailable(const QString &why)
{
    return ApiError::make(ErrorCode::Unavailable, why);
}

} // namespace

QString connectionStateName(ConnectionState state)
{
    switch (state) {
    case ConnectionState::Disconnected:
        return QStringLiteral("disconnected");
    case ConnectionState::Connecting:
        return QStringLiteral("connecting");
    case ConnectionState::Connected:
        return QStringLiteral("connected");
    case ConnectionState::Reconnecting:
        return QStringLiteral("reconnecting");
    case ConnectionState::Offline:
        return QStringLiteral("offline");
    }
    return {};
}

BackendClient::BackendClient(QObject *parent)
    : QObject(parent)
    , m_requestTimeout(reliability::kRequestTimeout)
    , m_retries(reliability::kRequestRetries)
{
    qRegisterMetaType<BackendInfo>();
    qRegisterMetaType<Job>();
    m_timeout.setSingleShot(true);
    m_resendTimer.setSingleShot(true);
    m_probeTimer.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, &BackendClient::onRequestTimeout);
    connect(&m_resendTimer, &QTimer::timeout, this, &BackendClient::transmit);
    connect(&m_probeTimer, &QTimer::timeout, this, [this] {
        if (m_state == ConnectionState::Offline && !m_inFlight)
            pingNow(1);
    });
}

BackendClient::~BackendClient()
{
    // Sockets before the context, notifiers before their sockets.
    closeRequestSocket();
    closeEventSocket();
}

void BackendClient::setProbeInterval(std::chrono::milliseconds first, std::chrono::milliseconds max)
{
    m_probeFirst = first;
    m_probeMax = max;
}

// ---------------------------------------------------------------------------
// Connection
// ---------------------------------------------------------------------------

void BackendClient::connectTo(const ConnectionConfig &config)
{
    disconnectFromBackend();
    ++m_generation;
    m_config = config;
    m_info = {};
    m_token.clear();
    m_lastError.clear();
    if (!openRequestSocket()) {
        goOffline(m_lastError);
        return;
    }
    if (!m_config.events.isEmpty())
        subscribe(m_config.events);
    setState(ConnectionState::Connecting);
    pingNow(m_retries + 1);
}

void BackendClient::disconnectFromBackend()
{
    m_timeout.stop();
    m_resendTimer.stop();
    m_probeTimer.stop();
    closeRequestSocket();
    closeEventSocket();
    if (m_inFlight) {
        Request r = std::move(*m_inFlight);
        m_inFlight.reset();
        finish(std::move(r), unavailable(tr("the connection was closed")));
    }
    failAll(unavailable(tr("the connection was closed")));
    setState(ConnectionState::Disconnected);
}

bool BackendClient::openRequestSocket()
{
    closeRequestSocket();
    try {
        m_req = std::make_unique<zmq::socket_t>(m_zmq, zmq::socket_type::req);
        m_req->set(zmq::sockopt::linger, 0);
        m_req->set(zmq::sockopt::maxmsgsize, kMaxReplyBytes);
        m_req->connect(m_config.control.toStdString());
    } catch (const zmq::error_t &e) {
        m_lastError =
            tr("cannot connect to %1: %2").arg(m_config.control, QString::fromUtf8(e.what()));
        m_req.reset();
        return false;
    }
    m_reqNotifier = std::make_unique<ZmqSocketNotifier>(*m_req);
    connect(m_reqNotifier.get(), &ZmqSocketNotifier::readyRead, this,
            &BackendClient::onReplyReadable);
    return true;
}

void BackendClient::closeRequestSocket()
{
    m_reqNotifier.reset();
    m_req.reset(); // linger 0: an unanswered request is simply dropped
}

void BackendClient::subscribe(const QString &endpoint)
{
    if (m_sub && m_subscribedTo == endpoint)
        return;
    closeEventSocket();
    try {
        m_sub = std::make_unique<zmq::socket_t>(m_zmq, zmq::socket_type::sub);
        m_sub->set(zmq::sockopt::linger, 0);
        m_sub->set(zmq::sockopt::maxmsgsize, kMaxReplyBytes);
        m_sub->set(zmq::sockopt::subscribe, "job.");
        m_sub->connect(endpoint.toStdString());
    } catch (const zmq::error_t &e) {
        qCWarning(lcClient) << "cannot subscribe to" << endpoint << e.what();
        m_sub.reset();
        return;
    }
    m_subscribedTo = endpoint;
    m_subNotifier = std::make_unique<ZmqSocketNotifier>(*m_sub);
    connect(m_subNotifier.get(), &ZmqSocketNotifier::readyRead, this,
            &BackendClient::onEventReadable);
}

void BackendClient::closeEventSocket()
{
    m_subNotifier.reset();
    m_sub.reset();
    m_subscribedTo.clear();
    m_eventsEpoch.clear();
    m_lastSeq = -1;
}

QString BackendClient::httpBase() const
{
    if (!m_config.http.isEmpty())
        return QStringLiteral("http://") + m_config.http;
    return m_info.httpBase;
}

QString BackendClient::token()
{
    if (m_token.isEmpty() && !m_config.tokenFile.isEmpty()) {
        QFile file(m_config.tokenFile);
        if (file.open(QIODevice::ReadOnly))
            m_token = QString::fromUtf8(file.readAll()).trimmed();
    }
    return m_token;
}

void BackendClient::setState(ConnectionState state)
{
    if (state == m_state)
        return;
    m_state = state;
    qCDebug(lcClient) << "connection" << connectionStateName(state);
    Q_EMIT stateChanged(state);
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

void BackendClient::request(const QString &op, QJsonObject fields, QObject *context,
                            ReplyHandler handler)
{
    Request r;
    r.op = op;
    r.fields = std::move(fields);
    r.context = context;
    r.hasContext = context != nullptr;
    r.handler = std::move(handler);
    r.maxAttempts = m_retries + 1;
    if (m_state == ConnectionState::Disconnected || m_state == ConnectionState::Offline) {
        finish(std::move(r),
               unavailable(m_state == ConnectionState::Offline ? tr("the backend is offline")
                                                               : tr("not connected")));
        return;
    }
    enqueue(std::move(r));
}

void BackendClient::submit(QJsonObject fields, QObject *context, ReplyHandler handler)
{
    if (!fields.contains(QStringLiteral("idempotency_key")))
        fields.insert(QStringLiteral("idempotency_key"), newUuid7());
    request(QStringLiteral("submit"), std::move(fields), context, std::move(handler));
}

void BackendClient::enqueue(Request request)
{
    request.id = m_nextId++;
    m_queue.push_back(std::move(request));
    sendNext();
}

void BackendClient::sendNext()
{
    if (m_inFlight || m_queue.empty() || !m_req)
        return;
    m_inFlight = std::move(m_queue.front());
    m_queue.pop_front();
    transmit();
}

void BackendClient::transmit()
{
    if (!m_inFlight || !m_req)
        return;
    ++m_inFlight->attempts;
    const QByteArray frame =
        encodeControlRequest(m_inFlight->op, echoedId(*m_inFlight), m_inFlight->fields, token());
    try {
        const auto sent = m_req->send(zmq::const_buffer(frame.constData(), size_t(frame.size())),
                                      zmq::send_flags::dontwait);
        if (!sent)
            qCDebug(lcClient) << "send would block; waiting for the timeout";
    } catch (const zmq::error_t &e) {
        qCWarning(lcClient) << "send failed:" << e.what();
    }
    m_reqNotifier->recheck(); // a send can swallow the edge of a pending read
    m_timeout.start(m_requestTimeout);
}

QJsonValue BackendClient::echoedId(const Request &request)
{
    // `status`, `cancel`, `retry` and `events` name their job in "id", the
    // field every reply echoes: the job id is then the request's id too.
    const QJsonValue jobId = request.fields.value(QStringLiteral("id"));
    return jobId.isUndefined() ? QJsonValue(qint64(request.id)) : jobId;
}

void BackendClient::onReplyReadable()
{
    // A REQ socket may only be read while a request is outstanding (EFSM).
    while (m_req && m_inFlight) {
        zmq::message_t message;
        zmq::recv_result_t got;
        try {
            got = m_req->recv(message, zmq::recv_flags::dontwait);
        } catch (const zmq::error_t &e) {
            qCWarning(lcClient) << "receive failed:" << e.what();
            return;
        }
        if (!got)
            return;
        for (bool more = message.more(); more;) { // one frame expected; drop any extra
            zmq::message_t extra;
            if (!m_req->recv(extra, zmq::recv_flags::dontwait))
                break;
            more = extra.more();
        }
        const QJsonObject reply =
            QJsonDocument::fromJson(QByteArray(message.data<char>(), qsizetype(message.size())))
                .object();
        if (reply.value(QStringLiteral("id")) != echoedId(*m_inFlight)) {
            qCDebug(lcClient) << "dropping a reply to no request in flight";
            continue;
        }
        m_timeout.stop();
        Request done = std::move(*m_inFlight);
        m_inFlight.reset();
        if (m_state == ConnectionState::Reconnecting)
            setState(ConnectionState::Connected);

        if (reply.value(QStringLiteral("ok")).toBool()) {
            QJsonObject fields = reply;
            fields.remove(QStringLiteral("ok"));
            fields.remove(QStringLiteral("id"));
            finish(std::move(done), fields);
        } else {
            const ApiError error = errorFromReply(reply);
            if (error.code == ErrorCode::Conflict && done.op == QLatin1String("submit") &&
                done.attempts > 1 && done.conflictResends < kMaxConflictResends) {
                // A resent submit whose first copy the backend is still
                // storing under the same key: ask again later, with the same
                // key, for the job it makes (or the real error).
                const int shift = std::min(done.conflictResends, 4);
                ++done.conflictResends;
                const auto delay = error.retryAfterS > 0
                                       ? std::chrono::milliseconds(error.retryAfterS * 1000)
                                       : std::chrono::milliseconds(250) * (1 << shift);
                qCInfo(lcClient) << "resent submit in conflict with its first copy; asking again in"
                                 << delay.count() << "ms";
                m_inFlight = std::move(done);
                m_resendTimer.start(delay);
                return;
            }
            if (error.code == ErrorCode::Unauthorized && !done.tokenReloaded) {
                // The token file may have been written after we first read it.
                const QString old = m_token;
                m_token.clear();
                if (token() != old) {
                    done.tokenReloaded = true;
                    done.attempts = 0;
                    m_inFlight = std::move(done);
                    transmit();
                    return;
                }
            }
            finish(std::move(done), error);
        }
        sendNext();
    }
}

void BackendClient::onRequestTimeout()
{
    if (!m_inFlight)
        return;
    // Lazy Pirate: this REQ socket is stuck waiting for a reply that may
    // never come. Drop it and resend on a fresh one.
    openRequestSocket();
    if (m_inFlight->attempts < m_inFlight->maxAttempts && m_req) {
        if (m_state == ConnectionState::Connected)
            setState(ConnectionState::Reconnecting);
        const int shift = std::min(m_inFlight->attempts - 1, 4);
        m_resendTimer.start(std::chrono::milliseconds(250) * (1 << shift));
        qCInfo(lcClient) << "no reply to" << m_inFlight->op << "within" << m_requestTimeout.count()
                         << "ms; resending (attempt" << m_inFlight->attempts + 1 << "of"
                         << m_inFlight->maxAttempts << ")";
        return;
    }
    const QString why = tr("jobdeskd did not answer at %1").arg(m_config.control);
    Request failed = std::move(*m_inFlight);
    m_inFlight.reset();
    finish(std::move(failed), unavailable(why));
    if (m_state == ConnectionState::Offline) {
        // A probe failed: try again later.
        const auto next = std::min(m_probeMax, m_probeTimer.intervalAsDuration() * 2);
        m_probeTimer.start(std::max(next, m_probeFirst));
        sendNext();
        return;
    }
    goOffline(why);
}

void BackendClient::finish(Request request, Result<QJsonObject> result)
{
    if (!result)
        m_lastError = result.error().detail;
    if (!request.handler)
        return;
    // Handlers run from the event loop, never inside a socket notifier: they
    // may reconnect, which destroys the sockets.
    QMetaObject::invokeMethod(
        this,
        [request = std::move(request), result = std::move(result)] {
            if (request.hasContext && !request.context)
                return;
            request.handler(result);
        },
        Qt::QueuedConnection);
}

void BackendClient::failAll(const ApiError &error)
{
    std::deque<Request> queue;
    queue.swap(m_queue);
    for (Request &r : queue)
        finish(std::move(r), error);
}

void BackendClient::goOffline(const QString &why)
{
    m_lastError = why;
    qCWarning(lcClient).noquote() << "offline:" << why;
    setState(ConnectionState::Offline);
    failAll(unavailable(why));
    m_probeTimer.start(m_probeFirst);
}

// ---------------------------------------------------------------------------
// Ping
// ---------------------------------------------------------------------------

void BackendClient::pingNow(int maxAttempts)
{
    Request r;
    r.op = QStringLiteral("ping");
    r.maxAttempts = maxAttempts;
    r.hasContext = true;
    r.context = this;
    // A reply handled after a reconnect belongs to the previous backend.
    r.handler = [this, generation = m_generation](const Result<QJsonObject> &reply) {
        if (generation == m_generation)
            onPingReply(reply);
    };
    enqueue(std::move(r));
}

void BackendClient::onPingReply(const Result<QJsonObject> &reply)
{
    if (!reply) {
        // Unavailable: no answer (the timeout path already decided the
        // state) or the connection was closed. Anything else is the backend
        // refusing us: we are not connected, and must keep probing so that a
        // fixed token file or backend is picked up.
        if (reply.error().code != ErrorCode::Unavailable)
            onPingRefused(reply.error());
        return;
    }
    const QJsonObject &o = reply.value();
    const QString previousEpoch = m_info.epoch;
    m_info.version = o.value(QStringLiteral("version")).toString();
    m_info.epoch = o.value(QStringLiteral("epoch")).toString();
    m_info.httpBase = o.value(QStringLiteral("http")).toString();
    m_info.eventsEndpoint = o.value(QStringLiteral("events")).toString();
    m_info.authRequired = o.value(QStringLiteral("auth_required")).toBool();
    if (m_config.events.isEmpty() && !m_info.eventsEndpoint.isEmpty())
        subscribe(m_info.eventsEndpoint);

    const bool wasUp = m_state == ConnectionState::Connected;
    m_probeTimer.stop();
    m_probeTimer.setInterval(m_probeFirst);
    setState(ConnectionState::Connected);
    if (!wasUp)
        Q_EMIT connected(m_info);
    if (wasUp && !previousEpoch.isEmpty() && previousEpoch != m_info.epoch)
        Q_EMIT resyncNeeded();
}

void BackendClient::onPingRefused(const ApiError &error)
{
    const QString why =
        error.code == ErrorCode::Unauthorized
            ? tr("jobdeskd at %1 refused the API token (check --api-token-file): %2")
                  .arg(m_config.control, error.detail)
            : tr("jobdeskd at %1 refused the ping: %2").arg(m_config.control, error.detail);
    if (m_state != ConnectionState::Offline) {
        goOffline(why);
        return;
    }
    m_lastError = why;
    qCWarning(lcClient).noquote() << "still offline:" << why;
    const auto next = std::min(m_probeMax, m_probeTimer.intervalAsDuration() * 2);
    m_probeTimer.start(std::max(next, m_probeFirst));
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

void BackendClient::onEventReadable()
{
    bool resync = false;
    bool restarted = false;
    while (m_sub) {
        zmq::message_t topic;
        zmq::recv_result_t got;
        try {
            got = m_sub->recv(topic, zmq::recv_flags::dontwait);
        } catch (const zmq::error_t &e) {
            qCWarning(lcClient) << "event receive failed:" << e.what();
            break;
        }
        if (!got)
            break;
        if (!topic.more())
            continue;
        zmq::message_t body;
        if (!m_sub->recv(body, zmq::recv_flags::dontwait))
            continue;
        for (bool more = body.more(); more;) { // two frames expected; drop any extra
            zmq::message_t extra;
            if (!m_sub->recv(extra, zmq::recv_flags::dontwait))
                break;
            more = extra.more();
        }
        const QJsonObject o =
            QJsonDocument::fromJson(QByteArray(body.data<char>(), qsizetype(body.size()))).object();
        const QString epoch = o.value(QStringLiteral("epoch")).toString();
        const qint64 seq = o.value(QStringLiteral("seq")).toInteger(-1);
        if (!m_eventsEpoch.isEmpty() && epoch != m_eventsEpoch) {
            resync = true;
            restarted = true;
        } else if (m_lastSeq >= 0 && seq != m_lastSeq + 1) {
            resync = true;
        }
        m_eventsEpoch = epoch;
        m_lastSeq = seq;

        Job job;
        QString error;
        if (!jobFromJson(o.value(QStringLiteral("job")).toObject(), &job, &error)) {
            qCWarning(lcClient) << "ignoring an event with an unreadable job:" << error;
            continue;
        }
        Q_EMIT jobEvent(QString::fromUtf8(topic.data<char>(), qsizetype(topic.size())), job);
    }
    if (restarted && m_state == ConnectionState::Connected)
        pingNow(m_retries + 1); // a new run may serve HTTP on another port
    if (resync)
        Q_EMIT resyncNeeded();
}

} // namespace jobdesk
