#include "longpollwaiters.h"

#include <QMetaObject>
#include <algorithm>
#include <vector>

namespace jobdesk {

LongPollWaiters::LongPollWaiters(int capacity, QObject *parent)
    : QObject(parent)
    , m_capacity(capacity)
{
    m_timer.setSingleShot(true);
    // A coarse timer may fire 5% late: 3 s on a 60 s wait.
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &LongPollWaiters::expire);
}

LongPollWaiters::~LongPollWaiters() = default;

quint64 LongPollWaiters::add(const QString &jobId, std::chrono::milliseconds timeout, Wake wake)
{
    const Clock::time_point deadline = Clock::now() + timeout;
    bool rearmNeeded = false;
    quint64 ticket = 0;
    {
        std::lock_guard lock(m_mutex);
        if (static_cast<int>(m_waiters.size()) >= m_capacity)
            return 0;
        ticket = m_nextTicket++;
        m_waiters.emplace(ticket, Waiter{jobId, deadline, std::move(wake)});
        m_byJob[jobId].append(ticket);
        m_byDeadline.emplace(deadline, ticket);
        if (deadline < m_armedFor) {
            m_armedFor = deadline;
            rearmNeeded = true;
        }
    }
    if (rearmNeeded)
        QMetaObject::invokeMethod(this, &LongPollWaiters::rearm, Qt::QueuedConnection);
    return ticket;
}

LongPollWaiters::Wake LongPollWaiters::takeLocked(quint64 ticket)
{
    const auto it = m_waiters.find(ticket);
    if (it == m_waiters.end())
        return {};
    Waiter waiter = std::move(it->second);
    m_waiters.erase(it);
    auto job = m_byJob.find(waiter.jobId);
    if (job != m_byJob.end()) {
        job->removeOne(ticket);
        if (job->isEmpty())
            m_byJob.erase(job);
    }
    for (auto d = m_byDeadline.lower_bound(waiter.deadline);
         d != m_byDeadline.end() && d->first == waiter.deadline; ++d) {
        if (d->second == ticket) {
            m_byDeadline.erase(d);
            break;
        }
    }
    return std::move(waiter.wake);
}

bool LongPollWaiters::cancel(quint64 ticket)
{
    std::lock_guard lock(m_mutex);
    return static_cast<bool>(takeLocked(ticket));
}

void LongPollWaiters::notify(const QString &jobId)
{
    std::vector<Wake> woken;
    {
        std::lock_guard lock(m_mutex);
        const auto job = m_byJob.constFind(jobId);
        if (job == m_byJob.constEnd())
            return;
        const QList<quint64> tickets = job.value();
        for (quint64 ticket : tickets) {
            if (Wake wake = takeLocked(ticket))
                woken.push_back(std::move(wake));
        }
    }
    // Outside the lock: a wake-up may register a new waiter.
    for (Wake &wake : woken)
        wake(true);
}

void LongPollWaiters::releaseAll()
{
    std::vector<Wake> woken;
    {
        std::lock_guard lock(m_mutex);
        for (auto &[ticket, waiter] : m_waiters)
            woken.push_back(std::move(waiter.wake));
        m_waiters.clear();
        m_byJob.clear();
        m_byDeadline.clear();
        m_armedFor = Clock::time_point::max();
    }
    m_timer.stop();
    for (Wake &wake : woken)
        wake(false);
}

void LongPollWaiters::expire()
{
    std::vector<Wake> woken;
    {
        std::lock_guard lock(m_mutex);
        const Clock::time_point now = Clock::now();
        while (!m_byDeadline.empty() && m_byDeadline.begin()->first <= now) {
            const quint64 ticket = m_byDeadline.begin()->second;
            if (Wake wake = takeLocked(ticket))
                woken.push_back(std::move(wake));
            else
                m_byDeadline.erase(m_byDeadline.begin());
        }
    }
    for (Wake &wake : woken)
        wake(false);
    rearm();
}

void LongPollWaiters::rearm()
{
    Clock::time_point next;
    {
        std::lock_guard lock(m_mutex);
        next = m_byDeadline.empty() ? Clock::time_point::max() : m_byDeadline.begin()->first;
        m_armedFor = next;
    }
    if (next == Clock::time_point::max()) {
        m_timer.stop();
        return;
    }
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
    // Rounded up: firing a little early would find nothing due and re-arm.
    m_timer.start(static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, wait.count() + 1)));
}

int LongPollWaiters::count() const
{
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_waiters.size());
}

} // namespace jobdesk
