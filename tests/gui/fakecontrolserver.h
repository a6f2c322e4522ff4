#pragma once

#include "zmqsocketnotifier.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <functional>
#include <memory>
#include <zmq.hpp>

/// A stand-in for jobdeskd's control ROUTER that the test scripts: it records
/// every request and answers through `answer`, which may return an empty
/// object to drop the request (a lost reply).
class FakeControlServer : public QObject
{
    Q_OBJECT
public:
    FakeControlServer()
        : m_socket(m_context, zmq::socket_type::router)
    {
        m_socket.set(zmq::sockopt::linger, 0);
        m_socket.bind("tcp://127.0.0.1:*");
        m_endpoint = QString::fromStdString(m_socket.get(zmq::sockopt::last_endpoint));
        m_notifier = std::make_unique<jobdesk::ZmqSocketNotifier>(m_socket);
        connect(m_notifier.get(), &jobdesk::ZmqSocketNotifier::readyRead, this,
                &FakeControlServer::read);
    }

    QString endpoint() const { return m_endpoint; }
    QList<QJsonObject> requests;
    std::function<QJsonObject(const QJsonObject &request)> answer = [](const QJsonObject &r) {
        return QJsonObject{{QStringLiteral("ok"), true}, {QStringLiteral("id"), r.value("id")}};
    };

private:
    void read()
    {
        std::vector<zmq::message_t> frames;
        while (true) {
            zmq::message_t frame;
            if (!m_socket.recv(frame, zmq::recv_flags::dontwait))
                return;
            const bool more = frame.more();
            frames.push_back(std::move(frame));
            if (!more)
                break;
        }
        const QJsonObject request =
            QJsonDocument::fromJson(
                QByteArray(frames.back().data<char>(), qsizetype(frames.back().size())))
                .object();
        requests.append(request);
        const QJsonObject reply = answer(request);
        if (reply.isEmpty())
            return;
        const QByteArray bytes = QJsonDocument(reply).toJson(QJsonDocument::Compact);
        for (size_t i = 0; i + 1 < frames.size(); ++i)
            m_socket.send(frames[i], zmq::send_flags::sndmore);
        m_socket.send(zmq::const_buffer(bytes.constData(), size_t(bytes.size())));
        m_notifier->recheck();
    }

    zmq::context_t m_context;
    zmq::socket_t m_socket;
    std::unique_ptr<jobdesk::ZmqSocketNotifier> m_notifier;
    QString m_endpoint;
};
