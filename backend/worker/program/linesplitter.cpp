#include "linesplitter.h"

#include <algorithm>
#include <cstring>

namespace jobdesk {

LineSplitter::LineSplitter(std::size_t maxLineBytes)
    : m_maxLineBytes(maxLineBytes)
{
    m_partial.reserve(std::min<std::size_t>(maxLineBytes, 4096));
}

void LineSplitter::feed(const char *data, std::size_t size, const LineHandler &onLine)
{
    while (size > 0) {
        const char *newline = static_cast<const char *>(std::memchr(data, '\n', size));
        const std::size_t take = newline ? std::size_t(newline - data) : size;
        const std::size_t room = m_maxLineBytes - m_partial.size();
        if (take > room)
            m_truncated = true;
        m_partial.append(data, std::min(take, room));
        if (!newline)
            return;
        deliver(onLine);
        data = newline + 1;
        size -= take + 1;
    }
}

void LineSplitter::finish(const LineHandler &onLine)
{
    if (!m_partial.empty() || m_truncated)
        deliver(onLine);
}

void LineSplitter::deliver(const LineHandler &onLine)
{
    std::string_view line(m_partial);
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    onLine(line, m_truncated);
    m_partial.clear();
    m_truncated = false;
}

} // namespace jobdesk
