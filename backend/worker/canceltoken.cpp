#include "canceltoken.h"

namespace jobdesk {

void CancelToken::reset()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_cancelled.store(false, std::memory_order_release);
}

void CancelToken::cancel()
{
    // Set under the lock so a waiter cannot check the flag, miss the notify
    // and then sleep through the cancel. The hook runs under it too, so that
    // clearHook() cannot return while it runs.
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_cancelled.store(true, std::memory_order_release);
        if (m_hook)
            m_hook();
    }
    m_wake.notify_all();
}

void CancelToken::requestStop()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping.store(true, std::memory_order_release);
        if (m_hook)
            m_hook();
    }
    m_wake.notify_all();
}

void CancelToken::setHook(std::function<void()> hook) const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_hook = std::move(hook);
    if (m_hook && interrupted(true))
        m_hook();
}

void CancelToken::clearHook() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_hook = nullptr;
}

bool CancelToken::waitFor(std::chrono::nanoseconds duration, bool honourCancel) const
{
    if (interrupted(honourCancel))
        return false;
    if (duration <= std::chrono::nanoseconds::zero())
        return true; // the zero-length sleep of a fast job takes no lock at all
    const auto deadline = std::chrono::steady_clock::now() + duration;
    std::unique_lock<std::mutex> lock(m_mutex);
    return !m_wake.wait_until(lock, deadline, [&] { return interrupted(honourCancel); });
}

} // namespace jobdesk
