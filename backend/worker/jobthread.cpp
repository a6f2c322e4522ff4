#include "jobthread.h"

#include <QLoggingCategory>

namespace jobdesk {

namespace {
Q_LOGGING_CATEGORY(lcJobThread, "jobdesk.worker.job")
} // namespace

JobThread::JobThread(zmq::context_t &context, std::string endpoint, const JobRunner &runner,
                     const CancelToken &cancel)
    : m_context(context)
    , m_endpoint(std::move(endpoint))
    , m_runner(runner)
    , m_cancel(cancel)
{
}

JobThread::~JobThread()
{
    stop();
}

void JobThread::start()
{
    m_thread = std::thread([this] { loop(); });
}

void JobThread::submit(WorkerMessage run)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_next = std::move(run);
    }
    m_wake.notify_one();
}

void JobThread::stop()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_quit = true;
    }
    m_wake.notify_one();
    if (m_thread.joinable())
        m_thread.join();
}

void JobThread::loop()
{
    // The job thread owns its end of the pair: ZeroMQ sockets are not shared
    // across threads.
    zmq::socket_t out(m_context, zmq::socket_type::pair);
    out.set(zmq::sockopt::linger, 0);
    out.connect(m_endpoint);

    const auto send = [&](const WorkerMessage &m, bool mayDrop) {
        const QByteArray frame = encodeWorkerMessage(m);
        try {
            // Once stopping, the socket thread may no longer read: never block then.
            const auto flags = (mayDrop || m_cancel.isStopping()) ? zmq::send_flags::dontwait
                                                                  : zmq::send_flags::none;
            if (!out.send(zmq::buffer(frame.constData(), std::size_t(frame.size())), flags))
                qCDebug(lcJobThread) << "dropped a message to the socket thread";
        } catch (const zmq::error_t &e) {
            qCWarning(lcJobThread) << "cannot hand a message to the socket thread:" << e.what();
        }
    };

    for (;;) {
        WorkerMessage run;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] { return m_quit || m_next.has_value(); });
            if (m_quit)
                break;
            run = std::move(*m_next);
            m_next.reset();
        }

        const qint64 fence = run.fence;
        const auto reportProgress = [&](std::optional<double> pct, const QString &message) {
            WorkerMessage p;
            p.type = WorkerMessageType::Progress;
            p.fence = fence;
            p.progress = pct;
            p.message = message;
            send(p, true); // a newer report supersedes a dropped one
        };
        send(m_runner.run(run, m_cancel, reportProgress), false);
    }
}

} // namespace jobdesk
