#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <mutex>
#include <utility>

namespace jobdesk {

/// Posts work onto a server's I/O thread for as long as that thread exists.
/// Responders share the gate with the server, so an answer given after
/// stop() is dropped here instead of reaching a destroyed io_context.
class HttpPostGate final
{
public:
    explicit HttpPostGate(boost::asio::io_context &io)
        : m_io(&io)
    {
    }

    /// Queues `work` on the I/O thread; false (and `work` dropped) once closed.
    template <typename Work> bool post(Work &&work)
    {
        std::lock_guard lock(m_mutex);
        if (!m_io)
            return false;
        boost::asio::post(*m_io, std::forward<Work>(work));
        return true;
    }

    /// After this returns, no post reaches the io_context any more.
    void close()
    {
        std::lock_guard lock(m_mutex);
        m_io = nullptr;
    }

private:
    std::mutex m_mutex;
    boost::asio::io_context *m_io = nullptr;
};

} // namespace jobdesk
