#pragma once

#include <QJsonObject>
#include <QString>

#include <zmq.hpp>

#include <chrono>
#include <optional>

/// A blocking ZeroMQ control client for tests: a REQ socket, one request at
/// a time, each with a timeout (a lost reply fails the call, never hangs).
class ControlTestClient
{
public:
    ControlTestClient(const QString &endpoint, QString token = {});

    /// Sends `{"op": op, ...fields}` and returns the reply, or an empty
    /// object on timeout (the socket is then reopened).
    QJsonObject request(const QString &op, QJsonObject fields = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Sends raw bytes as one frame and returns the reply frame.
    QByteArray requestRaw(const QByteArray &frame,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

private:
    void open();

    zmq::context_t m_context;
    std::optional<zmq::socket_t> m_socket;
    std::string m_endpoint;
    QString m_token;
    int m_nextId = 1;
};

/// A SUB socket on the events channel, subscribed to every `job.` topic.
class EventTestSubscriber
{
public:
    explicit EventTestSubscriber(const QString &endpoint);

    struct Event
    {
        QString topic;
        QJsonObject body;
    };
    /// The next event, or nullopt after `timeout`.
    std::optional<Event> next(std::chrono::milliseconds timeout);

private:
    zmq::context_t m_context;
    zmq::socket_t m_socket;
};
