#include "hyperloglog.h"

#include <cmath>

namespace jobdesk {

void HyperLogLog::add(std::uint64_t hash)
{
    const std::size_t bucket = std::size_t(hash >> (64 - kPrecision));
    // The rank of the first 1 bit in the rest; the sentinel bit caps it.
    const std::uint64_t rest = (hash << kPrecision) | (std::uint64_t(1) << (kPrecision - 1));
    const std::uint8_t rank = std::uint8_t(__builtin_clzll(rest) + 1);
    if (rank > m_registers[bucket])
        m_registers[bucket] = rank;
}

double HyperLogLog::estimate() const
{
    constexpr double m = double(std::size_t(1) << kPrecision);
    const double alpha = 0.7213 / (1.0 + 1.079 / m);
    double sum = 0;
    int zeros = 0;
    for (const std::uint8_t r : m_registers) {
        sum += std::ldexp(1.0, -int(r));
        if (r == 0)
            ++zeros;
    }
    const double raw = alpha * m * m / sum;
    if (raw <= 2.5 * m && zeros > 0)
        return m * std::log(m / double(zeros));
    return raw;
}

} // namespace jobdesk
