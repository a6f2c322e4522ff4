#include "spacesaving.h"

#include <algorithm>
#include <cstring>

namespace jobdesk {

SpaceSaving::SpaceSaving(std::size_t capacity, std::size_t maxTextBytes)
    : m_capacity(std::max<std::size_t>(capacity, 1))
    , m_maxTextBytes(maxTextBytes)
{
    std::size_t slots = 1;
    while (slots < m_capacity * 4)
        slots *= 2;
    m_table.assign(slots, Slot{});
    m_counters.reserve(m_capacity);
    m_buckets.reserve(m_capacity + 1);
}

// ---------------------------------------------------------------------------
// The hash -> counter table (linear probing, deletion by backward shift)
// ---------------------------------------------------------------------------

int SpaceSaving::find(std::uint64_t hash) const
{
    const std::size_t mask = m_table.size() - 1;
    for (std::size_t i = std::size_t(hash) & mask;; i = (i + 1) & mask) {
        const Slot &slot = m_table[i];
        if (slot.counter == kNone)
            return kNone;
        if (slot.hash == hash)
            return slot.counter;
    }
}

void SpaceSaving::tableInsert(std::uint64_t hash, int counter)
{
    const std::size_t mask = m_table.size() - 1;
    std::size_t i = std::size_t(hash) & mask;
    while (m_table[i].counter != kNone)
        i = (i + 1) & mask;
    m_table[i] = Slot{hash, counter};
}

void SpaceSaving::tableErase(std::uint64_t hash)
{
    const std::size_t mask = m_table.size() - 1;
    std::size_t i = std::size_t(hash) & mask;
    while (m_table[i].counter != kNone && m_table[i].hash != hash)
        i = (i + 1) & mask;
    if (m_table[i].counter == kNone)
        return;
    m_table[i] = Slot{};
    // Move back every later entry of the cluster whose home slot allows it,
    // so lookups never stop at the hole.
    for (std::size_t j = (i + 1) & mask; m_table[j].counter != kNone; j = (j + 1) & mask) {
        const std::size_t home = std::size_t(m_table[j].hash) & mask;
        const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (stays)
            continue;
        m_table[i] = m_table[j];
        m_table[j] = Slot{};
        i = j;
    }
}

// ---------------------------------------------------------------------------
// Stream-Summary: buckets of equal count in ascending order
// ---------------------------------------------------------------------------

int SpaceSaving::newBucket(std::uint64_t count, int after)
{
    int b;
    if (!m_freeBuckets.empty()) {
        b = m_freeBuckets.back();
        m_freeBuckets.pop_back();
    } else {
        b = int(m_buckets.size());
        m_buckets.emplace_back();
    }
    Bucket &bucket = m_buckets[std::size_t(b)];
    bucket.count = count;
    bucket.first = kNone;
    bucket.prev = after;
    bucket.next = after == kNone ? m_minBucket : m_buckets[std::size_t(after)].next;
    if (after == kNone)
        m_minBucket = b;
    else
        m_buckets[std::size_t(after)].next = b;
    if (bucket.next == kNone)
        m_maxBucket = b;
    else
        m_buckets[std::size_t(bucket.next)].prev = b;
    return b;
}

void SpaceSaving::unlinkCounter(int counter)
{
    Counter &c = m_counters[std::size_t(counter)];
    Bucket &bucket = m_buckets[std::size_t(c.bucket)];
    if (c.prev != kNone)
        m_counters[std::size_t(c.prev)].next = c.next;
    else
        bucket.first = c.next;
    if (c.next != kNone)
        m_counters[std::size_t(c.next)].prev = c.prev;
    c.prev = c.next = kNone;
    if (bucket.first != kNone)
        return;
    // The bucket is empty: unlink it and keep it for reuse.
    if (bucket.prev != kNone)
        m_buckets[std::size_t(bucket.prev)].next = bucket.next;
    else
        m_minBucket = bucket.next;
    if (bucket.next != kNone)
        m_buckets[std::size_t(bucket.next)].prev = bucket.prev;
    else
        m_maxBucket = bucket.prev;
    m_freeBuckets.push_back(c.bucket);
}

void SpaceSaving::linkCounter(int counter, int bucket)
{
    Counter &c = m_counters[std::size_t(counter)];
    Bucket &b = m_buckets[std::size_t(bucket)];
    c.bucket = bucket;
    c.prev = kNone;
    c.next = b.first;
    if (b.first != kNone)
        m_counters[std::size_t(b.first)].prev = counter;
    b.first = counter;
}

void SpaceSaving::increment(int counter)
{
    Counter &c = m_counters[std::size_t(counter)];
    const int from = c.bucket;
    const std::uint64_t count = m_buckets[std::size_t(from)].count + 1;
    const int next = m_buckets[std::size_t(from)].next;
    // Alone in its bucket and no bucket for count + 1: just raise the bucket.
    if (m_buckets[std::size_t(from)].first == counter && c.next == kNone &&
        (next == kNone || m_buckets[std::size_t(next)].count != count)) {
        m_buckets[std::size_t(from)].count = count;
        return;
    }
    const int to = (next != kNone && m_buckets[std::size_t(next)].count == count)
                       ? next
                       : newBucket(count, from);
    unlinkCounter(counter);
    linkCounter(counter, to);
}

void SpaceSaving::setText(Counter &c, std::string_view value)
{
    if (!c.text)
        c.text = std::make_unique<char[]>(m_maxTextBytes);
    c.textSize = std::uint32_t(std::min(value.size(), m_maxTextBytes));
    std::memcpy(c.text.get(), value.data(), c.textSize);
}

// ---------------------------------------------------------------------------

void SpaceSaving::add(std::string_view value, std::uint64_t hash)
{
    if (const int existing = find(hash); existing != kNone) {
        increment(existing);
        return;
    }
    if (m_counters.size() < m_capacity) {
        const int index = int(m_counters.size());
        m_counters.emplace_back();
        m_counters.back().hash = hash;
        setText(m_counters.back(), value);
        int bucket = m_minBucket;
        if (bucket == kNone || m_buckets[std::size_t(bucket)].count != 1)
            bucket = newBucket(1, kNone);
        linkCounter(index, bucket);
        tableInsert(hash, index);
        return;
    }
    // Take over a smallest counter: its count is what this value may have
    // had unseen, then count this occurrence.
    const int victim = m_buckets[std::size_t(m_minBucket)].first;
    Counter &c = m_counters[std::size_t(victim)];
    tableErase(c.hash);
    c.hash = hash;
    setText(c, value);
    tableInsert(hash, victim);
    increment(victim);
}

void SpaceSaving::seed(std::string_view value, std::uint64_t hash, std::uint64_t count)
{
    if (m_counters.size() >= m_capacity || count == 0)
        return;
    const int index = int(m_counters.size());
    m_counters.emplace_back();
    m_counters.back().hash = hash;
    setText(m_counters.back(), value);
    int bucket = m_maxBucket;
    if (bucket == kNone || m_buckets[std::size_t(bucket)].count < count)
        bucket = newBucket(count, m_maxBucket);
    linkCounter(index, bucket);
    tableInsert(hash, index);
}

std::vector<TopValue> SpaceSaving::top(std::size_t n) const
{
    // Buckets from the largest count down; within one, by text.
    std::vector<TopValue> out;
    for (int b = m_maxBucket; b != kNone && out.size() < n; b = m_buckets[std::size_t(b)].prev) {
        std::vector<std::string> same;
        for (int c = m_buckets[std::size_t(b)].first; c != kNone;
             c = m_counters[std::size_t(c)].next) {
            const Counter &counter = m_counters[std::size_t(c)];
            same.emplace_back(counter.text.get(), counter.textSize);
        }
        std::sort(same.begin(), same.end());
        for (std::string &text : same) {
            if (out.size() == n)
                break;
            out.push_back(TopValue{std::move(text), m_buckets[std::size_t(b)].count});
        }
    }
    return out;
}

} // namespace jobdesk
