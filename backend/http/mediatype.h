#pragma once

#include <string_view>

namespace jobdesk {

/// Whether a `Content-Type` value names `type` (e.g. "application/json"),
/// ignoring case, surrounding white space and parameters such as charset.
bool isMediaType(std::string_view contentType, std::string_view type);

} // namespace jobdesk
