#include "httpresponseparser.h"

#include <charconv>

namespace jobdesk::bench {

namespace {

bool startsWithIgnoringCase(std::string_view text, std::string_view prefix)
{
    if (text.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char a = text[i], b = prefix[i];
        if (a >= 'A' && a <= 'Z')
            a = static_cast<char>(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = static_cast<char>(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

} // namespace

HttpResponseParser::Outcome HttpResponseParser::parse(const std::string &buffer)
{
    const std::string_view text(buffer);
    const std::size_t headerEnd = text.find("\r\n\r\n");
    if (headerEnd == std::string_view::npos)
        return Outcome::NeedMore;

    std::string_view head = text.substr(0, headerEnd);
    const std::size_t statusLineEnd = head.find("\r\n");
    const std::string_view statusLine = head.substr(0, statusLineEnd);
    // "HTTP/1.1 202 Accepted"
    if (statusLine.size() < 12 || statusLine.substr(0, 5) != "HTTP/") {
        m_error = "not an HTTP status line: " + std::string(statusLine.substr(0, 80));
        return Outcome::Invalid;
    }
    const std::string_view code = statusLine.substr(9, 3);
    if (std::from_chars(code.data(), code.data() + code.size(), m_status).ec != std::errc()) {
        m_error = "bad status code in: " + std::string(statusLine);
        return Outcome::Invalid;
    }

    std::size_t contentLength = 0;
    m_closes = statusLine.substr(0, 8) == "HTTP/1.0";
    std::string_view fields = statusLineEnd == std::string_view::npos
                                  ? std::string_view()
                                  : head.substr(statusLineEnd + 2);
    while (!fields.empty()) {
        const std::size_t eol = fields.find("\r\n");
        const std::string_view field = fields.substr(0, eol);
        fields = eol == std::string_view::npos ? std::string_view() : fields.substr(eol + 2);
        if (startsWithIgnoringCase(field, "content-length:")) {
            const std::string_view value = trim(field.substr(15));
            if (std::from_chars(value.data(), value.data() + value.size(), contentLength).ec !=
                std::errc()) {
                m_error = "bad Content-Length: " + std::string(value);
                return Outcome::Invalid;
            }
        } else if (startsWithIgnoringCase(field, "transfer-encoding:")) {
            m_error = "chunked responses are not supported by the bench";
            return Outcome::Invalid;
        } else if (startsWithIgnoringCase(field, "connection:")) {
            const std::string_view value = trim(field.substr(11));
            if (startsWithIgnoringCase(value, "close"))
                m_closes = true;
            else if (startsWithIgnoringCase(value, "keep-alive"))
                m_closes = false;
        }
    }
    const std::size_t bodyStart = headerEnd + 4;
    if (text.size() < bodyStart + contentLength)
        return Outcome::NeedMore;
    m_body = text.substr(bodyStart, contentLength);
    m_length = bodyStart + contentLength;
    return Outcome::Complete;
}

void HttpResponseParser::consume(std::string &buffer)
{
    buffer.erase(0, m_length);
    m_body = {};
    m_length = 0;
}

std::string_view firstStringField(std::string_view json, std::string_view key)
{
    std::string pattern;
    pattern.reserve(key.size() + 3);
    pattern.append("\"").append(key).append("\":");
    const std::size_t at = json.find(pattern);
    if (at == std::string_view::npos)
        return {};
    std::size_t start = at + pattern.size();
    while (start < json.size() && json[start] == ' ')
        ++start;
    if (start >= json.size() || json[start] != '"')
        return {}; // not a string value
    ++start;
    const std::size_t end = json.find('"', start);
    if (end == std::string_view::npos)
        return {};
    return json.substr(start, end - start);
}

} // namespace jobdesk::bench
