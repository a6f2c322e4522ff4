#include "paramsschema.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>

#include <cmath>
#include <cstdlib>
#include <sys/stat.h>

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

QStringList stringList(const QJsonValue &v)
{
    QStringList out;
    for (const QJsonValue &item : v.toArray())
        out.append(item.toString());
    return out;
}

// realpath(3): resolves `..` and every symbolic link the way the kernel will
// when the job opens the path (QDir::cleanPath would resolve `..` lexically,
// which a symbolic link makes wrong).
QString realPath(const QString &path)
{
    char *resolved = ::realpath(QFile::encodeName(path).constData(), nullptr);
    if (!resolved)
        return {};
    const QString out = QFile::decodeName(resolved);
    std::free(resolved);
    return out;
}

const QStringList &schemaTypes()
{
    static const QStringList types = {QStringLiteral("string"), QStringLiteral("number"),
                                      QStringLiteral("integer"), QStringLiteral("boolean")};
    return types;
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
        if (v.isString() && p.value(QStringLiteral("format")).toString() == QLatin1String("path")) {
            if (v.toString().isEmpty()) {
                errors.append({field(it.key()), QStringLiteral("must be a file path")});
            } else if (schema.contains(QLatin1String(kInputRootsSchemaKey))) {
                const QString problem = inputPathError(
                    v.toString(), stringList(schema.value(QLatin1String(kInputRootsSchemaKey))));
                if (!problem.isEmpty())
                    errors.append({field(it.key()), problem});
            }
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

QStringList schemaProblems(const QJsonObject &schema)
{
    QStringList problems;
    static const QStringList topKeys = {QStringLiteral("type"), QStringLiteral("properties"),
                                        QStringLiteral("required"), QStringLiteral("title"),
                                        QStringLiteral("description")};
    static const QStringList propertyKeys = {
        QStringLiteral("type"),    QStringLiteral("enum"),       QStringLiteral("minimum"),
        QStringLiteral("maximum"), QStringLiteral("default"),    QStringLiteral("format"),
        QStringLiteral("title"),   QStringLiteral("description")};

    for (auto it = schema.begin(); it != schema.end(); ++it) {
        if (!topKeys.contains(it.key()))
            problems.append(QStringLiteral("%1: unsupported keyword").arg(it.key()));
    }
    if (schema.value(QStringLiteral("type")).toString() != QLatin1String("object"))
        problems.append(QStringLiteral("type: must be \"object\""));
    const QJsonValue propsValue = schema.value(QStringLiteral("properties"));
    if (!propsValue.isUndefined() && !propsValue.isObject())
        problems.append(QStringLiteral("properties: must be an object"));
    const QJsonObject props = propsValue.toObject();

    for (auto it = props.begin(); it != props.end(); ++it) {
        const QString where = QStringLiteral("properties.") + it.key();
        if (!it.value().isObject()) {
            problems.append(where + QStringLiteral(": must be an object"));
            continue;
        }
        const QJsonObject p = it.value().toObject();
        for (auto k = p.begin(); k != p.end(); ++k) {
            if (!propertyKeys.contains(k.key()))
                problems.append(QStringLiteral("%1.%2: unsupported keyword").arg(where, k.key()));
        }
        const QString type = p.value(QStringLiteral("type")).toString();
        if (!schemaTypes().contains(type)) {
            problems.append(where + QStringLiteral(".type: must be one of ") +
                            schemaTypes().join(QStringLiteral(", ")));
            continue;
        }
        for (const char *bound : {"minimum", "maximum"}) {
            const QJsonValue b = p.value(QLatin1String(bound));
            if (b.isUndefined())
                continue;
            if (!b.isDouble() ||
                (type != QLatin1String("number") && type != QLatin1String("integer")))
                problems.append(QStringLiteral("%1.%2: only a number, on a numeric property")
                                    .arg(where, QLatin1String(bound)));
        }
        if (p.contains(QStringLiteral("format")) &&
            (p.value(QStringLiteral("format")).toString() != QLatin1String("path") ||
             type != QLatin1String("string")))
            problems.append(where + QStringLiteral(".format: only \"path\", on a string"));
        // Checking enum and default with the validator itself keeps the two
        // definitions of "a valid value" from drifting apart.
        const QJsonObject alone{{QStringLiteral("type"), QStringLiteral("object")},
                                {QStringLiteral("properties"), QJsonObject{{it.key(), p}}}};
        if (p.contains(QStringLiteral("enum"))) {
            const QJsonValue e = p.value(QStringLiteral("enum"));
            if (!e.isArray() || e.toArray().isEmpty()) {
                problems.append(where + QStringLiteral(".enum: must be a non-empty array"));
            } else {
                QJsonObject typeOnly = p;
                typeOnly.remove(QStringLiteral("enum"));
                const QJsonObject loose{
                    {QStringLiteral("type"), QStringLiteral("object")},
                    {QStringLiteral("properties"), QJsonObject{{it.key(), typeOnly}}}};
                for (const QJsonValue &value : e.toArray()) {
                    if (!validateParams(loose, QJsonObject{{it.key(), value}}).isEmpty())
                        problems.append(QStringLiteral("%1.enum: %2 does not fit the property")
                                            .arg(where, describe(value)));
                }
            }
        }
        if (p.contains(QStringLiteral("default"))) {
            const QList<FieldError> errors =
                validateParams(alone, QJsonObject{{it.key(), p.value(QStringLiteral("default"))}});
            for (const FieldError &e : errors)
                problems.append(QStringLiteral("%1.default: %2").arg(where, e.message));
        }
    }

    const QJsonValue required = schema.value(QStringLiteral("required"));
    if (!required.isUndefined() && !required.isArray())
        problems.append(QStringLiteral("required: must be an array"));
    for (const QJsonValue &name : required.toArray()) {
        if (!name.isString() || !props.contains(name.toString()))
            problems.append(
                QStringLiteral("required: %1 is not a declared property").arg(describe(name)));
    }
    return problems;
}

QString resolveInputPath(const QString &path)
{
    if (!QDir::isAbsolutePath(path) || path.contains(QChar(0)))
        return {};
    if (const QString resolved = realPath(path); !resolved.isEmpty())
        return resolved;
    // Not there (yet): resolve the nearest folder that exists and accept only
    // plain names below it, since nothing unresolved may climb back out.
    QStringList rest;
    QString at = path;
    for (;;) {
        const qsizetype slash = at.lastIndexOf(QLatin1Char('/'));
        if (slash < 0)
            return {};
        const QString name = at.mid(slash + 1);
        at.truncate(slash);
        if (name == QLatin1String("..") || name == QLatin1String("."))
            return {};
        if (!name.isEmpty())
            rest.prepend(name);
        const QString base = realPath(at.isEmpty() ? QStringLiteral("/") : at);
        if (!base.isEmpty()) {
            // The first name below it exists but does not resolve: a dangling
            // symbolic link, which could later point anywhere.
            if (rest.isEmpty())
                return {}; // "file/": a file is no folder
            struct stat info;
            const QString first = base + QLatin1Char('/') + rest.constFirst();
            if (::lstat(QFile::encodeName(first).constData(), &info) == 0)
                return {};
            QString out = base;
            for (const QString &part : rest) {
                if (!out.endsWith(QLatin1Char('/')))
                    out += QLatin1Char('/');
                out += part;
            }
            return out;
        }
        if (at.isEmpty())
            return {};
    }
}

bool isUnderRoot(const QString &path, const QString &root)
{
    if (root == QLatin1String("/"))
        return path.startsWith(QLatin1Char('/'));
    return path == root || (path.startsWith(root) && path.at(root.size()) == QLatin1Char('/'));
}

namespace {
QStringList &deniedInputPaths()
{
    static QStringList paths;
    return paths;
}
} // namespace

void setDeniedInputPaths(const QStringList &paths)
{
    QStringList canonical;
    for (const QString &p : paths) {
        const QString c = QFileInfo(p).canonicalFilePath();
        if (!c.isEmpty())
            canonical.append(c);
    }
    deniedInputPaths() = canonical;
}

bool isDeniedInputPath(const QString &path)
{
    for (const QString &denied : deniedInputPaths()) {
        if (isUnderRoot(path, denied))
            return true;
    }
    return false;
}

QString inputPathError(const QString &path, const QStringList &roots)
{
    if (!QDir::isAbsolutePath(path))
        return QStringLiteral("must be an absolute path");
    if (roots.isEmpty())
        return QStringLiteral("cannot be read: no input roots are configured");
    const QString resolved = resolveInputPath(path);
    if (!resolved.isEmpty() && isDeniedInputPath(resolved))
        return QStringLiteral("must not be jobdeskd's own data (its database, token or secrets)");
    if (!resolved.isEmpty()) {
        for (const QString &root : roots) {
            if (isUnderRoot(resolved, root))
                return {};
        }
    }
    return QStringLiteral("must lie under an input root (%1)")
        .arg(roots.join(QStringLiteral(", ")));
}

} // namespace jobdesk
