#pragma once

#include <cstddef>

namespace jobdesk {

/// Whether `data` is well-formed UTF-8 (no overlongs, no surrogates, nothing
/// above U+10FFFF). Plain ASCII is checked eight bytes at a time.
bool isValidUtf8(const char *data, std::size_t size);

} // namespace jobdesk
