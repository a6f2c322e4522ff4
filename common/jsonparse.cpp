#include "jsonparse.h"

#include "reliability.h"

#include <QJsonDocument>
#include <QStringDecoder>

namespace jobdesk {

namespace {

// Nesting depth of the JSON text, ignoring brackets inside strings. Checked
// before parsing so absurd depth costs one linear scan and nothing more.
int maxDepth(const QByteArray &text)
{
    int depth = 0, deepest = 0;
    bool inString = false, escaped = false;
    for (const char c : text) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"')
            inString = true;
        else if (c == '{' || c == '[')
            deepest = std::max(deepest, ++depth);
        else if (c == '}' || c == ']')
            --depth;
    }
    return deepest;
}

} // namespace

Result<QJsonObject> parseJsonObject(const QByteArray &text)
{
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    (void)utf8.decode(text);
    if (utf8.hasError())
        return ApiError::make(ErrorCode::InvalidRequest, QStringLiteral("the body is not valid UTF-8"));
    if (maxDepth(text) > reliability::kMaxJsonDepth)
        return ApiError::make(ErrorCode::InvalidRequest,
                              QStringLiteral("JSON nested deeper than %1 levels")
                                  .arg(reliability::kMaxJsonDepth));
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(text, &err);
    if (err.error != QJsonParseError::NoError)
        return ApiError::make(ErrorCode::InvalidRequest,
                              QStringLiteral("malformed JSON at offset %1: %2")
                                  .arg(err.offset)
                                  .arg(err.errorString()));
    if (!doc.isObject())
        return ApiError::make(ErrorCode::InvalidRequest, QStringLiteral("expected a JSON object"));
    return doc.object();
}

} // namespace jobdesk
