#include "valuetable.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sys/mman.h>

namespace jobdesk {

namespace {

constexpr std::size_t kInitialSlots = 16;
constexpr std::size_t kFirstBlockBytes = 4 * 1024;
constexpr std::size_t kBlockBytes = 256 * 1024;
// Values at least this long get a block of their own, so a few huge cells
// do not waste most of a shared block.
constexpr std::size_t kOwnBlockBytes = 16 * 1024;

constexpr std::size_t kHugePageBytes = 2 * 1024 * 1024;

} // namespace

ValueTable::SlotArray::SlotArray(std::size_t n)
    : count(n)
{
    bytes = n * sizeof(Slot);
    const bool huge = bytes >= kHugePageBytes;
    const std::size_t alignment = huge ? kHugePageBytes : alignof(Slot);
    bytes = (bytes + alignment - 1) / alignment * alignment;
    void *p = std::aligned_alloc(alignment, bytes);
    if (!p)
        throw std::bad_alloc();
    if (huge)
        ::madvise(p, bytes, MADV_HUGEPAGE);
    data = static_cast<Slot *>(p);
    for (std::size_t i = 0; i < n; ++i)
        new (&data[i]) Slot();
}

ValueTable::SlotArray::~SlotArray()
{
    std::free(data);
}

ValueTable::SlotArray::SlotArray(SlotArray &&other) noexcept
    : data(other.data)
    , count(other.count)
    , bytes(other.bytes)
{
    other.data = nullptr;
    other.count = other.bytes = 0;
}

ValueTable::SlotArray &ValueTable::SlotArray::operator=(SlotArray &&other) noexcept
{
    std::swap(data, other.data);
    std::swap(count, other.count);
    std::swap(bytes, other.bytes);
    return *this;
}

ValueTable::ValueTable()
    : m_slots(kInitialSlots)
{
}

std::optional<std::uint32_t> ValueTable::find(std::string_view value, std::uint64_t hash) const
{
    const std::size_t mask = m_slots.size() - 1;
    for (std::size_t i = std::size_t(hash) & mask;; i = (i + 1) & mask) {
        const Slot &slot = m_slots[i];
        if (slot.indexAndSize == 0)
            return std::nullopt;
        if (matches(slot, value, hash))
            return slot.index() - 1;
    }
}

void ValueTable::grow()
{
    SlotArray slots(m_slots.size() * 2);
    const std::size_t mask = slots.size() - 1;
    for (std::size_t k = 0; k < m_slots.size(); ++k) {
        const Slot &old = m_slots[k];
        if (old.indexAndSize == 0)
            continue;
        std::size_t i = std::size_t(old.hash) & mask;
        while (slots[i].indexAndSize != 0)
            i = (i + 1) & mask;
        slots[i] = old;
        m_entries[old.index() - 1].slot = std::uint32_t(i);
    }
    m_slots = std::move(slots);
}

std::vector<std::uint64_t> ValueTable::counts() const
{
    std::vector<std::uint64_t> out(m_entries.size());
    for (std::size_t i = 0; i < m_entries.size(); ++i)
        out[i] = m_slots[m_entries[i].slot].count;
    return out;
}

const char *ValueTable::store(std::string_view value)
{
    if (value.empty())
        return "";
    if (value.size() >= kOwnBlockBytes) {
        m_blocks.push_back(std::make_unique<char[]>(value.size()));
        m_blockBytes += value.size();
        std::memcpy(m_blocks.back().get(), value.data(), value.size());
        return m_blocks.back().get();
    }
    if (m_blockLeft < value.size()) {
        // Blocks grow with the table, so a column of a few values costs little.
        const std::size_t size = std::clamp(m_blockBytes, kFirstBlockBytes, kBlockBytes);
        m_blocks.push_back(std::make_unique<char[]>(size));
        m_blockBytes += size;
        m_blockFree = m_blocks.back().get();
        m_blockLeft = size;
    }
    char *at = m_blockFree;
    std::memcpy(at, value.data(), value.size());
    m_blockFree += value.size();
    m_blockLeft -= value.size();
    return at;
}

std::size_t ValueTable::memoryBytes() const
{
    return m_slots.bytes + m_entries.capacity() * sizeof(Entry) + m_blockBytes;
}

void ValueTable::clear()
{
    m_slots = SlotArray(kInitialSlots);
    std::vector<Entry>().swap(m_entries);
    std::vector<std::unique_ptr<char[]>>().swap(m_blocks);
    m_blockBytes = 0;
    m_blockFree = nullptr;
    m_blockLeft = 0;
}

} // namespace jobdesk
