#include "controltestclient.h"

#include <QJsonDocument>

ControlTestClient::ControlTestClient(const QString &endpoint, QString token)
    : m_endpoint(endpoint.toStdString())
    , m_token(std::move(token))
{
    open();
}

void ControlTestClient::open()
{
    m_socket.emplace(m_context, zmq::socket_type::req);
    m_socket->set(zmq::sockopt::linger, 0);
    m_socket->connect(m_endpoint);
}

QByteArray ControlTestClient::requestRaw(const QByteArray &frame, std::chrono::milliseconds timeout)
{
    m_socket->send(zmq::buffer(frame.constData(), static_cast<size_t>(frame.size())));
    zmq::pollitem_t items[] = {{static_cast<void *>(*m_socket), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, timeout);
    if (!(items[0].revents & ZMQ_POLLIN)) {
        open(); // Lazy Pirate: a REQ socket whose reply is lost is useless
        return {};
    }
    zmq::message_t reply;
    (void)m_socket->recv(reply);
    return QByteArray(reply.data<char>(), static_cast<qsizetype>(reply.size()));
}

QJsonObject ControlTestClient::request(const QString &op, QJsonObject fields,
                                       std::chrono::milliseconds timeout)
{
    fields.insert(QStringLiteral("op"), op);
    // Job ops carry the job's id in `id`; other requests get a counter.
    if (!fields.contains(QStringLiteral("id")))
        fields.insert(QStringLiteral("id"), m_nextId++);
    if (!m_token.isEmpty() && !fields.contains(QStringLiteral("token")))
        fields.insert(QStringLiteral("token"), m_token);
    return QJsonDocument::fromJson(requestRaw(QJsonDocument(fields).toJson(QJsonDocument::Compact),
                                              timeout))
        .object();
}

EventTestSubscriber::EventTestSubscriber(const QString &endpoint)
    : m_socket(m_context, zmq::socket_type::sub)
{
    m_socket.set(zmq::sockopt::linger, 0);
    m_socket.set(zmq::sockopt::subscribe, "job.");
    m_socket.connect(endpoint.toStdString());
}

std::optional<EventTestSubscriber::Event> EventTestSubscriber::next(std::chrono::milliseconds timeout)
{
    zmq::pollitem_t items[] = {{static_cast<void *>(m_socket), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, timeout);
    if (!(items[0].revents & ZMQ_POLLIN))
        return std::nullopt;
    zmq::message_t topic, body;
    (void)m_socket.recv(topic);
    if (!topic.more())
        return std::nullopt;
    (void)m_socket.recv(body);
    return Event{QString::fromUtf8(topic.data<char>(), static_cast<qsizetype>(topic.size())),
                 QJsonDocument::fromJson(QByteArray(body.data<char>(), static_cast<qsizetype>(body.size())))
                     .object()};
}
