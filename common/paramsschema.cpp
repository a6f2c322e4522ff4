#include "paramsschema.h"

#include <QJsonArray>

#include <cmath>

namespace jobdesk {

namespace {

QString typeOf(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return QStringLiteral("boolean");
    case QJsonValue::Double: return QStringLiteral("number");
    case QJsonValue::String: return QStringLiteral("string");
    case QJsonValue::Array: return QStringLiteral("array");
    case QJsonValue::Object: return QStringLiteral("object");
    case QJsonValue::Undefined: break;
    }
    return QStringLiteral("undefined");
}

bool matchesType(const QJsonValue &v, const QString &type)
{
    if (type == QLatin1String("string"))
        return v.isString();
    if (type == QLatin1String("boolean"))
        return v.isBool();
    if (type == QLatin1String("number"))
        return v.isDouble() && std::isfinite(v.toDouble());
    if (type == QLatin1String("integer")) {
        const double d = v.toDouble();
        return v.isDouble() && std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15;
    }
    return true; // an untyped property takes anything
}

QString describe(const QJsonValue &v)
{
    if (v.isString())
        return QLatin1Char('"') + v.toString() + QLatin1Char('"');
    if (v.isDouble())
        return QString::number(v.toDouble());
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    return typeOf(v);
}

} // namespace

QList<FieldError> validateParams(const QJsonObject &schema, const QJsonObject &params)
{
    QList<FieldError> errors;
    const QJsonObject props = schema.value(QStringLiteral("properties")).toObject();
    const auto field = [](const QString &name) { return QStringLiteral("params.") + name; };

    for (const QJsonValue &req : schema.value(QStringLiteral("required")).toArray()) {
        if (!params.contains(req.toString()))
            errors.append({field(req.toString()), QStringLiteral("is required")});
    }

    for (auto it = params.begin(); it != params.end(); ++it) {
        if (!props.contains(it.key())) {
            errors.append({field(it.key()), QStringLiteral("is not a parameter of this kind")});
            continue;
        }
        const QJsonObject p = props.value(it.key()).toObject();
        const QJsonValue v = it.value();
        const QString type = p.value(QStringLiteral("type")).toString();
        if (!type.isEmpty() && !matchesType(v, type)) {
            errors.append({field(it.key()),
                           QStringLiteral("must be of type %1, not %2").arg(type, typeOf(v))});
            continue;
        }
        if (p.contains(QStringLiteral("enum"))) {
            const QJsonArray allowed = p.value(QStringLiteral("enum")).toArray();
            if (!allowed.contains(v)) {
                QStringList names;
                for (const QJsonValue &a : allowed)
                    names.append(describe(a));
                errors.append({field(it.key()),
                               QStringLiteral("must be one of %1").arg(names.join(QStringLiteral(", ")))});
                continue;
            }
        }
        if (v.isDouble()) {
            const double d = v.toDouble();
            if (p.contains(QStringLiteral("minimum")) && d < p.value(QStringLiteral("minimum")).toDouble())
                errors.append({field(it.key()), QStringLiteral("must be at least %1")
                                                    .arg(p.value(QStringLiteral("minimum")).toDouble())});
            else if (p.contains(QStringLiteral("maximum")) && d > p.value(QStringLiteral("maximum")).toDouble())
                errors.append({field(it.key()), QStringLiteral("must be at most %1")
                                                    .arg(p.value(QStringLiteral("maximum")).toDouble())});
        }
        if (v.isString() && p.value(QStringLiteral("format")).toString() == QLatin1String("path") &&
            v.toString().isEmpty()) {
            errors.append({field(it.key()), QStringLiteral("must be a file path")});
        }
    }
    return errors;
}

QJsonObject withDefaults(const QJsonObject &schema, const QJsonObject &params)
{
    QJsonObject out = params;
    const QJsonObject props = schema.value(QStringLiteral("properties")).toObject();
    for (auto it = props.begin(); it != props.end(); ++it) {
        const QJsonObject p = it.value().toObject();
        if (!out.contains(it.key()) && p.contains(QStringLiteral("default")))
            out.insert(it.key(), p.value(QStringLiteral("default")));
    }
    return out;
}

} // namespace jobdesk
