#pragma once

#include <QByteArray>
#include <cstddef>
#include <vector>

namespace jobdesk {

/// Keeps the last `capacity` bytes of a stream in a fixed ring, however much
/// passes through it: what a program wrote on stderr, bounded.
class TailBuffer
{
public:
    explicit TailBuffer(std::size_t capacity);

    void append(const char *data, std::size_t size);
    /// The kept bytes, oldest first.
    QByteArray contents() const;
    /// How many bytes passed through in all.
    long long totalBytes() const { return m_total; }

private:
    std::vector<char> m_ring;
    std::size_t m_next = 0; // where the next byte goes
    long long m_total = 0;
};

} // namespace jobdesk
