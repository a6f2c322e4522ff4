#pragma once

// Internal to the HTTP transport: one client connection.

#include "httpmessage.h"
#include "httpservercore.h"

#include <array>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>

namespace jobdesk {

/// Serves the requests of one connection, one at a time: the next request
/// is read only after the current one is answered, so pipelined requests are
/// answered in order and a slow answer holds no buffer for the next. Runs on
/// the I/O thread; every failure ends in close(), never in an exception.
class HttpSession final : public std::enable_shared_from_this<HttpSession>
{
public:
    HttpSession(boost::asio::ip::tcp::socket socket, HttpServerCore &server);

    /// Reads and answers requests until the connection ends.
    void start();
    /// Answers 503 at once and closes: the server is at its connection limit.
    void startRejecting();
    /// The server stops: an idle connection closes now, one that is owed an
    /// answer closes once the answer is written.
    void onServerStopping();

    /// The handler's answer to the current request (I/O thread).
    void deliver(HttpResponse response);
    /// Every copy of the responder was dropped unanswered (I/O thread).
    void deliverUnanswered();

private:
    enum class Phase
    {
        Reading,
        Handling,
        Writing,
        Closing,
        Closed
    };
    /// What follows a write: the body after `100 Continue`, or the next request.
    enum class AfterWrite
    {
        ReadBody,
        NextRequest
    };
    template <typename Body> struct Outgoing;

    void readNextRequest();
    void readHeader();
    void onHeader(boost::beast::error_code ec);
    void readBody();
    void onBody(boost::beast::error_code ec);
    /// Answers a read that failed: a problem for a bad request, else close().
    void failRead(boost::beast::error_code ec);
    void dispatch();

    void send(HttpResponse response);
    void sendProblem(HttpResponse problem); // and close afterwards
    template <typename Body> void write(std::shared_ptr<Outgoing<Body>> out, AfterWrite then);
    void onWritten(AfterWrite then);

    void closeGracefully();
    void drain();
    void close();

    boost::beast::tcp_stream m_stream;
    HttpServerCore &m_server;
    std::string m_peer;
    boost::beast::flat_buffer m_buffer;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> m_parser;
    Phase m_phase = Phase::Reading;
    bool m_firstRequest = true;
    // Of the request being answered.
    unsigned m_version = 11;
    bool m_keepAlive = false;
    bool m_head = false;
    std::array<char, 4096> m_drainBuffer{};
    std::size_t m_drainedBytes = 0;
};

} // namespace jobdesk
