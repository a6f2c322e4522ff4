#include "eventpublisher.h"

#include "jsonwriter.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcEvents, "jobdesk.events")

namespace jobdesk {

EventPublisher::EventPublisher(zmq::context_t &context, QString endpoint, QString epoch,
                               QObject *parent)
    : QObject(parent)
    , m_socket(context, zmq::socket_type::pub)
    , m_endpoint(std::move(endpoint))
{
    appendJsonString(m_epochJson, epoch);
    m_socket.set(zmq::sockopt::linger, 0);
    // A slow subscriber loses messages (and sees the seq gap) rather than
    // growing the backend's memory.
    m_socket.set(zmq::sockopt::sndhwm, 10000);
}

bool EventPublisher::bind(QString *error)
{
    try {
        m_socket.bind(m_endpoint.toStdString());
        m_boundEndpoint = QString::fromStdString(m_socket.get(zmq::sockopt::last_endpoint));
    } catch (const zmq::error_t &e) {
        if (error)
            *error = QStringLiteral("cannot bind the events channel to %1: %2")
                         .arg(m_endpoint, QString::fromUtf8(e.what()));
        return false;
    }
    return true;
}

void EventPublisher::publishChange(const Job &job, const QByteArray &jobJson, bool statusChanged)
{
    if (m_boundEndpoint.isEmpty())
        return;
    // Spliced from the job's bytes rather than re-serialized: a change is
    // written once however many topics announce it.
    auto bodyFor = [&](quint64 seq) {
        QByteArray body;
        body.reserve(jobJson.size() + m_epochJson.size() + 40);
        body.append("{\"epoch\":").append(m_epochJson).append(",\"job\":").append(jobJson);
        body.append(",\"seq\":").append(QByteArray::number(seq)).append('}');
        return body;
    };
    if (!statusChanged) {
        send("job.progress", bodyFor(++m_seq));
        return;
    }
    send("job.state", bodyFor(++m_seq));
    switch (job.status) {
    case JobStatus::Completed:
        send("job.completed", bodyFor(++m_seq));
        break;
    case JobStatus::Failed:
        send("job.failed", bodyFor(++m_seq));
        break;
    case JobStatus::Cancelled:
        send("job.cancelled", bodyFor(++m_seq));
        break;
    default:
        break;
    }
}

void EventPublisher::send(const char *topic, const QByteArray &body)
{
    try {
        m_socket.send(zmq::buffer(std::string_view(topic)), zmq::send_flags::sndmore);
        m_socket.send(zmq::buffer(body.constData(), static_cast<size_t>(body.size())),
                      zmq::send_flags::dontwait);
    } catch (const zmq::error_t &e) {
        qCWarning(lcEvents) << "cannot publish" << topic << ":" << e.what();
    }
}

} // namespace jobdesk
