#pragma once

#include "topvalue.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace jobdesk {

/// The most frequent values of a stream too varied to count exactly
/// (Metwally et al., "Space-Saving", with their Stream-Summary structure):
/// `capacity` counters; a value not counted yet takes over a smallest
/// counter, inheriting its count as its possible error. Counts are upper
/// bounds; any value occurring more than n / capacity times is guaranteed to
/// be held. Counters sit in buckets of equal count, ordered, so an update
/// costs O(1). Values are identified by their 64-bit hash; their text is
/// kept for display, cut at `maxTextBytes`. Constant memory.
class SpaceSaving
{
public:
    explicit SpaceSaving(std::size_t capacity = 1024, std::size_t maxTextBytes = 256);

    /// Counts one occurrence.
    void add(std::string_view value, std::uint64_t hash);
    /// Starts a counter at `count` (exact counts carried over). Seeds come
    /// before any add(), in ascending order of count, at most `capacity`.
    void seed(std::string_view value, std::uint64_t hash, std::uint64_t count);
    /// The `n` largest counts, largest first.
    std::vector<TopValue> top(std::size_t n) const;

private:
    static constexpr int kNone = -1;

    struct Counter
    {
        std::uint64_t hash = 0;
        int bucket = kNone;
        int prev = kNone; // siblings in the bucket
        int next = kNone;
        std::uint32_t textSize = 0;
        std::unique_ptr<char[]> text; // maxTextBytes, allocated once
    };
    // Open addressing with the hash in the slot, so probes and deletions
    // never look at the counters; a quarter full, so clusters stay short.
    struct Slot
    {
        std::uint64_t hash = 0;
        int counter = kNone;
    };
    struct Bucket
    {
        std::uint64_t count = 0;
        int first = kNone; // its counters
        int prev = kNone;  // buckets, in ascending count
        int next = kNone;
    };

    int find(std::uint64_t hash) const;
    void tableInsert(std::uint64_t hash, int counter);
    void tableErase(std::uint64_t hash);
    int newBucket(std::uint64_t count, int after);
    void unlinkCounter(int counter);
    void linkCounter(int counter, int bucket);
    void increment(int counter);
    void setText(Counter &c, std::string_view value);

    std::size_t m_capacity = 0;
    std::size_t m_maxTextBytes = 0;
    std::vector<Counter> m_counters;
    std::vector<Bucket> m_buckets;
    std::vector<int> m_freeBuckets;
    int m_minBucket = kNone;
    int m_maxBucket = kNone;
    std::vector<Slot> m_table;
};

} // namespace jobdesk
