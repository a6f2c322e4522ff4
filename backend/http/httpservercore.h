#pragma once

// Internal to the HTTP transport.

#include "httppostgate.h"
#include "httpserver.h"

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace jobdesk {

class HttpSession;

/// What one server and its connections share: the io_context, the listening
/// socket and the open sessions. Members are touched on the I/O thread only,
/// except where marked.
class HttpServerCore final
{
public:
    HttpServerCore(HttpHandler handler, HttpServerOptions options);

    // --- the I/O thread ---
    void acceptLoop();
    void acceptReady();
    void serve(boost::asio::ip::tcp::socket socket);
    void beginStop();
    /// A session joins the server; it is kept alive until it forgets itself.
    void adopt(const std::shared_ptr<HttpSession> &session, bool rejecting);
    void forget(HttpSession *session);

    // The io_context is declared first so it is destroyed last: handlers
    // still queued in it own sessions whose sockets belong to it.
    boost::asio::io_context io{1};
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
    boost::asio::ip::tcp::acceptor acceptor{io};
    boost::asio::steady_timer acceptRetry{io};
    const HttpHandler handler;
    const HttpServerOptions options;
    const std::shared_ptr<HttpPostGate> gate = std::make_shared<HttpPostGate>(io);

    struct Member
    {
        std::shared_ptr<HttpSession> session;
        bool rejecting = false;
    };
    std::unordered_map<HttpSession *, Member> sessions;
    int serving = 0;
    int rejecting = 0;
    bool stopping = false;

    // --- any thread ---
    std::atomic<int> connections{0};
    std::mutex drainMutex;
    std::condition_variable drainedCondition;
    bool drained = false; // guarded by drainMutex

    // --- the owning thread (`bound` is set before the I/O thread starts) ---
    std::thread thread;
    boost::asio::ip::tcp::endpoint bound;
    bool listening = false;
    bool stopped = false;
};

} // namespace jobdesk
