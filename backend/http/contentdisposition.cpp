#include "contentdisposition.h"

#include <QByteArray>

namespace jobdesk {

namespace {

// attr-char of RFC 8187: what filename* may carry without percent-encoding.
bool isAttrChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '&':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

// Quote, backslash and percent are replaced too: some clients decode
// percent sequences in the plain parameter.
bool fitsQuotedFallback(QChar c)
{
    const char16_t u = c.unicode();
    return u >= 0x20 && u < 0x7f && u != '"' && u != '\\' && u != '%';
}

QString baseName(const QString &filename)
{
    QString name = filename.mid(
        std::max(filename.lastIndexOf(QLatin1Char('/')), filename.lastIndexOf(QLatin1Char('\\'))) +
        1);
    name.removeIf([](QChar c) { return c.unicode() < 0x20 || c.unicode() == 0x7f; });
    if (name.isEmpty() || name == QLatin1String(".") || name == QLatin1String(".."))
        return QStringLiteral("result");
    return name;
}

} // namespace

std::string attachmentDisposition(const QString &filename)
{
    const QString name = baseName(filename);

    std::string fallback;
    fallback.reserve(static_cast<std::size_t>(name.size()));
    for (const QChar c : name)
        fallback.push_back(fitsQuotedFallback(c) ? static_cast<char>(c.unicode()) : '_');

    static const char hex[] = "0123456789ABCDEF";
    std::string encoded;
    for (const char c : name.toUtf8()) {
        if (isAttrChar(c)) {
            encoded.push_back(c);
        } else {
            const auto byte = static_cast<unsigned char>(c);
            encoded.push_back('%');
            encoded.push_back(hex[byte >> 4]);
            encoded.push_back(hex[byte & 0x0f]);
        }
    }
    return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" + encoded;
}

} // namespace jobdesk
