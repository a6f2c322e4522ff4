#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace jobdesk::bench {

/// Just enough HTTP/1.1 response parsing for a load generator: the status
/// line, Content-Length, Connection and the body. Chunked bodies are
/// reported as an error (jobdeskd always sends Content-Length).
class HttpResponseParser final
{
public:
    enum class Outcome
    {
        NeedMore, // the buffer does not hold a whole response yet
        Complete, // status(), body() and closes() describe the response
        Invalid,  // error() says why
    };

    /// Looks for one whole response at the start of `buffer`. After
    /// Complete, body() points into `buffer`: call consume() once done with
    /// it to drop the response from the buffer.
    Outcome parse(const std::string &buffer);
    void consume(std::string &buffer);

    int status() const { return m_status; }
    std::string_view body() const { return m_body; }
    /// The server announced it closes the connection after this response.
    bool closes() const { return m_closes; }
    const std::string &error() const { return m_error; }

private:
    int m_status = 0;
    std::string_view m_body;
    std::size_t m_length = 0; // header + body of the parsed response
    bool m_closes = false;
    std::string m_error;
};

/// The value of the first `"key":` field of a JSON text when it is a
/// string, or empty. Enough for ids in jobdeskd's compact, key-sorted answers,
/// where a job's own "id" comes before any nested object that could hold one.
std::string_view firstStringField(std::string_view json, std::string_view key);

} // namespace jobdesk::bench
