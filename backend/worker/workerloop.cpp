#include "workerloop.h"

#include "canceltoken.h"
#include "jobthread.h"
#include "startedmark.h"

#include <QLoggingCategory>
#include <algorithm>
#include <cerrno>
#include <unistd.h>
#include <vector>

namespace jobdesk {

namespace {
Q_LOGGING_CATEGORY(lcWorkerLoop, "jobdesk.worker.loop")
} // namespace

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char *kJobPairEndpoint = "inproc://jobdesk-worker-job";

std::optional<QByteArray> receiveFrame(zmq::socket_t &socket)
{
    zmq::message_t frame;
    if (!socket.recv(frame, zmq::recv_flags::dontwait))
        return std::nullopt;
    QByteArray bytes(static_cast<const char *>(frame.data()), qsizetype(frame.size()));
    // The protocol is one frame per message; swallow stray extra frames.
    while (frame.more()) {
        zmq::message_t extra;
        if (!socket.recv(extra, zmq::recv_flags::dontwait))
            break;
        frame.move(extra);
    }
    return bytes;
}

} // namespace

WorkerLoop::WorkerLoop(Options options, const JobRunner &runner)
    : m_options(std::move(options))
    , m_runner(runner)
{
}

bool WorkerLoop::sendToBackend(zmq::socket_t &dealer, const WorkerMessage &message)
{
    return sendFrame(dealer, encodeWorkerMessage(message));
}

bool WorkerLoop::sendFrame(zmq::socket_t &dealer, const QByteArray &frame)
{
    // Never block: with the backend gone the DEALER queues up to its high
    // water mark, after which messages are dropped, and the liveness check
    // ends the process soon anyway.
    try {
        if (dealer.send(zmq::buffer(frame.constData(), std::size_t(frame.size())),
                        zmq::send_flags::dontwait))
            return true;
        qCDebug(lcWorkerLoop) << "backend not reachable; message dropped";
    } catch (const zmq::error_t &e) {
        qCWarning(lcWorkerLoop) << "cannot send to the backend:" << e.what();
    }
    return false;
}

int WorkerLoop::run(int stopFd)
{
    zmq::context_t context(1);
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.set(zmq::sockopt::maxmsgsize, int64_t(reliability::kMaxMessageBytes));
    dealer.set(zmq::sockopt::routing_id,
               zmq::buffer(m_options.identity.constData(), std::size_t(m_options.identity.size())));
    try {
        dealer.connect(m_options.endpoint);
    } catch (const zmq::error_t &e) {
        qCCritical(lcWorkerLoop).noquote()
            << QStringLiteral("--endpoint %1: cannot connect: %2")
                   .arg(QString::fromStdString(m_options.endpoint), QString::fromUtf8(e.what()));
        return ChannelError;
    }

    zmq::socket_t fromJob(context, zmq::socket_type::pair);
    fromJob.set(zmq::sockopt::linger, 0);
    fromJob.bind(kJobPairEndpoint);

    CancelToken cancel;
    StartedMarkWriter startedMark(m_options.startedFile);
    if (!m_options.startedFile.isEmpty() && !startedMark.isOpen())
        qCWarning(lcWorkerLoop).noquote()
            << QStringLiteral("--started-file %1: cannot open it; a crash may be charged to the "
                              "wrong attempt")
                   .arg(m_options.startedFile);
    JobThread jobThread(context, kJobPairEndpoint, m_runner, cancel, startedMark);
    jobThread.start();

    WorkerMessage ready;
    ready.type = WorkerMessageType::Ready;
    ready.secret = m_options.secret;
    ready.pid = ::getpid();
    sendToBackend(dealer, ready);

    WorkerMessage heartbeat;
    heartbeat.type = WorkerMessageType::Heartbeat;
    const QByteArray heartbeatFrame = encodeWorkerMessage(heartbeat);

    const auto interval = m_options.heartbeatInterval;
    const auto silenceLimit = interval * m_options.heartbeatLiveness;
    Clock::time_point lastHeard = Clock::now();
    Clock::time_point nextHeartbeat = lastHeard + interval;
    int exitCode = Stopped;

    const auto handleBackendMessage = [&](const QByteArray &frame) {
        const std::optional<WorkerMessage> message = decodeWorkerMessage(frame);
        if (!message) {
            qCWarning(lcWorkerLoop) << "ignoring a malformed message from the backend";
            return;
        }
        switch (message->type) {
        case WorkerMessageType::Heartbeat:
            break;
        case WorkerMessageType::Run:
            if (!jobThread.run(*message)) {
                // The backend tracks busy workers, so this is a bug there; answer
                // rather than drop, so that the attempt does not hang.
                WorkerMessage refused;
                refused.type = WorkerMessageType::Failed;
                refused.fence = message->fence;
                refused.error = JobError{QStringLiteral("job_error"),
                                         QStringLiteral("the worker is busy with another attempt")};
                refused.retryable = true;
                sendToBackend(dealer, refused);
            }
            break;
        case WorkerMessageType::Offer:
            jobThread.offer(*message);
            break;
        case WorkerMessageType::Revoke:
            // An offer that started already is answered by its Started.
            if (jobThread.withdraw(message->fence)) {
                WorkerMessage returned;
                returned.type = WorkerMessageType::Returned;
                returned.fence = message->fence;
                sendToBackend(dealer, returned);
            }
            break;
        case WorkerMessageType::Cancel:
            jobThread.cancel(message->fence);
            break;
        default:
            qCWarning(lcWorkerLoop) << "ignoring an unexpected message type from the backend";
            break;
        }
    };

    std::vector<zmq_pollitem_t> items{
        {dealer.handle(), 0, ZMQ_POLLIN, 0},
        {fromJob.handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, stopFd, ZMQ_POLLIN, 0},
    };

    for (;;) {
        const auto untilHeartbeat =
            std::chrono::duration_cast<std::chrono::milliseconds>(nextHeartbeat - Clock::now());
        try {
            zmq::poll(items, std::max(untilHeartbeat, std::chrono::milliseconds(0)));
        } catch (const zmq::error_t &e) {
            if (e.num() != EINTR) {
                qCCritical(lcWorkerLoop) << "poll failed:" << e.what();
                exitCode = ChannelError;
                break;
            }
        }

        if (items[2].revents & ZMQ_POLLIN) {
            qCInfo(lcWorkerLoop) << "stop signal received; exiting";
            exitCode = Stopped;
            break;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            while (const std::optional<QByteArray> frame = receiveFrame(dealer)) {
                lastHeard = Clock::now();
                handleBackendMessage(*frame);
            }
        }
        if (items[1].revents & ZMQ_POLLIN) {
            // The job thread keeps its own state: its frames go out as they are.
            while (const std::optional<QByteArray> frame = receiveFrame(fromJob))
                sendFrame(dealer, *frame);
        }

        const Clock::time_point now = Clock::now();
        if (now >= nextHeartbeat) {
            sendFrame(dealer, heartbeatFrame);
            nextHeartbeat = now + interval;
        }
        if (now - lastHeard > silenceLimit) {
            qCCritical(lcWorkerLoop).noquote()
                << QStringLiteral("no word from the backend for %1 ms; exiting")
                       .arg(std::chrono::duration_cast<std::chrono::milliseconds>(now - lastHeard)
                                .count());
            exitCode = BackendSilent;
            break;
        }
    }

    cancel.requestStop();
    jobThread.stop();
    return exitCode;
}

} // namespace jobdesk
