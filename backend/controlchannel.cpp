#include "controlchannel.h"

#include "jobjson.h"
#include "jobservice.h"
#include "pagejson.h"
#include "reliability.h"
#include "submitrequest.h"
#include "timeformat.h"
#include "uuid7.h"
#include "zmqsocketnotifier.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QPointer>
#include <memory>

Q_LOGGING_CATEGORY(lcControl, "jobdesk.control")

namespace jobdesk {

namespace {

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

Result<QString> readJobId(const QJsonObject &body)
{
    const QJsonValue id = body.value(QStringLiteral("id"));
    if (!id.isString())
        return ApiError::make(ErrorCode::InvalidRequest, QStringLiteral("\"id\" must be a job id"));
    if (!isUuid(id.toString()))
        return ApiError::make(ErrorCode::InvalidRequest,
                              QStringLiteral("\"%1\" is not a job id").arg(id.toString().left(64)));
    return id.toString();
}

} // namespace

ControlChannel::ControlChannel(zmq::context_t &context, JobService &service, Options options,
                               QObject *parent)
    : QObject(parent)
    , m_service(service)
    , m_options(std::move(options))
    , m_socket(context, zmq::socket_type::router)
{
    m_socket.set(zmq::sockopt::linger, 0);
    m_socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(reliability::kMaxMessageBytes));
    // Replies to a client that has gone are dropped, not queued without bound.
    m_socket.set(zmq::sockopt::router_mandatory, 0);
}

ControlChannel::~ControlChannel() = default;

bool ControlChannel::authRequired() const
{
    return !m_options.token.isEmpty() && m_options.endpoint.startsWith(QLatin1String("tcp://"));
}

bool ControlChannel::bind(QString *error)
{
    try {
        m_socket.bind(m_options.endpoint.toStdString());
        m_boundEndpoint = QString::fromStdString(m_socket.get(zmq::sockopt::last_endpoint));
    } catch (const zmq::error_t &e) {
        if (error)
            *error = QStringLiteral("cannot bind the control channel to %1: %2")
                         .arg(m_options.endpoint, QString::fromUtf8(e.what()));
        return false;
    }
    m_notifier = std::make_unique<ZmqSocketNotifier>(m_socket);
    connect(m_notifier.get(), &ZmqSocketNotifier::readyRead, this, &ControlChannel::readMessages);
    return true;
}

void ControlChannel::readMessages()
{
    for (;;) {
        Envelope frames;
        for (;;) {
            zmq::message_t frame;
            if (!m_socket.recv(frame, zmq::recv_flags::dontwait))
                break;
            const bool more = frame.more();
            frames.push_back(std::move(frame));
            if (!more)
                break;
        }
        if (frames.empty())
            return;
        if (frames.size() < 2)
            continue; // no routing envelope: not from a REQ or DEALER peer
        zmq::message_t payload = std::move(frames.back());
        frames.pop_back();
        handle(std::move(frames),
               QByteArray(payload.data<char>(), static_cast<qsizetype>(payload.size())));
    }
}

void ControlChannel::reply(const Envelope &envelope, const QByteArray &payload)
{
    try {
        for (const zmq::message_t &frame : envelope) {
            zmq::message_t copy(frame.data(), frame.size());
            m_socket.send(copy, zmq::send_flags::sndmore | zmq::send_flags::dontwait);
        }
        m_socket.send(zmq::buffer(payload.constData(), static_cast<size_t>(payload.size())),
                      zmq::send_flags::dontwait);
    } catch (const zmq::error_t &e) {
        qCWarning(lcControl) << "cannot send a reply:" << e.what();
    }
    if (m_notifier)
        m_notifier->recheck();
}

void ControlChannel::replyOk(const Envelope &envelope, const QJsonValue &id, QJsonObject fields)
{
    reply(envelope, encodeControlReply(id, std::move(fields)));
}

void ControlChannel::replyError(const Envelope &envelope, const QJsonValue &id,
                                const ApiError &error)
{
    reply(envelope, encodeControlError(id, error));
}

void ControlChannel::handle(Envelope envelope, const QByteArray &payload)
{
    QJsonValue id;
    Result<ControlRequest> decoded = decodeControlRequest(payload, &id);
    if (!decoded) {
        replyError(envelope, id, decoded.error());
        return;
    }
    const ControlRequest &req = decoded.value();
    if (authRequired() && !constantTimeEquals(req.token.toUtf8(), m_options.token.toUtf8())) {
        replyError(
            envelope, id,
            ApiError::make(ErrorCode::Unauthorized, QStringLiteral("a valid token is required")));
        return;
    }

    // Replies for requests that wait on a commit hold the envelope by value;
    // the channel outlives the service's callbacks (it is stopped after the
    // service drains), but guard anyway.
    QPointer<ControlChannel> self(this);
    auto shared = std::make_shared<Envelope>(std::move(envelope));
    const Envelope &env = *shared;

    if (req.op == QLatin1String("ping")) {
        replyOk(env, id,
                {{QStringLiteral("version"), m_options.version},
                 {QStringLiteral("epoch"), m_options.epoch},
                 {QStringLiteral("http"), m_options.httpBaseUrl},
                 {QStringLiteral("events"), m_options.eventsEndpoint},
                 {QStringLiteral("auth_required"), !m_options.token.isEmpty()}});
    } else if (req.op == QLatin1String("submit")) {
        QJsonObject fields = req.body;
        fields.remove(QStringLiteral("id")); // the request's id, not a job field
        // The same parser and the same idempotency namespace as HTTP's
        // POST /api/v1/jobs: a resent submit (Lazy Pirate) with its
        // idempotency_key gets the job of the first one.
        Result<SubmitCommand> command = m_service.parseSubmit(fields, IdempotencyKeySource::Field);
        if (!command) {
            replyError(env, id, command.error());
            return;
        }
        m_service.submit(std::move(command).value(),
                         [self, shared, id](Result<SubmitOutcome> stored) {
                             if (!self)
                                 return;
                             if (!stored) {
                                 self->replyError(*shared, id, stored.error());
                                 return;
                             }
                             self->reply(*shared, encodeControlJobReply(id, stored.value().body,
                                                                        stored.value().replayed));
                         });
    } else if (req.op == QLatin1String("status")) {
        Result<QString> jobId = readJobId(req.body);
        if (!jobId) {
            replyError(env, id, jobId.error());
            return;
        }
        // As committed, serialized once by the write path, like HTTP polls.
        if (const auto snapshot = m_service.snapshot(jobId.value())) {
            reply(env, encodeControlJobReply(id, snapshot->json, false));
            return;
        }
        Result<Job> job = m_service.job(jobId.value());
        if (job)
            reply(env, encodeControlJobReply(id, jobToJsonBytes(job.value()), false));
        else
            replyError(env, id, job.error());
    } else if (req.op == QLatin1String("list")) {
        const QJsonValue limitValue = req.body.value(QStringLiteral("limit"));
        int limit = reliability::kDefaultListLimit;
        if (!limitValue.isUndefined()) {
            const int l = limitValue.toInt(-1);
            if (!limitValue.isDouble() || l < 1 || l > reliability::kMaxListLimit) {
                replyError(env, id,
                           ApiError::make(ErrorCode::InvalidRequest,
                                          QStringLiteral("\"limit\" must be 1 to %1")
                                              .arg(reliability::kMaxListLimit)));
                return;
            }
            limit = l;
        }
        if (req.body.contains(QStringLiteral("changed_since"))) {
            const QJsonValue since = req.body.value(QStringLiteral("changed_since"));
            if (!since.isDouble() || since.toDouble() < 0) {
                replyError(env, id,
                           ApiError::make(ErrorCode::InvalidRequest,
                                          QStringLiteral("\"changed_since\" must be a rev")));
                return;
            }
            Result<ChangesPage> page = m_service.changesSince(since.toInteger(), limit);
            if (page)
                reply(env, encodeControlReply(
                               id, [&page](JsonWriter &w) { writeChangesPage(w, page.value()); }));
            else
                replyError(env, id, page.error());
            return;
        }
        ListQuery query;
        query.limit = limit;
        const QJsonValue status = req.body.value(QStringLiteral("status"));
        const QJsonArray statuses = status.isString() ? QJsonArray{status} : status.toArray();
        for (const QJsonValue &s : statuses) {
            const auto parsed = statusFromName(s.toString());
            if (!parsed) {
                replyError(
                    env, id,
                    ApiError::make(ErrorCode::InvalidRequest,
                                   QStringLiteral("unknown status \"%1\"").arg(s.toString())));
                return;
            }
            query.statuses.append(*parsed);
        }
        query.kind = req.body.value(QStringLiteral("kind")).toString();
        const QJsonValue dead = req.body.value(QStringLiteral("dead_letter"));
        if (dead.isBool())
            query.deadLetter = dead.toBool();
        query.cursor = req.body.value(QStringLiteral("cursor")).toString();
        Result<ListPage> page = m_service.list(query);
        if (page)
            reply(env, encodeControlReply(
                           id, [&page](JsonWriter &w) { writeListPage(w, page.value()); }));
        else
            replyError(env, id, page.error());
    } else if (req.op == QLatin1String("cancel")) {
        Result<QString> jobId = readJobId(req.body);
        if (!jobId) {
            replyError(env, id, jobId.error());
            return;
        }
        m_service.cancel(jobId.value(), [self, shared, id](Result<CancelOutcome> outcome) {
            if (!self)
                return;
            if (outcome)
                self->reply(*shared, encodeControlReply(id, [&outcome](JsonWriter &w) {
                    w.key("job");
                    w.raw(jobToJsonBytes(outcome.value().job));
                    w.key("stop_requested");
                    w.boolean(outcome.value().stopRequested);
                }));
            else
                self->replyError(*shared, id, outcome.error());
        });
    } else if (req.op == QLatin1String("retry")) {
        Result<QString> jobId = readJobId(req.body);
        if (!jobId) {
            replyError(env, id, jobId.error());
            return;
        }
        m_service.retry(jobId.value(), [self, shared, id](Result<Job> job) {
            if (!self)
                return;
            if (job)
                self->reply(*shared, encodeControlJobReply(id, jobToJsonBytes(job.value()), false));
            else
                self->replyError(*shared, id, job.error());
        });
    } else if (req.op == QLatin1String("events")) {
        Result<QString> jobId = readJobId(req.body);
        if (!jobId) {
            replyError(env, id, jobId.error());
            return;
        }
        Result<QList<JobEvent>> events = m_service.events(jobId.value());
        if (events)
            replyOk(env, id, eventsToJson(events.value()));
        else
            replyError(env, id, events.error());
    } else if (req.op == QLatin1String("kinds")) {
        replyOk(env, id, {{QStringLiteral("kinds"), m_service.kinds().toJson()}});
    } else if (req.op == QLatin1String("stats")) {
        const Result<StatsRange> range = parseStatsRange(req.body, nowMs());
        const Result<QJsonObject> stats =
            range ? m_service.stats(range.value()) : Result<QJsonObject>(range.error());
        if (stats)
            replyOk(env, id, stats.value());
        else
            replyError(env, id, stats.error());
    } else {
        replyError(env, id,
                   ApiError::make(ErrorCode::InvalidRequest,
                                  QStringLiteral("unknown op \"%1\"").arg(req.op.left(64))));
    }
}

} // namespace jobdesk
