#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>

namespace jobdesk {

/// How report.csv_summary reads one cell. Every function works on the bytes
/// of the cell, allocates nothing, and accepts the whole cell or nothing.
namespace cellparse {

/// The cell without surrounding spaces and tabs.
inline std::string_view trimmed(std::string_view cell)
{
    while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t'))
        cell.remove_prefix(1);
    while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t'))
        cell.remove_suffix(1);
    return cell;
}

/// Empty, or a conventional marker of a missing value: NA, N/A, n/a, NULL,
/// null, NaN, nan, #N/A, #NA (what spreadsheets and pandas write).
inline bool isMissing(std::string_view cell)
{
    switch (cell.size()) {
    case 0:
        return true;
    case 2:
        return cell == "NA";
    case 3:
        return cell == "N/A" || cell == "n/a" || cell == "NaN" || cell == "nan" || cell == "#NA";
    case 4:
        return cell == "NULL" || cell == "null" || cell == "#N/A";
    default:
        return false;
    }
}

/// A decimal integer with an optional sign that fits in 64 bits.
inline bool parseInteger(std::string_view cell, std::int64_t *value)
{
    if (cell.empty())
        return false;
    const char *first = cell.data();
    const char *last = first + cell.size();
    if (*first == '+') {
        ++first;
        if (first == last || *first == '-')
            return false;
    }
    const auto [end, ec] = std::from_chars(first, last, *value);
    return ec == std::errc() && end == last;
}

/// A finite decimal number (sign, digits, point, exponent) via std::from_chars.
bool parseNumber(std::string_view cell, double *value);

/// true or false, in any letter case.
bool parseBoolean(std::string_view cell, bool *value);

/// An ISO 8601 date (YYYY-MM-DD) or date-time (YYYY-MM-DD[T ]HH:MM[:SS[.f]]
/// with an optional Z or ±HH:MM): microseconds since 1970-01-01 UTC, for
/// comparing. `hasTime` tells the two apart.
bool parseDate(std::string_view cell, std::int64_t *microseconds, bool *hasTime);

} // namespace cellparse

} // namespace jobdesk
