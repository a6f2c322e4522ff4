#pragma once

#include "httpmessage.h"
#include "reliability.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace jobdesk {

class HttpServerCore;

/// The limits one server enforces; the defaults are those of reliability.h.
struct HttpServerOptions
{
    std::size_t maxBodyBytes = reliability::kMaxHttpBodyBytes;
    std::size_t maxHeaderBytes = reliability::kMaxHttpHeaderBytes;
    /// How long a kept-alive connection may wait for its next request.
    std::chrono::milliseconds idleTimeout = reliability::kHttpIdleTimeout;
    /// How long a request's header may take to arrive once it has begun
    /// (and a new connection's first request in whole).
    std::chrono::milliseconds headerTimeout = reliability::kHttpHeaderTimeout;
    int maxConnections = reliability::kHttpMaxConnections;
    /// After a closing answer (413, 400, Connection: close): how long the
    /// connection is drained so the client reads the answer rather than a reset.
    std::chrono::milliseconds lingerTimeout = std::chrono::milliseconds(1000);
    /// How long stop() waits for connections still owed or writing an answer.
    std::chrono::milliseconds stopGrace = std::chrono::milliseconds(2000);
};

/// An HTTP/1.0 and 1.1 server (Boost.Beast) with its own I/O thread.
///
/// Requests are handed to the handler on the I/O thread; answers may come
/// later from any thread through the responder. Connections are kept alive
/// as the client asks (HTTP/1.0 `Connection: keep-alive` included), bodies
/// over the limit are refused with 413 as soon as the header announces them,
/// and every failure of one connection stays with that connection.
///
/// listen(), start(), stopAccepting() and stop() are called from the owning
/// thread. Shutdown order for a graceful stop: stopAccepting(), let the
/// owner of pending answers give them (e.g. drain the job service), then
/// stop().
class HttpServer final
{
public:
    using Options = HttpServerOptions;

    explicit HttpServer(HttpHandler handler, HttpServerOptions options = {});
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    /// Binds `host` (an address or a name) and `port` (0 = any free port).
    bool listen(const std::string &host, std::uint16_t port, std::string *error);
    /// The bound port, after a successful listen().
    std::uint16_t port() const;
    /// The bound address, e.g. "127.0.0.1", after a successful listen().
    std::string address() const;

    /// Starts accepting on the server's own I/O thread.
    void start();
    /// Closes the listening socket and idle connections; connections that are
    /// owed an answer close once it is written. Returns at once.
    void stopAccepting();
    /// stopAccepting(), then waits up to options.stopGrace for owed answers,
    /// closes what is left and joins the I/O thread. Idempotent.
    void stop();

    /// Open connections (thread-safe; for tests and metrics).
    int connectionCount() const;

private:
    std::unique_ptr<HttpServerCore> d;
};

} // namespace jobdesk
