#include "idempotencykey.h"

namespace jobdesk {

namespace {

constexpr int kMaxKeyLength = 255;

ApiError invalidKey(const QString &why)
{
    ApiError error = ApiError::make(ErrorCode::InvalidRequest,
                                    QStringLiteral("the Idempotency-Key is invalid: %1").arg(why));
    error.fieldErrors.append({QStringLiteral("Idempotency-Key"), why});
    return error;
}

} // namespace

Result<QString> parseIdempotencyKey(std::string_view value)
{
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);

    QString key;
    if (!value.empty() && value.front() == '"') {
        // sf-string: DQUOTE *( unescaped / "\" ( DQUOTE / "\" ) ) DQUOTE
        if (value.size() < 2 || value.back() != '"')
            return invalidKey(QStringLiteral("an unterminated quoted string"));
        const std::string_view inner = value.substr(1, value.size() - 2);
        for (std::size_t i = 0; i < inner.size(); ++i) {
            char c = inner[i];
            if (c == '\\') {
                if (i + 1 == inner.size() || (inner[i + 1] != '"' && inner[i + 1] != '\\'))
                    return invalidKey(QStringLiteral("a bad escape in the quoted string"));
                c = inner[++i];
            } else if (c == '"') {
                return invalidKey(QStringLiteral("a quote inside the quoted string"));
            }
            if (c < 0x20 || c > 0x7e)
                return invalidKey(QStringLiteral("must be printable ASCII"));
            key.append(QLatin1Char(c));
        }
    } else {
        for (const char c : value) {
            if (c < 0x20 || c > 0x7e)
                return invalidKey(QStringLiteral("must be printable ASCII"));
            key.append(QLatin1Char(c));
        }
    }
    if (key.isEmpty() || key.size() > kMaxKeyLength)
        return invalidKey(QStringLiteral("must be 1 to %1 characters").arg(kMaxKeyLength));
    return key;
}

} // namespace jobdesk
