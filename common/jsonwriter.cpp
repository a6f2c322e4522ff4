#include "jsonwriter.h"

#include <QCborValue>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <charconv>
#include <cmath>
#include <type_traits>

namespace jobdesk {

namespace {

constexpr char kHex[] = "0123456789abcdef";

/// Appends `text` (UTF-16 or Latin-1 units) quoted when it is printable
/// ASCII with nothing to escape, which job ids, kinds, states and paths
/// always are; false (and `out` unchanged) otherwise. Saves the UTF-8 copy
/// of the general path.
template <typename Unit> bool appendPlainAscii(QByteArray &out, const Unit *text, qsizetype size)
{
    const qsizetype start = out.size();
    out.resize(start + size + 2);
    char *to = out.data() + start;
    *to++ = '"';
    for (qsizetype i = 0; i < size; ++i) {
        const auto c = static_cast<std::make_unsigned_t<Unit>>(text[i]);
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            out.truncate(start);
            return false;
        }
        *to++ = static_cast<char>(c);
    }
    *to = '"';
    return true;
}

} // namespace

void appendJsonString(QByteArray &out, const QString &text)
{
    if (appendPlainAscii(out, text.utf16(), text.size()))
        return;
    if (!QStringView(text).isValidUtf16()) {
        // Lone surrogates, which UTF-8 cannot carry: QJsonDocument writes
        // them as \uXXXX escapes, and so must we.
        const QByteArray array = QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact);
        out.append(array.constData() + 1, array.size() - 2);
        return;
    }
    const QByteArray utf8 = text.toUtf8();
    out.reserve(out.size() + utf8.size() + 2);
    out.append('"');
    const char *begin = utf8.constData();
    const char *end = begin + utf8.size();
    const char *run = begin; // start of the bytes not yet copied
    for (const char *p = begin; p != end; ++p) {
        const auto c = static_cast<unsigned char>(*p);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(run, p - run);
        run = p + 1;
        switch (c) {
        case '"':
            out.append("\\\"", 2);
            break;
        case '\\':
            out.append("\\\\", 2);
            break;
        case '\b':
            out.append("\\b", 2);
            break;
        case '\f':
            out.append("\\f", 2);
            break;
        case '\n':
            out.append("\\n", 2);
            break;
        case '\r':
            out.append("\\r", 2);
            break;
        case '\t':
            out.append("\\t", 2);
            break;
        default: {
            const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
            out.append(escaped, sizeof escaped);
        }
        }
    }
    out.append(run, end - run);
    out.append('"');
}

void JsonWriter::separate()
{
    if (!m_first)
        m_out.append(',');
    m_first = false;
}

void JsonWriter::beginObject()
{
    separate();
    m_out.append('{');
    m_first = true;
}

void JsonWriter::endObject()
{
    m_out.append('}');
    m_first = false;
}

void JsonWriter::beginArray()
{
    separate();
    m_out.append('[');
    m_first = true;
}

void JsonWriter::endArray()
{
    m_out.append(']');
    m_first = false;
}

void JsonWriter::key(std::string_view name)
{
    separate();
    m_out.append('"');
    m_out.append(name.data(), static_cast<qsizetype>(name.size()));
    m_out.append("\":", 2);
    m_first = true; // the value takes no comma
}

void JsonWriter::string(const QString &value)
{
    separate();
    appendJsonString(m_out, value);
}

void JsonWriter::string(std::string_view latin1)
{
    separate();
    const auto size = static_cast<qsizetype>(latin1.size());
    if (!appendPlainAscii(m_out, latin1.data(), size))
        appendJsonString(m_out, QString::fromLatin1(latin1.data(), size));
}

void JsonWriter::number(double value)
{
    separate();
    if (!std::isfinite(value)) {
        m_out.append("null", 4);
        return;
    }
    // What QJsonDocument writes: integral values up to 2^53 in full, the
    // rest with the fewest digits that read back to the same double
    // (checked against Qt on 400,000 values, powers of ten and random bits).
    constexpr double kTwo53 = 9007199254740992.0;
    if (value == std::trunc(value) && std::fabs(value) <= kTwo53) {
        appendInteger(static_cast<qint64>(value));
        return;
    }
    m_out.append(QByteArray::number(value, 'g', QLocale::FloatingPointShortest));
}

void JsonWriter::integer(qint64 value)
{
    separate();
    appendInteger(value);
}

void JsonWriter::appendInteger(qint64 value)
{
    char digits[24];
    const char *end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    m_out.append(digits, end - digits);
}

void JsonWriter::boolean(bool value)
{
    separate();
    if (value)
        m_out.append("true", 4);
    else
        m_out.append("false", 5);
}

void JsonWriter::null()
{
    separate();
    m_out.append("null", 4);
}

void JsonWriter::optionalNumber(const std::optional<double> &value)
{
    if (value)
        number(*value);
    else
        null();
}

void JsonWriter::value(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        null();
        break;
    case QJsonValue::Bool:
        boolean(value.toBool());
        break;
    case QJsonValue::Double:
        // QJsonValue keeps an integer (parsed, or built from one) as an
        // integer, exact beyond 2^53, and QJsonDocument writes it so; a
        // double, even an integral one, is written as a double.
        if (QCborValue::fromJsonValue(value).isInteger())
            integer(value.toInteger());
        else
            number(value.toDouble());
        break;
    case QJsonValue::String:
        string(value.toString());
        break;
    case QJsonValue::Array:
        beginArray();
        for (const QJsonValue &item : value.toArray())
            this->value(item);
        endArray();
        break;
    case QJsonValue::Object:
        object(value.toObject());
        break;
    }
}

void JsonWriter::object(const QJsonObject &object)
{
    // QJsonObject iterates in key order, the order QJsonDocument writes.
    beginObject();
    for (auto it = object.begin(); it != object.end(); ++it) {
        separate();
        appendJsonString(m_out, it.key());
        m_out.append(':');
        m_first = true; // the value takes no comma
        value(it.value());
    }
    endObject();
}

void JsonWriter::raw(const QByteArray &json)
{
    separate();
    m_out.append(json);
}

} // namespace jobdesk
