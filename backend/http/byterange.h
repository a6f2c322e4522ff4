#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace jobdesk {

/// What a `Range` request field asks of a representation (RFC 9110 §14).
struct RangeRequest
{
    enum class Verdict
    {
        Whole,         // no usable Range: answer 200 with everything
        Partial,       // answer 206 with [first, first + length)
        Unsatisfiable, // answer 416 with `Content-Range: bytes */size`
    };
    Verdict verdict = Verdict::Whole;
    std::uint64_t first = 0;
    std::uint64_t length = 0;
};

/// Evaluates a `Range` field against a representation of `size` bytes. One
/// `bytes` range is served (`a-b`, `a-`, `-n`); a field that is absent,
/// malformed, in another unit or asks for several ranges is ignored, as
/// RFC 9110 allows a server to do, and the whole representation is sent.
RangeRequest evaluateRange(std::string_view field, std::uint64_t size);

/// Whether `If-Range` lets a Range apply: only an exact strong match with
/// the representation's ETag does (dates are never a match here, since
/// results carry no Last-Modified). An absent field always does.
bool ifRangeAllows(std::string_view ifRange, std::string_view etag);

/// The value of Content-Range for a 206: `bytes first-last/size`.
std::string contentRange(std::uint64_t first, std::uint64_t length, std::uint64_t size);

} // namespace jobdesk
