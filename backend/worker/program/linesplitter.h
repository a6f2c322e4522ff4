#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace jobdesk {

/// Cuts a byte stream into lines ('\n', with a trailing '\r' removed) while
/// holding at most `maxLineBytes` of an unfinished line: the rest of a
/// longer line is dropped and the line is delivered cut, flagged truncated.
/// A program that never prints a newline cannot grow the worker's memory.
class LineSplitter
{
public:
    using LineHandler = std::function<void(std::string_view line, bool truncated)>;

    explicit LineSplitter(std::size_t maxLineBytes);

    void feed(const char *data, std::size_t size, const LineHandler &onLine);
    /// Delivers the last line if the stream did not end with a newline.
    void finish(const LineHandler &onLine);

private:
    void deliver(const LineHandler &onLine);

    std::size_t m_maxLineBytes = 0;
    std::string m_partial;
    bool m_truncated = false;
};

} // namespace jobdesk
