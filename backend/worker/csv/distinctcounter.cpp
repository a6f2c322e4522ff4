#include "distinctcounter.h"

#include <algorithm>
#include <cmath>

namespace jobdesk {

namespace {

// Space-Saving counters per column: values occurring in more than 1/256 of
// the rows are sure to be held, and the whole summary stays in L1 cache,
// which matters for columns where nearly every value is new.
constexpr std::size_t kTopCounters = 256;

} // namespace

DistinctCounter::DistinctCounter(DistinctBudget &budget, std::size_t exactLimit)
    : m_budget(budget)
    , m_exactLimit(exactLimit)
{
    m_budget.attach(this);
    account();
}

DistinctCounter::~DistinctCounter()
{
    m_budget.changed(-static_cast<long long>(m_exactBytes));
    m_budget.detach(this);
}

void DistinctCounter::account()
{
    const std::size_t now = m_estimated ? 0 : m_values.memoryBytes();
    const long long delta = static_cast<long long>(now) - static_cast<long long>(m_exactBytes);
    m_exactBytes = now;
    if (delta != 0)
        m_budget.changed(delta); // may switch this very counter
}

void DistinctCounter::switchToEstimates()
{
    if (m_estimated)
        return;
    m_hll = std::make_unique<HyperLogLog>();
    m_top = std::make_unique<SpaceSaving>(kTopCounters);
    for (std::uint32_t i = 0; i < m_values.size(); ++i)
        m_hll->add(m_values.hash(i));
    // The largest exact counts start the summary; the smaller ones dropped
    // are at most its smallest count, which Space-Saving's error allows for.
    const std::vector<std::uint64_t> counts = m_values.counts();
    std::vector<std::uint32_t> order(m_values.size());
    for (std::uint32_t i = 0; i < order.size(); ++i)
        order[i] = i;
    const std::size_t keep = std::min(order.size(), kTopCounters);
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(keep), order.end(),
                      [&](std::uint32_t a, std::uint32_t b) { return counts[a] > counts[b]; });
    for (std::size_t i = keep; i-- > 0;) // seeds go in ascending order
        m_top->seed(m_values.value(order[i]), m_values.hash(order[i]), counts[order[i]]);
    m_estimated = true;
    m_values.clear();
    account();
}

std::uint64_t DistinctCounter::distinct() const
{
    if (m_estimated)
        return std::uint64_t(std::llround(m_hll->estimate()));
    return m_values.size();
}

std::vector<TopValue> DistinctCounter::top(std::size_t n) const
{
    if (m_estimated)
        return m_top->top(n);
    const std::vector<std::uint64_t> counts = m_values.counts();
    std::vector<std::uint32_t> order(m_values.size());
    for (std::uint32_t i = 0; i < order.size(); ++i)
        order[i] = i;
    n = std::min(n, order.size());
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(n), order.end(),
                      [&](std::uint32_t a, std::uint32_t b) {
                          if (counts[a] != counts[b])
                              return counts[a] > counts[b];
                          return m_values.value(a) < m_values.value(b);
                      });
    std::vector<TopValue> out;
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(TopValue{std::string(m_values.value(order[i])), counts[order[i]]});
    return out;
}

// ---------------------------------------------------------------------------

DistinctBudget::DistinctBudget(std::size_t limitBytes)
    : m_limit(limitBytes)
{
}

void DistinctBudget::attach(DistinctCounter *counter)
{
    m_counters.push_back(counter);
}

void DistinctBudget::detach(DistinctCounter *counter)
{
    m_counters.erase(std::remove(m_counters.begin(), m_counters.end(), counter), m_counters.end());
}

void DistinctBudget::changed(long long delta)
{
    m_used += delta;
    // Switching a counter reports its release back here: no recursion.
    if (m_reclaiming)
        return;
    m_reclaiming = true;
    while (m_used > static_cast<long long>(m_limit)) {
        DistinctCounter *largest = nullptr;
        for (DistinctCounter *c : m_counters) {
            if (!c->estimated() &&
                (!largest || c->exactMemoryBytes() > largest->exactMemoryBytes()))
                largest = c;
        }
        if (!largest || largest->exactMemoryBytes() == 0)
            break;
        largest->switchToEstimates();
    }
    m_reclaiming = false;
}

} // namespace jobdesk
