#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace jobdesk {

/// A fast 64-bit hash of bytes: one multiply per eight bytes (the tail read
/// with fixed-size loads, never a variable-length copy), then the SplitMix64
/// finaliser so every output bit depends on every input bit (the
/// HyperLogLog takes its buckets and ranks from them). Not for security.
inline std::uint64_t hashBytes(std::string_view bytes)
{
    constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ULL;
    const auto load64 = [](const char *p) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        return w;
    };
    const auto load32 = [](const char *p) {
        std::uint32_t w;
        std::memcpy(&w, p, 4);
        return std::uint64_t(w);
    };
    const char *p = bytes.data();
    const std::size_t n = bytes.size();
    std::uint64_t h = 0x243F6A8885A308D3ULL ^ (std::uint64_t(n) * kMul);
    const auto round = [&](std::uint64_t w) {
        h = (h ^ w) * kMul;
        h ^= h >> 29;
    };
    if (n >= 8) {
        std::size_t i = 0;
        for (; i + 8 <= n; i += 8)
            round(load64(p + i));
        if (i < n)
            round(load64(p + n - 8)); // the last eight bytes, overlapping
    } else if (n >= 4) {
        round(load32(p) | (load32(p + n - 4) << 32));
    } else if (n > 0) {
        round(std::uint64_t(std::uint8_t(p[0])) | std::uint64_t(std::uint8_t(p[n / 2])) << 8 |
              std::uint64_t(std::uint8_t(p[n - 1])) << 16);
    }
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBULL;
    h ^= h >> 31;
    return h;
}

} // namespace jobdesk
