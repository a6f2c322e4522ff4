#include "byterange.h"

#include "httpmessage.h"

#include <limits>

namespace jobdesk {

namespace {

constexpr std::uint64_t kHuge = std::numeric_limits<std::uint64_t>::max();

std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// Digits only; a number too large to hold saturates (it can only be past the end).
bool readNumber(std::string_view s, std::uint64_t *value)
{
    if (s.empty())
        return false;
    std::uint64_t v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9')
            return false;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        v = v > (kHuge - digit) / 10 ? kHuge : v * 10 + digit;
    }
    *value = v;
    return true;
}

} // namespace

RangeRequest evaluateRange(std::string_view field, std::uint64_t size)
{
    RangeRequest whole;
    field = trimmed(field);
    constexpr std::string_view unit = "bytes=";
    if (field.size() <= unit.size() || !equalsIgnoringCase(field.substr(0, unit.size()), unit))
        return whole;
    const std::string_view spec = trimmed(field.substr(unit.size()));
    if (spec.find(',') != std::string_view::npos)
        return whole; // several ranges: served whole
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos)
        return whole;
    const std::string_view firstText = trimmed(spec.substr(0, dash));
    const std::string_view lastText = trimmed(spec.substr(dash + 1));

    RangeRequest unsatisfiable{RangeRequest::Verdict::Unsatisfiable, 0, 0};
    if (firstText.empty()) {
        std::uint64_t suffix = 0;
        if (!readNumber(lastText, &suffix))
            return whole;
        if (suffix == 0 || size == 0)
            return unsatisfiable;
        const std::uint64_t length = std::min(suffix, size);
        return {RangeRequest::Verdict::Partial, size - length, length};
    }
    std::uint64_t first = 0;
    if (!readNumber(firstText, &first))
        return whole;
    std::uint64_t last = kHuge;
    if (!lastText.empty()) {
        if (!readNumber(lastText, &last))
            return whole;
        if (last < first)
            return whole; // invalid, so ignored
    }
    if (first >= size)
        return unsatisfiable;
    last = std::min(last, size - 1);
    return {RangeRequest::Verdict::Partial, first, last - first + 1};
}

bool ifRangeAllows(std::string_view ifRange, std::string_view etag)
{
    ifRange = trimmed(ifRange);
    if (ifRange.empty())
        return true;
    // Strong comparison: a weak tag never matches.
    return ifRange.front() == '"' && ifRange == etag;
}

std::string contentRange(std::uint64_t first, std::uint64_t length, std::uint64_t size)
{
    return "bytes " + std::to_string(first) + '-' + std::to_string(first + length - 1) + '/' +
           std::to_string(size);
}

} // namespace jobdesk
