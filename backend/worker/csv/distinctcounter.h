#pragma once

#include "hyperloglog.h"
#include "spacesaving.h"
#include "topvalue.h"
#include "valuetable.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace jobdesk {

class DistinctBudget;

/// Distinct values and the most frequent ones of one column: exact (a
/// ValueTable with counts) until the column has more than `exactLimit`
/// distinct values or the shared DistinctBudget asks it to give its memory
/// back; from then on estimated, in constant memory, by a HyperLogLog (the
/// distinct count) and Space-Saving (the top values), both started from the
/// exact state so nothing seen before is lost.
class DistinctCounter
{
public:
    DistinctCounter(DistinctBudget &budget, std::size_t exactLimit);
    ~DistinctCounter();

    DistinctCounter(const DistinctCounter &) = delete;
    DistinctCounter &operator=(const DistinctCounter &) = delete;

    void add(std::string_view value, std::uint64_t hash);
    /// Starts loading what add(.., hash) will touch first. Always inlined:
    /// GCC takes an out-of-line function that only prefetches for one
    /// without effects and drops the call.
    [[gnu::always_inline]] void prefetch(std::uint64_t hash) const
    {
        if (!m_estimated)
            m_values.prefetch(hash);
    }

    bool estimated() const { return m_estimated; }
    std::uint64_t distinct() const;
    /// The `n` most frequent values, most frequent first (ties by value).
    std::vector<TopValue> top(std::size_t n) const;

    /// Memory held while exact, in bytes (0 once estimated).
    std::size_t exactMemoryBytes() const { return m_exactBytes; }
    /// Drops the exact table for the estimators.
    void switchToEstimates();

private:
    void account();

    DistinctBudget &m_budget;
    std::size_t m_exactLimit = 0;
    bool m_estimated = false;
    ValueTable m_values; // its counters are the exact counts
    std::size_t m_exactBytes = 0;
    std::unique_ptr<HyperLogLog> m_hll;
    std::unique_ptr<SpaceSaving> m_top;
};

// Inline: it runs for nearly every cell of a CSV.
inline void DistinctCounter::add(std::string_view value, std::uint64_t hash)
{
    if (m_estimated) {
        m_hll->add(hash);
        m_top->add(value, hash);
        return;
    }
    const ValueTable::Hit hit = m_values.insert(value, hash);
    if (++*hit.count == UINT32_MAX) {
        switchToEstimates(); // counts that large go on in 64 bits
        return;
    }
    if (!hit.inserted)
        return;
    if (m_values.size() > std::min(m_exactLimit, ValueTable::kMaxValues - 1)) {
        switchToEstimates();
        return;
    }
    // Memory grows in steps (a table doubling, an arena block): account only
    // then, which is rare.
    if (m_values.memoryBytes() != m_exactBytes)
        account();
}

/// The memory all columns' exact distinct tables may use together. When
/// they need more, the largest is switched to estimates first, so a column
/// with few values stays exact while one with many gives way.
class DistinctBudget
{
public:
    explicit DistinctBudget(std::size_t limitBytes);

    void attach(DistinctCounter *counter);
    void detach(DistinctCounter *counter);
    /// A counter's exact memory changed by `delta` bytes.
    void changed(long long delta);
    std::size_t usedBytes() const { return std::size_t(m_used); }

private:
    std::size_t m_limit = 0;
    long long m_used = 0;
    bool m_reclaiming = false;
    std::vector<DistinctCounter *> m_counters;
};

} // namespace jobdesk
