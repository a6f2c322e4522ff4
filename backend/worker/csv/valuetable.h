#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace jobdesk {

namespace detail {

// memcmp(a, b, n) == 0 without a library call for the short values that
// make up most cells: fixed-size, possibly overlapping loads.
inline bool equalBytes(const char *a, const char *b, std::size_t n)
{
    const auto load64 = [](const char *p) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        return w;
    };
    const auto load32 = [](const char *p) {
        std::uint32_t w;
        std::memcpy(&w, p, 4);
        return w;
    };
    if (n >= 8 && n <= 16)
        return load64(a) == load64(b) && load64(a + n - 8) == load64(b + n - 8);
    if (n >= 4 && n < 8)
        return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
    if (n < 4) {
        for (std::size_t i = 0; i < n; ++i) {
            if (a[i] != b[i])
                return false;
        }
        return true;
    }
    return std::memcmp(a, b, n) == 0;
}

} // namespace detail

/// A set of byte strings, each with a dense index and a counter: an
/// open-addressing table of 32-byte slots (two per cache line), the bytes
/// kept in an arena of large blocks. A slot holds the full hash, the size,
/// the counter and the first 16 bytes of its value, so looking up a value
/// of up to 16 bytes (most cells) reads one cache line (prefetch() can start
/// that read early) and allocates nothing; a new value costs its bytes plus
/// amortised growth. Used for exact distinct counts and for group keys.
class ValueTable
{
public:
    struct Hit
    {
        std::uint32_t index;
        std::uint32_t *count; // the value's counter, 0 when just inserted
        bool inserted;
    };
    /// The most values a table holds (indices have 24 bits).
    static constexpr std::size_t kMaxValues = (std::size_t(1) << 24) - 1;

    ValueTable();

    /// Finds `value` (whose hashBytes() is `hash`), adding it when new.
    Hit insert(std::string_view value, std::uint64_t hash);
    /// The index of `value`, if it is there.
    std::optional<std::uint32_t> find(std::string_view value, std::uint64_t hash) const;
    /// Starts loading the slot `hash` will probe first.
    [[gnu::always_inline]] void prefetch(std::uint64_t hash) const
    {
        __builtin_prefetch(&m_slots[std::size_t(hash) & (m_slots.size() - 1)]);
    }

    std::size_t size() const { return m_entries.size(); }
    std::string_view value(std::uint32_t index) const
    {
        return {m_entries[index].data, m_entries[index].size};
    }
    std::uint64_t hash(std::uint32_t index) const { return m_entries[index].hash; }
    /// The counter of every value, by index.
    std::vector<std::uint64_t> counts() const;

    /// The memory it holds (slots, entries, arena blocks), in bytes.
    std::size_t memoryBytes() const;
    /// Drops everything and returns the memory.
    void clear();

private:
    static constexpr std::size_t kHeadBytes = 16;
    struct alignas(32) Slot
    {
        std::uint64_t hash = 0;
        std::uint32_t count = 0;
        std::uint32_t indexAndSize = 0; // entry index + 1 (24 bits; 0 = empty), min(size, 255)
        char head[kHeadBytes] = {};     // the value's first bytes, zero-padded

        std::uint32_t index() const { return indexAndSize & 0xFFFFFF; }
        std::uint32_t sizeTag() const { return indexAndSize >> 24; }
    };
    static_assert(sizeof(Slot) == 32, "two slots per cache line");

    struct Entry
    {
        std::uint64_t hash;
        const char *data;
        std::uint32_t size;
        std::uint32_t slot; // where it sits in m_slots
    };

    // The slots live in one aligned block; from 2 MiB on it asks for huge
    // pages, since a large table probed at random otherwise spends more time
    // on TLB misses than on the lookups.
    struct SlotArray
    {
        Slot *data = nullptr;
        std::size_t count = 0;
        std::size_t bytes = 0;

        explicit SlotArray(std::size_t n);
        ~SlotArray();
        SlotArray(SlotArray &&other) noexcept;
        SlotArray &operator=(SlotArray &&other) noexcept;
        SlotArray(const SlotArray &) = delete;
        SlotArray &operator=(const SlotArray &) = delete;

        Slot &operator[](std::size_t i) { return data[i]; }
        const Slot &operator[](std::size_t i) const { return data[i]; }
        std::size_t size() const { return count; }
    };

    bool matches(const Slot &slot, std::string_view value, std::uint64_t hash) const;
    const char *store(std::string_view value);
    void grow();

    SlotArray m_slots;
    std::vector<Entry> m_entries;
    std::vector<std::unique_ptr<char[]>> m_blocks;
    std::size_t m_blockBytes = 0; // sum of the blocks' sizes
    char *m_blockFree = nullptr;
    std::size_t m_blockLeft = 0;
};

// The lookup is inline: it runs for nearly every cell of a CSV.
inline bool ValueTable::matches(const Slot &slot, std::string_view value, std::uint64_t hash) const
{
    if (slot.hash != hash || slot.sizeTag() != std::min<std::size_t>(value.size(), 255))
        return false;
    if (value.size() <= kHeadBytes)
        return detail::equalBytes(slot.head, value.data(), value.size());
    const Entry &e = m_entries[slot.index() - 1];
    return e.size == value.size() && detail::equalBytes(e.data, value.data(), value.size());
}

inline ValueTable::Hit ValueTable::insert(std::string_view value, std::uint64_t hash)
{
    for (;;) {
        const std::size_t mask = m_slots.size() - 1;
        for (std::size_t i = std::size_t(hash) & mask;; i = (i + 1) & mask) {
            Slot &slot = m_slots[i];
            if (slot.indexAndSize != 0) {
                if (matches(slot, value, hash))
                    return Hit{slot.index() - 1, &slot.count, false};
                continue;
            }
            // Grown at 5/8 full, before inserting, so the slot handed out
            // stays where it is.
            if ((m_entries.size() + 1) * 8 > m_slots.size() * 5)
                break;
            const std::uint32_t index = std::uint32_t(m_entries.size());
            m_entries.push_back(
                Entry{hash, store(value), std::uint32_t(value.size()), std::uint32_t(i)});
            slot.hash = hash;
            slot.count = 0;
            slot.indexAndSize =
                (index + 1) | (std::uint32_t(std::min<std::size_t>(value.size(), 255)) << 24);
            std::memset(slot.head, 0, kHeadBytes);
            std::memcpy(slot.head, value.data(), std::min(value.size(), kHeadBytes));
            return Hit{index, &slot.count, true};
        }
        grow();
    }
}

} // namespace jobdesk
