#include "zmqsocketnotifier.h"

#include <QMetaObject>

namespace jobdesk {

ZmqSocketNotifier::ZmqSocketNotifier(zmq::socket_t &socket, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
{
    const auto fd = m_socket.get(zmq::sockopt::fd);
    m_notifier = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Read);
    connect(m_notifier.get(), &QSocketNotifier::activated, this, &ZmqSocketNotifier::drain);
    recheck(); // messages may already be queued before the first edge
}

void ZmqSocketNotifier::recheck()
{
    if (m_recheckQueued)
        return;
    m_recheckQueued = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_recheckQueued = false;
            drain();
        },
        Qt::QueuedConnection);
}

void ZmqSocketNotifier::drain()
{
    // Bounded so that one busy socket cannot starve the rest of the event loop;
    // a queued recheck picks up whatever is left.
    for (int round = 0; round < 64; ++round) {
        if (!(m_socket.get(zmq::sockopt::events) & ZMQ_POLLIN))
            return;
        Q_EMIT readyRead();
    }
    recheck();
}

} // namespace jobdesk
