#pragma once

#include "apierror.h"
#include "controlprotocol.h"

#include <QJsonObject>
#include <QObject>
#include <QString>

#include <zmq.hpp>

#include <memory>
#include <vector>

namespace jobdesk {

class JobService;
class ZmqSocketNotifier;

/// The ZeroMQ control channel: a ROUTER socket that serves the contract's
/// ops (ping, submit, status, list, cancel, retry, events, kinds, stats) as
/// a thin adapter over JobService. Replies go out as their commits finish,
/// out of order, each with the envelope of its request, so one slow commit
/// never holds up the socket.
class ControlChannel : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString endpoint;
        QString token;          // required on every request when non-empty and over tcp://
        QString version;
        QString epoch;
        QString httpBaseUrl;    // for ping
        QString eventsEndpoint; // for ping
    };

    ControlChannel(zmq::context_t &context, JobService &service, Options options,
                   QObject *parent = nullptr);
    ~ControlChannel() override;

    bool bind(QString *error);
    /// The endpoint as bound (port resolved).
    QString boundEndpoint() const { return m_boundEndpoint; }
    /// Whether requests must carry the token.
    bool authRequired() const;

private:
    using Envelope = std::vector<zmq::message_t>;
    void readMessages();
    void handle(Envelope envelope, const QByteArray &payload);
    void reply(const Envelope &envelope, const QByteArray &payload);
    void replyOk(const Envelope &envelope, const QJsonValue &id, QJsonObject fields);
    void replyError(const Envelope &envelope, const QJsonValue &id, const ApiError &error);

    JobService &m_service;
    Options m_options;
    zmq::socket_t m_socket;
    std::unique_ptr<ZmqSocketNotifier> m_notifier;
    QString m_boundEndpoint;
};

} // namespace jobdesk
