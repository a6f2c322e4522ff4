#pragma once

#include <QObject>
#include <QString>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace jobdesk {

/// One thread that waits for the disk on a writer's behalf: run() hands it
/// a piece of work (a COMMIT and its fsync) and returns; the result comes
/// back on the thread that created the CommitThread, from its event loop,
/// which goes on serving meanwhile. One piece of work at a time.
class CommitThread
{
public:
    /// What the work returns: empty on success, else why it failed.
    using Work = std::function<QString()>;
    /// Gets the work's result, on the creating thread.
    using Then = std::function<void(const QString &error)>;

    CommitThread();
    /// Waits for work in flight; its `then` does not run.
    ~CommitThread();

    CommitThread(const CommitThread &) = delete;
    CommitThread &operator=(const CommitThread &) = delete;

    /// Starts `work` on the thread; `then` runs once, from the creating
    /// thread's event loop, or from wait() if that comes first. Only while
    /// not busy().
    void run(Work work, Then then);
    /// From run() until its `then` has run.
    bool busy() const;
    /// Blocks until the work in flight is done, then runs its `then` here
    /// (unless it ran already). Returns at once when not busy().
    void wait();

private:
    void loop();
    void deliver(quint64 ticket);

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_done;
    Work m_work;
    Then m_then;
    QString m_result;
    quint64 m_ticket = 0;   // of the last run()
    bool m_finished = true; // the work of m_ticket is done
    bool m_delivered = true;
    bool m_quit = false;
    /// Lives on the creating thread; results are posted to it. Deleted
    /// after the thread has ended, so a post never finds it gone (Qt drops
    /// the events still queued for it).
    std::unique_ptr<QObject> m_receiver;
    std::thread m_thread;
};

} // namespace jobdesk
