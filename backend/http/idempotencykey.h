#pragma once

#include "apierror.h"

#include <QString>
#include <string_view>

namespace jobdesk {

/// Reads an `Idempotency-Key` field. The IETF draft makes it a Structured
/// Field string (`"abc"`); the bare form (`abc`) that most clients send is
/// accepted too and means the same key. Printable ASCII, 1 to 255
/// characters; anything else is an invalid_request (400) naming the field.
Result<QString> parseIdempotencyKey(std::string_view value);

} // namespace jobdesk
