#include "httpservercore.h"

#include "httplogging.h"
#include "httpsession.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace jobdesk {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

// Connections answered 503 at once beyond the limit; past this many at the
// same time, further ones are closed without an answer.
constexpr int kMaxRejectingConnections = 64;
// After the process runs out of descriptors, accepting pauses this long.
constexpr std::chrono::milliseconds kAcceptRetryDelay(100);
// Connections taken per wake-up of the listening socket.
constexpr int kAcceptBatch = 64;

} // namespace

HttpServerCore::HttpServerCore(HttpHandler handler, HttpServerOptions options)
    : handler(std::move(handler))
    , options(options)
{
}

void HttpServerCore::acceptLoop()
{
    if (stopping)
        return;
    acceptor.async_wait(tcp::acceptor::wait_read, [this](beast::error_code ec) {
        if (ec || stopping)
            return; // closed by stop()
        acceptReady();
    });
}

void HttpServerCore::acceptReady()
{
    // accept4 with SOCK_CLOEXEC: worker processes forked meanwhile must not
    // inherit client connections (a closed connection would stay open in them).
    for (int i = 0; i < kAcceptBatch; ++i) {
        const int fd =
            ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            const int error = errno;
            if (error == EAGAIN || error == EWOULDBLOCK)
                break;
            if (error == EINTR || error == ECONNABORTED || error == EPROTO)
                continue;
            qCWarning(lcHttp) << "accept failed:" << std::strerror(error);
            acceptRetry.expires_after(kAcceptRetryDelay);
            acceptRetry.async_wait([this](beast::error_code ec) {
                if (!ec)
                    acceptLoop();
            });
            return;
        }
        beast::error_code ec;
        tcp::socket socket(io);
        socket.assign(bound.protocol(), fd, ec);
        if (ec) {
            ::close(fd);
            continue;
        }
        serve(std::move(socket));
    }
    acceptLoop();
}

void HttpServerCore::serve(tcp::socket socket)
{
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    if (serving >= options.maxConnections) {
        if (rejecting >= kMaxRejectingConnections)
            return; // the socket closes as it goes out of scope
        const auto session = std::make_shared<HttpSession>(std::move(socket), *this);
        adopt(session, true);
        session->startRejecting();
        return;
    }
    const auto session = std::make_shared<HttpSession>(std::move(socket), *this);
    adopt(session, false);
    session->start();
}

void HttpServerCore::adopt(const std::shared_ptr<HttpSession> &session, bool isRejecting)
{
    sessions.emplace(session.get(), Member{session, isRejecting});
    ++(isRejecting ? rejecting : serving);
    ++connections;
}

void HttpServerCore::forget(HttpSession *session)
{
    const auto it = sessions.find(session);
    if (it == sessions.end())
        return;
    --(it->second.rejecting ? rejecting : serving);
    --connections;
    sessions.erase(it);
    if (stopping && sessions.empty()) {
        std::lock_guard lock(drainMutex);
        drained = true;
        drainedCondition.notify_all();
    }
}

void HttpServerCore::beginStop()
{
    if (stopping)
        return;
    stopping = true;
    beast::error_code ec;
    acceptor.close(ec);
    acceptRetry.cancel();
    std::vector<std::shared_ptr<HttpSession>> open;
    open.reserve(sessions.size());
    for (const auto &entry : sessions)
        open.push_back(entry.second.session);
    for (const auto &session : open)
        session->onServerStopping();
    if (sessions.empty()) {
        std::lock_guard lock(drainMutex);
        drained = true;
        drainedCondition.notify_all();
    }
}

} // namespace jobdesk
