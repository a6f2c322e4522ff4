#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QTimer>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>

namespace jobdesk {

/// Long polls (`GET /api/v1/jobs/{id}?wait=N`) waiting for their job to
/// change, keyed by job id. The write path wakes a job's waiters after the
/// commit that changed it (notify); a single timer wakes those whose time
/// is up. Nothing polls.
///
/// add() and cancel() may be called from any thread; notify(), releaseAll()
/// and every wake-up happen on the thread this object lives on (the job
/// service's). A waiter is woken exactly once, or taken back by cancel().
class LongPollWaiters : public QObject
{
    Q_OBJECT
public:
    /// `changed`: true when the job changed, false when the time was up.
    using Wake = std::function<void(bool changed)>;

    explicit LongPollWaiters(int capacity = 10000, QObject *parent = nullptr);
    ~LongPollWaiters() override;

    /// Registers a waiter; returns its ticket, or 0 when `capacity` waiters
    /// are already waiting.
    quint64 add(const QString &jobId, std::chrono::milliseconds timeout, Wake wake);
    /// Takes a waiter back before it is woken. True when it was still
    /// waiting: the caller then answers for it.
    bool cancel(quint64 ticket);
    /// Wakes every waiter of `jobId` (changed = true).
    void notify(const QString &jobId);
    /// Wakes every waiter (changed = false), as when the service stops.
    void releaseAll();

    int count() const;

private:
    using Clock = std::chrono::steady_clock;

    struct Waiter
    {
        QString jobId;
        Clock::time_point deadline;
        Wake wake;
    };

    void rearm();
    void expire();
    /// Removes a waiter from every index; the mutex is held.
    Wake takeLocked(quint64 ticket);

    const int m_capacity;
    QTimer m_timer;

    mutable std::mutex m_mutex;
    quint64 m_nextTicket = 1;
    std::unordered_map<quint64, Waiter> m_waiters;
    QHash<QString, QList<quint64>> m_byJob;
    std::multimap<Clock::time_point, quint64> m_byDeadline;
    Clock::time_point m_armedFor = Clock::time_point::max();
};

} // namespace jobdesk
