#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <optional>
#include <string_view>

namespace jobdesk {

/// Appends compact JSON to a byte array, without building a QJsonObject
/// first. For the hot paths (the job object is written several thousand
/// times a second); the output is the bytes QJsonDocument::Compact would
/// give for the same members in the same order, so readers cannot tell.
///
/// The writer does not check nesting: callers write what they open.
class JsonWriter
{
public:
    explicit JsonWriter(QByteArray &out)
        : m_out(out)
    {
    }

    void beginObject();
    void endObject();
    void beginArray();
    void endArray();

    /// A member's name; the value follows with one of the calls below.
    void key(std::string_view name);

    void string(const QString &value);
    void string(std::string_view latin1);
    void number(double value); // non-finite values are written as null
    void integer(qint64 value);
    void boolean(bool value);
    void null();
    /// The number, or null when there is none.
    void optionalNumber(const std::optional<double> &value);
    /// Any JSON value, objects and arrays as QJsonDocument writes them.
    void value(const QJsonValue &value);
    /// An object as QJsonDocument writes it (members in key order).
    void object(const QJsonObject &object);
    /// Bytes that already are one JSON value.
    void raw(const QByteArray &json);

private:
    void separate();
    void appendInteger(qint64 value);

    QByteArray &m_out;
    bool m_first = true; // the next item is the first of its object or array
};

/// Appends `text` as a JSON string literal, quotes included.
void appendJsonString(QByteArray &out, const QString &text);

} // namespace jobdesk
