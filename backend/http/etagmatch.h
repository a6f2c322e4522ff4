#pragma once

#include <string_view>

namespace jobdesk {

/// Whether an `If-None-Match` field value matches `etag` (an entity tag with
/// its quotes, e.g. "\"r42\""), by the weak comparison RFC 9110 section
/// 13.1.2 prescribes: `*` matches any current representation, `W/` prefixes
/// are ignored, and a list matches when any of its tags does. A malformed
/// list matches only up to where it stops making sense.
bool ifNoneMatchMatches(std::string_view fieldValue, std::string_view etag);

} // namespace jobdesk
