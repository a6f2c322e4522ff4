#include "jobthread.h"

#include <QLoggingCategory>
#include <algorithm>
#include <optional>

namespace jobdesk {

namespace {
Q_LOGGING_CATEGORY(lcJobThread, "jobdesk.worker.job")
} // namespace

JobThread::JobThread(zmq::context_t &context, std::string endpoint, const JobRunner &runner,
                     CancelToken &cancel, StartedMarkWriter &startedMark)
    : m_context(context)
    , m_endpoint(std::move(endpoint))
    , m_runner(runner)
    , m_cancel(cancel)
    , m_startedMark(startedMark)
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

bool JobThread::run(WorkerMessage run)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_running != 0 || !m_waiting.empty())
            return false;
        m_waiting.push_back(std::move(run));
    }
    m_wake.notify_one();
    return true;
}

void JobThread::offer(WorkerMessage offer)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_waiting.push_back(std::move(offer));
    }
    m_wake.notify_one();
}

bool JobThread::withdraw(qint64 fence)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    const auto it = std::find_if(m_waiting.begin(), m_waiting.end(),
                                 [fence](const WorkerMessage &m) { return m.fence == fence; });
    if (it == m_waiting.end())
        return false;
    m_waiting.erase(it);
    m_cancelOnStart.erase(std::remove(m_cancelOnStart.begin(), m_cancelOnStart.end(), fence),
                          m_cancelOnStart.end());
    return true;
}

void JobThread::cancel(qint64 fence)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (fence == 0)
        return;
    if (fence == m_running) {
        m_cancel.cancel();
        return;
    }
    // Handed over but not taken yet: the cancel waits for it.
    const bool waiting = std::any_of(m_waiting.begin(), m_waiting.end(),
                                     [fence](const WorkerMessage &m) { return m.fence == fence; });
    if (waiting)
        m_cancelOnStart.push_back(fence);
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

    // Under the lock: from the moment an attempt is taken, a cancel for its
    // fence reaches it, and one for the previous attempt no longer can.
    const auto takeLocked = [this] {
        WorkerMessage next = std::move(m_waiting.front());
        m_waiting.pop_front();
        m_running = next.fence;
        // Before anything announces the start: if the job takes the process
        // down, jobdeskd knows it was this one even if no message got out.
        m_startedMark.mark(next.fence);
        m_cancel.reset();
        const auto early = std::find(m_cancelOnStart.begin(), m_cancelOnStart.end(), next.fence);
        if (early != m_cancelOnStart.end()) {
            m_cancelOnStart.erase(early);
            m_cancel.cancel();
        }
        return next;
    };

    // An offer taken right after an attempt ended is announced by that end
    // (next_fence), one message instead of two; one taken by an idle
    // thread by a Started of its own.
    std::optional<WorkerMessage> taken;
    for (;;) {
        if (!taken) {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] { return m_quit || !m_waiting.empty(); });
            if (m_quit)
                break;
            taken = takeLocked();
            if (taken->type == WorkerMessageType::Offer) {
                WorkerMessage started;
                started.type = WorkerMessageType::Started;
                started.fence = taken->fence;
                lock.unlock();
                send(started, false);
            }
        }
        const WorkerMessage run = std::move(*taken);
        taken.reset();

        const qint64 fence = run.fence;
        const auto reportProgress = [&](std::optional<double> pct, const QString &message) {
            WorkerMessage p;
            p.type = WorkerMessageType::Progress;
            p.fence = fence;
            p.progress = pct;
            p.message = message;
            send(p, true); // a newer report supersedes a dropped one
        };
        WorkerMessage end = m_runner.run(run, m_cancel, reportProgress);
        {
            // Settled before the end is sent: the backend may answer it with
            // a Run faster than this thread gets the lock back.
            std::lock_guard<std::mutex> lock(m_mutex);
            m_running = 0;
            if (!m_quit && !m_waiting.empty() &&
                m_waiting.front().type == WorkerMessageType::Offer) {
                taken = takeLocked();
                end.nextFence = taken->fence;
            }
        }
        send(end, false);
    }
}

} // namespace jobdesk
