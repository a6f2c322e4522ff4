#include "httpsession.h"

#include "filerangebody.h"
#include "httplogging.h"
#include "problem.h"

#include <algorithm>
#include <atomic>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

namespace jobdesk {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// What a closing connection reads and drops at most before it closes anyway.
constexpr std::size_t kMaxDrainBytes = 4 * 1024 * 1024;
// How much an idle connection reads at once while waiting for a request.
constexpr std::size_t kReadChunkBytes = 4096;

std::string_view toStd(beast::string_view s)
{
    return {s.data(), s.size()};
}

// Whether a comma-separated field value holds `token` (case-insensitive).
bool hasToken(std::string_view value, std::string_view token)
{
    while (!value.empty()) {
        const auto comma = value.find(',');
        std::string_view item = value.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
            item.remove_suffix(1);
        if (equalsIgnoringCase(item, token))
            return true;
        if (comma == std::string_view::npos)
            break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

bool isValidFieldName(std::string_view name)
{
    return !name.empty() && std::all_of(name.begin(), name.end(),
                                        [](char c) { return c > ' ' && c < 127 && c != ':'; });
}

bool isValidFieldValue(std::string_view value)
{
    return value.find_first_of("\r\n", 0, 3) == std::string_view::npos;
}

// Fields the transport owns: it frames the message and decides keep-alive.
bool isFramingField(std::string_view name)
{
    return equalsIgnoringCase(name, "Content-Length") || equalsIgnoringCase(name, "Connection") ||
           equalsIgnoringCase(name, "Transfer-Encoding");
}

// Shared by every copy of one request's responder: it makes the answer
// exactly-once, and answers for the handler when every copy is dropped
// unanswered. It holds the session weakly, so a client that has gone, or a
// server that has stopped, only means the answer is dropped.
class ResponderState final
{
public:
    ResponderState(std::weak_ptr<HttpSession> session, std::shared_ptr<HttpPostGate> gate)
        : m_session(std::move(session))
        , m_gate(std::move(gate))
    {
    }
    ResponderState(const ResponderState &) = delete;
    ResponderState &operator=(const ResponderState &) = delete;

    ~ResponderState()
    {
        if (m_answered.load())
            return;
        try {
            m_gate->post([session = m_session] {
                if (const auto s = session.lock())
                    s->deliverUnanswered();
            });
        } catch (...) {
            // Nothing to be done: the connection then waits for its timeout or stop().
        }
    }

    void answer(HttpResponse response)
    {
        if (m_answered.exchange(true)) {
            qCWarning(lcHttp) << "a request was answered twice; the second answer is dropped";
            return;
        }
        m_gate->post([session = m_session, response = std::move(response)]() mutable {
            if (const auto s = session.lock())
                s->deliver(std::move(response));
        });
    }

private:
    const std::weak_ptr<HttpSession> m_session;
    const std::shared_ptr<HttpPostGate> m_gate;
    std::atomic<bool> m_answered{false};
};

} // namespace

// A response and its serializer, kept alive together until written.
template <typename Body> struct HttpSession::Outgoing
{
    http::response<Body> message;
    std::optional<http::serializer<false, Body>> serializer;
};

HttpSession::HttpSession(tcp::socket socket, HttpServerCore &server)
    : m_stream(std::move(socket))
    , m_server(server)
{
    beast::error_code ec;
    const tcp::endpoint remote = m_stream.socket().remote_endpoint(ec);
    if (!ec)
        m_peer = remote.address().to_string() + ':' + std::to_string(remote.port());
}

void HttpSession::start()
{
    readNextRequest();
}

void HttpSession::startRejecting()
{
    m_phase = Phase::Handling;
    HttpResponse busy = problemResponse(ApiError{
        ErrorCode::Unavailable, QStringLiteral("the server has too many open connections"), {}, 1});
    sendProblem(std::move(busy));
}

void HttpSession::onServerStopping()
{
    // Reading covers an idle connection and a request not yet handed over;
    // Closing is a finished one lingering. Answers being owed or written
    // are let through: onWritten() sees `stopping` and closes after.
    if (m_phase == Phase::Reading || m_phase == Phase::Closing)
        close();
}

// ---------------------------------------------------------------------------
// Reading

void HttpSession::readNextRequest()
{
    m_parser.emplace();
    m_parser->header_limit(static_cast<std::uint32_t>(m_server.options.maxHeaderBytes));
    m_parser->body_limit(static_cast<std::uint64_t>(m_server.options.maxBodyBytes));

    // A new connection gets the header timeout from its first byte on;
    // a kept-alive one may idle longer before its next request begins.
    if (m_firstRequest || m_buffer.size() > 0) {
        m_firstRequest = false;
        readHeader();
        return;
    }
    m_stream.expires_after(m_server.options.idleTimeout);
    m_stream.async_read_some(m_buffer.prepare(kReadChunkBytes),
                             [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                 if (self->m_phase == Phase::Closed)
                                     return;
                                 if (ec) {
                                     self->close(); // gone, or idle for too long
                                     return;
                                 }
                                 self->m_buffer.commit(n);
                                 self->readHeader();
                             });
}

void HttpSession::readHeader()
{
    m_stream.expires_after(m_server.options.headerTimeout);
    http::async_read_header(
        m_stream, m_buffer, *m_parser,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onHeader(ec); });
}

void HttpSession::onHeader(beast::error_code ec)
{
    if (m_phase == Phase::Closed)
        return;
    if (ec) {
        failRead(ec);
        return;
    }
    const auto &request = m_parser->get();
    m_version = request.version() == 10 ? 10 : 11;
    m_keepAlive = request.keep_alive();
    m_head = request.method() == http::verb::head;
    if (m_parser->is_done()) {
        dispatch();
        return;
    }
    if (m_version == 11 &&
        equalsIgnoringCase(toStd(request[http::field::expect]), "100-continue")) {
        auto out = std::make_shared<Outgoing<http::empty_body>>();
        out->message.version(11);
        out->message.result(http::status::continue_);
        write(std::move(out), AfterWrite::ReadBody);
        return;
    }
    readBody();
}

void HttpSession::readBody()
{
    // A body trickling in is bounded like an idle connection.
    m_stream.expires_after(m_server.options.idleTimeout);
    http::async_read(
        m_stream, m_buffer, *m_parser,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onBody(ec); });
}

void HttpSession::onBody(beast::error_code ec)
{
    if (m_phase == Phase::Closed)
        return;
    if (ec) {
        failRead(ec);
        return;
    }
    dispatch();
}

void HttpSession::failRead(beast::error_code ec)
{
    m_version = (m_parser && m_parser->get().version() == 10) ? 10 : 11;
    m_head = false;
    if (ec == http::error::header_limit) {
        sendProblem(
            problemResponse(431, QStringLiteral("header_too_large"),
                            QStringLiteral("Request Header Fields Too Large"),
                            QStringLiteral("the request header exceeds %1 bytes")
                                .arg(static_cast<qulonglong>(m_server.options.maxHeaderBytes))));
    } else if (ec == http::error::body_limit) {
        sendProblem(problemResponse(
            ApiError::make(ErrorCode::TooLarge,
                           QStringLiteral("the request body exceeds %1 bytes")
                               .arg(static_cast<qulonglong>(m_server.options.maxBodyBytes)))));
    } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message) {
        sendProblem(problemResponse(ApiError::make(
            ErrorCode::InvalidRequest, QStringLiteral("malformed HTTP request: %1")
                                           .arg(QString::fromStdString(ec.message())))));
    } else {
        close(); // the client left, or took too long
    }
}

void HttpSession::dispatch()
{
    auto &message = m_parser->get();
    HttpRequest request;
    request.method = std::string(toStd(message.method_string()));
    request.target = std::string(toStd(message.target()));
    request.version = m_version;
    request.keepAlive = m_keepAlive;
    request.peer = m_peer;
    for (const auto &field : message) {
        const std::string_view name = toStd(field.name_string());
        const std::string_view value = toStd(field.value());
        const auto same =
            std::find_if(request.headers.begin(), request.headers.end(),
                         [name](const HttpHeader &h) { return equalsIgnoringCase(h.first, name); });
        if (same == request.headers.end()) {
            request.headers.emplace_back(std::string(name), std::string(value));
        } else {
            same->second.append(", ");
            same->second.append(value);
        }
    }
    request.body = std::move(message.body());
    m_parser.reset();

    m_phase = Phase::Handling;
    m_stream.expires_never(); // a commit may take its time; stop() bounds the wait
    const auto state = std::make_shared<ResponderState>(weak_from_this(), m_server.gate);
    HttpResponder responder = [state](HttpResponse response) {
        state->answer(std::move(response));
    };
    try {
        m_server.handler(std::move(request), std::move(responder));
    } catch (const std::exception &e) {
        qCWarning(lcHttp) << "the request handler threw:" << e.what();
    } catch (...) {
        qCWarning(lcHttp) << "the request handler threw";
    }
}

// ---------------------------------------------------------------------------
// Answering

void HttpSession::deliver(HttpResponse response)
{
    if (m_phase != Phase::Handling)
        return;
    send(std::move(response));
}

void HttpSession::deliverUnanswered()
{
    if (m_phase != Phase::Handling)
        return;
    if (m_server.stopping) {
        send(problemResponse(
            ApiError::make(ErrorCode::Unavailable, QStringLiteral("the server is shutting down"))));
        return;
    }
    qCWarning(lcHttp) << "a request from" << m_peer.c_str() << "was dropped unanswered";
    send(problemResponse(
        ApiError::make(ErrorCode::Internal, QStringLiteral("the request was not answered"))));
}

void HttpSession::sendProblem(HttpResponse problem)
{
    m_keepAlive = false;
    send(std::move(problem));
}

void HttpSession::send(HttpResponse response)
{
    try {
        if (response.status < 200 || response.status > 599) {
            qCWarning(lcHttp) << "the handler answered with status" << response.status;
            response = problemResponse(ApiError::make(
                ErrorCode::Internal, QStringLiteral("the server produced an invalid answer")));
        }
        if (hasToken(response.header("Connection"), "close") || m_server.stopping)
            m_keepAlive = false;
        const bool bodiless = response.status == 204 || response.status == 304;

        const auto fillHeader = [this, &response](auto &message) {
            message.version(m_version);
            message.result(static_cast<unsigned>(response.status));
            for (const auto &[name, value] : response.headers) {
                if (isFramingField(name))
                    continue;
                if (!isValidFieldName(name) || !isValidFieldValue(value)) {
                    qCWarning(lcHttp) << "dropped an invalid response field" << name.c_str();
                    continue;
                }
                message.insert(name, value);
            }
            if (message.find(http::field::server) == message.end())
                message.set(http::field::server, "jobdeskd");
            message.keep_alive(m_keepAlive);
        };

        if (!response.filePath.empty() && !bodiless) {
            beast::error_code ec;
            FileRangeBody::value_type part;
            part.file.open(response.filePath.c_str(), beast::file_mode::scan, ec);
            const std::uint64_t fileSize = ec ? 0 : part.file.size(ec);
            const bool inRange =
                response.fileOffset <= fileSize &&
                (response.fileLength < 0 ||
                 static_cast<std::uint64_t>(response.fileLength) <= fileSize - response.fileOffset);
            if (ec || !inRange) {
                if (ec)
                    qCWarning(lcHttp) << "cannot open" << response.filePath.c_str()
                                      << "to answer:" << ec.message().c_str();
                else
                    qCWarning(lcHttp) << "the part asked of" << response.filePath.c_str()
                                      << "lies past its end";
                send(problemResponse(ApiError::make(
                    ErrorCode::Internal, QStringLiteral("the response body cannot be read"))));
                return;
            }
            part.offset = response.fileOffset;
            part.length = response.fileLength < 0 ? fileSize - response.fileOffset
                                                   : static_cast<std::uint64_t>(response.fileLength);
            if (m_head) {
                auto out = std::make_shared<Outgoing<http::empty_body>>();
                fillHeader(out->message);
                out->message.content_length(part.length);
                write(std::move(out), AfterWrite::NextRequest);
                return;
            }
            auto out = std::make_shared<Outgoing<FileRangeBody>>();
            fillHeader(out->message);
            out->message.body() = std::move(part);
            out->message.prepare_payload();
            write(std::move(out), AfterWrite::NextRequest);
        } else if (m_head || bodiless) {
            auto out = std::make_shared<Outgoing<http::empty_body>>();
            fillHeader(out->message);
            if (!bodiless)
                out->message.content_length(response.body.size());
            write(std::move(out), AfterWrite::NextRequest);
        } else {
            auto out = std::make_shared<Outgoing<http::string_body>>();
            fillHeader(out->message);
            out->message.body() = std::move(response.body);
            out->message.prepare_payload();
            write(std::move(out), AfterWrite::NextRequest);
        }
    } catch (const std::exception &e) {
        qCWarning(lcHttp) << "cannot answer" << m_peer.c_str() << ':' << e.what();
        close();
    }
}

template <typename Body>
void HttpSession::write(std::shared_ptr<Outgoing<Body>> out, AfterWrite then)
{
    if (then == AfterWrite::NextRequest)
        m_phase = Phase::Writing;
    if (!out->serializer)
        out->serializer.emplace(out->message);
    // Each piece gets its own deadline, so a large file to a slow but live
    // client is not cut off, while a client that stops reading is.
    m_stream.expires_after(m_server.options.idleTimeout);
    http::async_write_some(
        m_stream, *out->serializer,
        [self = shared_from_this(), out, then](beast::error_code ec, std::size_t) {
            if (self->m_phase == Phase::Closed)
                return;
            if (ec) {
                self->close();
                return;
            }
            if (!out->serializer->is_done()) {
                self->write(out, then);
                return;
            }
            self->onWritten(then);
        });
}

void HttpSession::onWritten(AfterWrite then)
{
    if (then == AfterWrite::ReadBody) {
        readBody();
        return;
    }
    if (!m_keepAlive || m_server.stopping) {
        closeGracefully();
        return;
    }
    m_phase = Phase::Reading;
    readNextRequest();
}

// ---------------------------------------------------------------------------
// Closing

void HttpSession::closeGracefully()
{
    // Shut down sending, then read until the client closes: closing with
    // unread data would send a reset that can destroy the answer (a 413
    // while the client still sends its body) before the client reads it.
    m_phase = Phase::Closing;
    beast::error_code ec;
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
        close();
        return;
    }
    m_stream.expires_after(m_server.options.lingerTimeout);
    drain();
}

void HttpSession::drain()
{
    m_stream.async_read_some(asio::buffer(m_drainBuffer),
                             [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                 if (self->m_phase == Phase::Closed)
                                     return;
                                 self->m_drainedBytes += n;
                                 if (ec || self->m_drainedBytes > kMaxDrainBytes) {
                                     self->close();
                                     return;
                                 }
                                 self->drain();
                             });
}

void HttpSession::close()
{
    if (m_phase == Phase::Closed)
        return;
    m_phase = Phase::Closed;
    const auto self = shared_from_this(); // forget() may drop the server's reference
    m_stream.close();
    m_server.forget(this);
}

} // namespace jobdesk
