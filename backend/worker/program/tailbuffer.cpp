#include "tailbuffer.h"

#include <algorithm>
#include <cstring>

namespace jobdesk {

TailBuffer::TailBuffer(std::size_t capacity)
    : m_ring(capacity)
{
}

void TailBuffer::append(const char *data, std::size_t size)
{
    m_total += static_cast<long long>(size);
    const std::size_t capacity = m_ring.size();
    if (capacity == 0)
        return;
    if (size >= capacity) {
        std::memcpy(m_ring.data(), data + size - capacity, capacity);
        m_next = 0;
        return;
    }
    const std::size_t first = std::min(size, capacity - m_next);
    std::memcpy(m_ring.data() + m_next, data, first);
    std::memcpy(m_ring.data(), data + first, size - first);
    m_next = (m_next + size) % capacity;
}

QByteArray TailBuffer::contents() const
{
    const std::size_t capacity = m_ring.size();
    if (static_cast<unsigned long long>(m_total) < capacity)
        return QByteArray(m_ring.data(), qsizetype(m_total));
    QByteArray out;
    out.reserve(qsizetype(capacity));
    out.append(m_ring.data() + m_next, qsizetype(capacity - m_next));
    out.append(m_ring.data(), qsizetype(m_next));
    return out;
}

} // namespace jobdesk
