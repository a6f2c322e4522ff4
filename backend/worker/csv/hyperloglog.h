#pragma once

#include <array>
#include <cstdint>

namespace jobdesk {

/// Estimates how many distinct values a stream holds from their 64-bit
/// hashes, in 16 KiB (Flajolet et al., 2^14 registers: a standard error of
/// about 0.8 %; linear counting for small cardinalities).
class HyperLogLog
{
public:
    static constexpr int kPrecision = 14;

    void add(std::uint64_t hash);
    double estimate() const;

private:
    std::array<std::uint8_t, std::size_t(1) << kPrecision> m_registers{};
};

} // namespace jobdesk
