#pragma once

#include <QObject>
#include <QSocketNotifier>

#include <zmq.hpp>

#include <memory>

namespace jobdesk {

/// Tells a Qt event loop when a ZeroMQ socket has messages to read.
///
/// ZMQ_FD is edge-triggered and also fires for send-side state changes, so
/// the notifier re-reads ZMQ_EVENTS and emits readyRead() for as long as the
/// socket says a message is waiting. A receiver must read at least one message
/// per readyRead() (draining all it can, non-blocking, is best). After sending
/// on the socket, call recheck(): a send can consume the edge a pending read
/// would have raised.
class ZmqSocketNotifier : public QObject
{
    Q_OBJECT
public:
    ZmqSocketNotifier(zmq::socket_t &socket, QObject *parent = nullptr);

    /// Queues a check of ZMQ_EVENTS on the event loop.
    void recheck();

Q_SIGNALS:
    void readyRead();

private:
    void drain();

    zmq::socket_t &m_socket;
    std::unique_ptr<QSocketNotifier> m_notifier;
    bool m_recheckQueued = false;
};

} // namespace jobdesk
