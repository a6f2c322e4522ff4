#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace jobdesk {

/// Shared between the worker's socket thread (which sets it) and its job
/// thread (which checks it and sleeps on it). Two separate requests: a
/// cooperative cancel of the current job, which a job may choose to ignore,
/// and the worker stopping, which every wait honours so that the process can
/// exit promptly on SIGTERM.
class CancelToken
{
public:
    /// Clears a cancel left over from the previous job (not the stop request).
    void reset();
    /// Asks the current job to stop; wakes it if it is waiting.
    void cancel();
    /// The worker is going away: wakes every wait for good.
    void requestStop();

    bool isCancelled() const { return m_cancelled.load(std::memory_order_acquire); }
    bool isStopping() const { return m_stopping.load(std::memory_order_acquire); }

    /// Waits up to `duration` without burning CPU. Returns true when the full
    /// time passed, false when woken early by a stop request, or by a cancel
    /// when `honourCancel` is set.
    bool waitFor(std::chrono::nanoseconds duration, bool honourCancel) const;

    /// For work that cannot poll the token, such as a running SQLite query:
    /// `hook` is called on the thread that cancels or stops, at once if that
    /// already happened. One hook at a time; it must be quick and must not
    /// call back into the token. Use ScopedCancelHook.
    void setHook(std::function<void()> hook) const;
    /// Returns once no call of the hook is running, so that what the hook
    /// touches may then be destroyed.
    void clearHook() const;

private:
    bool interrupted(bool honourCancel) const
    {
        return isStopping() || (honourCancel && isCancelled());
    }

    mutable std::mutex m_mutex;
    mutable std::condition_variable m_wake;
    std::atomic<bool> m_cancelled{false};
    std::atomic<bool> m_stopping{false};
    mutable std::function<void()> m_hook; // guarded by m_mutex
};

/// Installs a cancel hook for its lifetime (see CancelToken::setHook()).
class ScopedCancelHook
{
public:
    ScopedCancelHook(const CancelToken &token, std::function<void()> hook)
        : m_token(token)
    {
        m_token.setHook(std::move(hook));
    }
    ~ScopedCancelHook() { m_token.clearHook(); }

    ScopedCancelHook(const ScopedCancelHook &) = delete;
    ScopedCancelHook &operator=(const ScopedCancelHook &) = delete;

private:
    const CancelToken &m_token;
};

} // namespace jobdesk
