#pragma once

#include "job.h"

#include <QObject>
#include <QString>
#include <zmq.hpp>

namespace jobdesk {

/// The PUB side of the events channel. Every message is two frames, a topic
/// (`job.state`, `job.progress`, `job.completed`, `job.failed`,
/// `job.cancelled`) and `{"seq", "epoch", "job"}`; `seq` grows by one per
/// message within an epoch, so subscribers can see what PUB dropped.
class EventPublisher : public QObject
{
    Q_OBJECT
public:
    EventPublisher(zmq::context_t &context, QString endpoint, QString epoch,
                   QObject *parent = nullptr);

    bool bind(QString *error);
    QString boundEndpoint() const { return m_boundEndpoint; }
    quint64 lastSeq() const { return m_seq; }

public Q_SLOTS:
    /// Publishes one committed change of a job; `jobJson` is the job as
    /// serialized once for that commit.
    void publishChange(const jobdesk::Job &job, const QByteArray &jobJson, bool statusChanged);

private:
    void send(const char *topic, const QByteArray &body);

    zmq::socket_t m_socket;
    QString m_endpoint;
    QByteArray m_epochJson; // the epoch as a JSON string, quotes included
    QString m_boundEndpoint;
    quint64 m_seq = 0;
};

} // namespace jobdesk
