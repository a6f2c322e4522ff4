#include "committhread.h"

namespace jobdesk {

CommitThread::CommitThread()
    : m_receiver(std::make_unique<QObject>())
    , m_thread([this] { loop(); })
{
}

CommitThread::~CommitThread()
{
    {
        std::lock_guard lock(m_mutex);
        m_quit = true;
    }
    m_wake.notify_one();
    m_thread.join();
}

void CommitThread::run(Work work, Then then)
{
    {
        std::lock_guard lock(m_mutex);
        Q_ASSERT(m_delivered);
        m_work = std::move(work);
        m_then = std::move(then);
        m_finished = false;
        m_delivered = false;
        ++m_ticket;
    }
    m_wake.notify_one();
}

bool CommitThread::busy() const
{
    std::lock_guard lock(m_mutex);
    return !m_delivered;
}

void CommitThread::wait()
{
    quint64 ticket = 0;
    {
        std::unique_lock lock(m_mutex);
        m_done.wait(lock, [this] { return m_finished; });
        ticket = m_ticket;
    }
    deliver(ticket);
}

void CommitThread::deliver(quint64 ticket)
{
    Then then;
    QString result;
    {
        std::lock_guard lock(m_mutex);
        // The queued hand-back of a result wait() took already finds nothing.
        if (ticket != m_ticket || !m_finished || m_delivered)
            return;
        m_delivered = true;
        then = std::move(m_then);
        m_then = nullptr;
        result = m_result;
    }
    if (then)
        then(result);
}

void CommitThread::loop()
{
    for (;;) {
        Work work;
        quint64 ticket = 0;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_quit || bool(m_work); });
            if (!m_work)
                return; // quit, nothing left to do
            work = std::move(m_work);
            m_work = nullptr;
            ticket = m_ticket;
        }
        const QString result = work();
        {
            std::lock_guard lock(m_mutex);
            m_result = result;
            m_finished = true;
        }
        m_done.notify_all();
        QMetaObject::invokeMethod(
            m_receiver.get(), [this, ticket] { deliver(ticket); }, Qt::QueuedConnection);
    }
}

} // namespace jobdesk
