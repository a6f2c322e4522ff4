#pragma once

#include "apierror.h"

#include <QString>

namespace jobdesk {

/// Reads a token or secret file: UTF-8, surrounding white space trimmed. An
/// empty file is an error; a file others can read draws a warning.
Result<QString> readSecretFile(const QString &path);

/// Reads `path`, or creates it first (mode 0600, atomically) holding
/// `generate()`'s value when it does not exist.
Result<QString> readOrCreateSecretFile(const QString &path, QString (*generate)());

/// 32 random bytes, base64url without padding: an API token.
QString generateApiToken();

} // namespace jobdesk
