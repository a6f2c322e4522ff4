#pragma once

#include <cstdint>
#include <string>

namespace jobdesk {

/// One of a column's most frequent values, with how often it occurs.
struct TopValue
{
    std::string value;
    std::uint64_t count = 0;
};

} // namespace jobdesk
