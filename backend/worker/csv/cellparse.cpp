#include "cellparse.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace jobdesk::cellparse {

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// `count` digits at `s`, as a number; -1 when they are not all digits.
int digits(std::string_view s, std::size_t at, std::size_t count)
{
    if (at + count > s.size())
        return -1;
    int v = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (!isDigit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool isLeapYear(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int daysInMonth(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && isLeapYear(y) ? 29 : days[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
std::int64_t daysFromCivil(int y, int m, int d)
{
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * unsigned(m + (m > 2 ? -3 : 9)) + 2) / 5 + unsigned(d) - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + std::int64_t(doe) - 719468;
}

} // namespace

bool parseNumber(std::string_view cell, double *value)
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
    // from_chars also reads "inf" and "nan", which are no data values here.
    if (first != last && !isDigit(*first) && *first != '.' && *first != '-')
        return false;
    const auto [end, ec] = std::from_chars(first, last, *value, std::chars_format::general);
    return ec == std::errc() && end == last && std::isfinite(*value);
}

bool parseBoolean(std::string_view cell, bool *value)
{
    const auto equalsFolded = [&](std::string_view word) {
        if (cell.size() != word.size())
            return false;
        for (std::size_t i = 0; i < word.size(); ++i) {
            if ((cell[i] | 0x20) != word[i])
                return false;
        }
        return true;
    };
    if (equalsFolded("true")) {
        *value = true;
        return true;
    }
    if (equalsFolded("false")) {
        *value = false;
        return true;
    }
    return false;
}

bool parseDate(std::string_view s, std::int64_t *microseconds, bool *hasTime)
{
    // YYYY-MM-DD
    if (s.size() < 10 || s[4] != '-' || s[7] != '-')
        return false;
    const int y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo))
        return false;
    std::int64_t us = daysFromCivil(y, mo, d) * 86400LL * 1000000LL;
    *hasTime = false;
    if (s.size() == 10) {
        *microseconds = us;
        return true;
    }
    // [T ]HH:MM[:SS[.fraction]]
    if ((s[10] != 'T' && s[10] != ' ') || s.size() < 16 || s[13] != ':')
        return false;
    const int h = digits(s, 11, 2), mi = digits(s, 14, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59)
        return false;
    us += (std::int64_t(h) * 3600 + mi * 60) * 1000000LL;
    std::size_t i = 16;
    if (i < s.size() && s[i] == ':') {
        const int sec = digits(s, i + 1, 2);
        if (sec < 0 || sec > 60)
            return false;
        us += std::int64_t(sec) * 1000000LL;
        i += 3;
        if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
            ++i;
            const std::size_t start = i;
            std::int64_t fraction = 0;
            int scale = 1000000;
            while (i < s.size() && isDigit(s[i])) {
                if (scale > 1) {
                    scale /= 10;
                    fraction += (s[i] - '0') * scale;
                }
                ++i;
            }
            if (i == start)
                return false;
            us += fraction;
        }
    }
    // Z, ±HH:MM or ±HHMM
    if (i < s.size()) {
        if (s[i] == 'Z' && i + 1 == s.size()) {
            ++i;
        } else if (s[i] == '+' || s[i] == '-') {
            const int oh = digits(s, i + 1, 2);
            std::size_t at = i + 3;
            if (at < s.size() && s[at] == ':')
                ++at;
            const int om = digits(s, at, 2);
            if (oh < 0 || oh > 23 || om < 0 || om > 59 || at + 2 != s.size())
                return false;
            const std::int64_t offset = (std::int64_t(oh) * 3600 + om * 60) * 1000000LL;
            us += s[i] == '+' ? -offset : offset;
            i = s.size();
        } else {
            return false;
        }
    }
    *microseconds = us;
    *hasTime = true;
    return true;
}

} // namespace jobdesk::cellparse
