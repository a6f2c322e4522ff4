#pragma once

#include <string_view>

namespace jobdesk {

/// Compares two secrets in a time that depends only on the length of
/// `secret`, never on where the two first differ.
bool constantTimeEquals(std::string_view given, std::string_view secret);

/// Whether an `Authorization` field value is `Bearer <token>` for `token`
/// (scheme name case-insensitive, RFC 6750), compared in constant time.
bool bearerTokenMatches(std::string_view authorization, std::string_view token);

} // namespace jobdesk
