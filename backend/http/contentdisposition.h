#pragma once

#include <QString>
#include <string>

namespace jobdesk {

/// A `Content-Disposition: attachment` value for a download named
/// `filename`: an ASCII `filename="..."` for old clients and the exact name
/// as `filename*=UTF-8''...` (RFC 6266, RFC 8187). Folders in the name are
/// dropped; an empty name becomes "result".
std::string attachmentDisposition(const QString &filename);

} // namespace jobdesk
