#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jobdesk {

/// One header field, name as the peer or handler spelled it.
using HttpHeader = std::pair<std::string, std::string>;

/// A complete request as the transport hands it to its handler.
struct HttpRequest
{
    std::string method;    // as sent, e.g. "GET"
    std::string target;    // origin-form path and query, still percent-encoded
    unsigned version = 11; // 10 or 11
    /// Repeated fields arrive joined with ", " (RFC 9110 section 5.3), so
    /// one lookup sees every value of a list such as If-None-Match.
    std::vector<HttpHeader> headers;
    std::string body;
    bool keepAlive = true;
    std::string peer; // "address:port" of the client

    /// The value of a field, looked up case-insensitively; empty when absent.
    std::string_view header(std::string_view name) const;
    bool hasHeader(std::string_view name) const;
    /// The target up to '?', and what follows it (without the '?').
    std::string_view path() const;
    std::string_view query() const;
};

/// What a handler answers. The transport adds Server, Content-Length and the
/// Connection field that matches the request's keep-alive.
struct HttpResponse
{
    int status = 200;
    std::vector<HttpHeader> headers;
    std::string body;
    /// When set, the body is streamed from this file (never loaded whole)
    /// and `body` is ignored. A file that cannot be opened answers 500.
    std::string filePath;
    /// With filePath: the part of the file sent, from `fileOffset`, for
    /// `fileLength` bytes (-1: to the end). A part beyond the end answers 500.
    std::uint64_t fileOffset = 0;
    std::int64_t fileLength = -1;

    /// Replaces every field of that name (case-insensitive) with one value.
    void setHeader(std::string name, std::string value);
    std::string_view header(std::string_view name) const;
};

/// Delivers the answer to one request. Call it exactly once, from any
/// thread; later calls are ignored. It is safe to call after the client has
/// gone or the server has stopped: the answer is then dropped. A responder
/// whose last copy is destroyed unanswered answers 500 (503 while stopping).
using HttpResponder = std::function<void(HttpResponse)>;
/// Handles one request; invoked on the server's I/O thread, so it must not
/// block. The next request on the same connection is read only after the
/// answer is written, which keeps pipelined answers in order.
using HttpHandler = std::function<void(HttpRequest &&, HttpResponder)>;

/// ASCII case-insensitive comparison, as HTTP field names and tokens need.
bool equalsIgnoringCase(std::string_view a, std::string_view b);

} // namespace jobdesk
