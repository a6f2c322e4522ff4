#pragma once

#include <string_view>

namespace jobdesk {

/// The delimiters report.csv_summary knows, in order of preference.
inline constexpr char kCsvDelimiters[] = {',', ';', '\t', '|'};

/// Guesses the delimiter from the first bytes of a file: for each candidate
/// it counts the fields of the first records (quotes respected) and picks
/// the one that splits the most records into the same number of fields,
/// more than one; ',' when none does.
char detectCsvDelimiter(std::string_view sample);

} // namespace jobdesk
