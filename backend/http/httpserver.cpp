#include "httpserver.h"

#include "httplogging.h"
#include "httpservercore.h"

#include <fcntl.h>

namespace jobdesk {

Q_LOGGING_CATEGORY(lcHttp, "jobdesk.http")

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

HttpServer::HttpServer(HttpHandler handler, HttpServerOptions options)
    : d(std::make_unique<HttpServerCore>(std::move(handler), options))
{
}

HttpServer::~HttpServer()
{
    stop();
}

bool HttpServer::listen(const std::string &host, std::uint16_t port, std::string *error)
{
    const auto fail = [error](const std::string &what, const boost::system::error_code &ec) {
        if (error)
            *error = what + ": " + ec.message();
        return false;
    };
    if (d->listening || d->stopped)
        return fail("cannot listen", asio::error::already_open);

    boost::system::error_code ec;
    tcp::endpoint endpoint;
    const asio::ip::address address = asio::ip::make_address(host, ec);
    if (!ec) {
        endpoint = tcp::endpoint(address, port);
    } else {
        tcp::resolver resolver(d->io);
        const auto results = resolver.resolve(host, std::to_string(port), ec);
        if (ec || results.empty())
            return fail("cannot resolve " + host, ec ? ec : asio::error::host_not_found);
        endpoint = results.begin()->endpoint();
    }

    d->acceptor.open(endpoint.protocol(), ec);
    if (ec)
        return fail("cannot open a socket", ec);
    ::fcntl(d->acceptor.native_handle(), F_SETFD, FD_CLOEXEC);
    d->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    d->acceptor.bind(endpoint, ec);
    if (ec) {
        d->acceptor.close();
        return fail("cannot bind " + endpoint.address().to_string() + ':' +
                        std::to_string(endpoint.port()),
                    ec);
    }
    d->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec)
        d->acceptor.non_blocking(true, ec);
    if (!ec)
        d->bound = d->acceptor.local_endpoint(ec);
    if (ec) {
        d->acceptor.close();
        return fail("cannot listen", ec);
    }
    d->listening = true;
    return true;
}

std::uint16_t HttpServer::port() const
{
    return d->bound.port();
}

std::string HttpServer::address() const
{
    return d->bound.address().to_string();
}

void HttpServer::start()
{
    if (!d->listening || d->thread.joinable() || d->stopped)
        return;
    d->work.emplace(d->io.get_executor());
    d->acceptLoop();
    d->thread = std::thread([p = d.get()] {
        for (;;) {
            try {
                p->io.run();
                return;
            } catch (const std::exception &e) {
                qCCritical(lcHttp) << "the HTTP I/O loop caught:" << e.what();
            } catch (...) {
                qCCritical(lcHttp) << "the HTTP I/O loop caught an unknown exception";
            }
        }
    });
}

void HttpServer::stopAccepting()
{
    if (d->stopped)
        return;
    if (!d->thread.joinable()) {
        boost::system::error_code ec;
        d->acceptor.close(ec);
        return;
    }
    asio::post(d->io, [p = d.get()] { p->beginStop(); });
}

void HttpServer::stop()
{
    if (d->stopped)
        return;
    if (!d->thread.joinable()) {
        d->stopped = true;
        d->gate->close();
        boost::system::error_code ec;
        d->acceptor.close(ec);
        return;
    }
    stopAccepting();
    d->stopped = true;
    {
        std::unique_lock lock(d->drainMutex);
        d->drainedCondition.wait_for(lock, d->options.stopGrace, [this] { return d->drained; });
    }
    d->gate->close();
    d->work.reset();
    d->io.stop();
    d->thread.join();
    // The I/O thread is gone: what is left closes here, without ceremony.
    d->sessions.clear();
}

int HttpServer::connectionCount() const
{
    return d->connections.load();
}

} // namespace jobdesk
