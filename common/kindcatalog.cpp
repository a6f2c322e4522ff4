#include "kindcatalog.h"

#include "paramsschema.h"
#include "reliability.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLocale>
#include <QRegularExpression>
#include <QSaveFile>
#include <cmath>

namespace jobdesk {

namespace {

QJsonObject parseSchema(const char *json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

// ---------------------------------------------------------------------------
// Built-in kinds
// ---------------------------------------------------------------------------

KindInfo demoSleep()
{
    KindInfo k;
    k.name = QStringLiteral("demo.sleep");
    k.title = QStringLiteral("Sleep (demo)");
    k.description =
        QStringLiteral("Sleeps for a while with progress. Can fail, crash or ignore cancellation "
                       "on request: for demos and tests.");
    k.paramsSchema = parseSchema(R"json({
        "type": "object",
        "properties": {
            "duration_s": {"type": "number", "minimum": 0, "maximum": 86400, "default": 5,
                           "title": "Duration (s)"},
            "steps": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 20,
                      "title": "Progress steps"},
            "fail_at": {"type": "number", "minimum": 0, "maximum": 100,
                        "title": "Fail at percent",
                        "description": "The attempt fails with a retryable job_error on reaching this progress"},
            "crash_at": {"type": "number", "minimum": 0, "maximum": 100,
                         "title": "Crash at percent",
                         "description": "The worker process dies on reaching this progress"},
            "ignore_cancel": {"type": "boolean", "default": false,
                              "title": "Ignore cancellation"}
        },
        "required": []
    })json");
    k.defaultTimeoutS = 300;
    k.defaultMaxAttempts = 3;
    return k;
}

KindInfo csvSummary()
{
    KindInfo k;
    k.name = QStringLiteral("report.csv_summary");
    k.title = QStringLiteral("CSV summary");
    k.description = QStringLiteral(
        "Streams a CSV file of any size and summarises every column: type, count, missing "
        "and distinct values, top values, min, max, mean and standard deviation; optionally "
        "per group of a column. Writes JSON, CSV, HTML or PDF.");
    k.paramsSchema = parseSchema(R"json({
        "type": "object",
        "properties": {
            "input": {"type": "string", "format": "path", "title": "CSV file",
                      "description": "A CSV file with a header row (UTF-8, with or without BOM)"},
            "delimiter": {"type": "string", "enum": [",", ";", "\t", "|"], "title": "Delimiter",
                          "description": "Detected from the file when not given"},
            "group_by": {"type": "string", "title": "Group by column",
                         "description": "Count, sums and means of the numeric columns per value of this column"},
            "format": {"type": "string", "enum": ["json", "csv", "html", "pdf"], "default": "json",
                       "title": "Output format"}
        },
        "required": ["input"]
    })json");
    k.defaultTimeoutS = 3600;
    k.defaultMaxAttempts = 3;
    return k;
}

KindInfo sqlReport()
{
    KindInfo k;
    k.name = QStringLiteral("report.sql");
    k.title = QStringLiteral("SQL report");
    k.description = QStringLiteral(
        "Runs one read-only statement (a SELECT) on a SQLite database file and writes the rows "
        "as CSV or HTML. The database is opened read-only and is never changed.");
    k.paramsSchema = parseSchema(R"json({
        "type": "object",
        "properties": {
            "database": {"type": "string", "format": "path", "title": "SQLite database"},
            "query": {"type": "string", "title": "Query",
                      "description": "One read-only SQL statement; ATTACH and writes are refused"},
            "format": {"type": "string", "enum": ["csv", "html"], "default": "csv",
                       "title": "Output format"}
        },
        "required": ["database", "query"]
    })json");
    k.defaultTimeoutS = 3600;
    k.defaultMaxAttempts = 3;
    return k;
}

// ---------------------------------------------------------------------------
// Admin-defined kinds: the [kind.NAME] sections of the config file
// ---------------------------------------------------------------------------

constexpr QLatin1String kKindSectionPrefix("kind.");

// QSettings would split JSON at its commas and eat its quotes, so the kind
// sections are read here, verbatim: `key=value`, where a value that opens a
// JSON object or array may continue on the following lines until it closes.
struct RawSection
{
    QString name;
    int line = 0;
    QList<QPair<QString, QString>> entries; // key, value
    QList<int> entryLines;
};

// How far the brackets of JSON text are from balanced (strings skipped).
int bracketDepth(const QString &text)
{
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    for (const QChar c : text) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == QLatin1Char('\\'))
                escaped = true;
            else if (c == QLatin1Char('"'))
                inString = false;
            continue;
        }
        if (c == QLatin1Char('"'))
            inString = true;
        else if (c == QLatin1Char('{') || c == QLatin1Char('['))
            ++depth;
        else if (c == QLatin1Char('}') || c == QLatin1Char(']'))
            --depth;
    }
    return depth;
}

std::optional<QList<RawSection>> readKindSections(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: cannot read: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'));
    QList<RawSection> sections;
    bool inKind = false;
    for (int i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char(';')) ||
            line.startsWith(QLatin1Char('#')))
            continue;
        if (line.startsWith(QLatin1Char('[')) && line.endsWith(QLatin1Char(']'))) {
            const QString name = line.mid(1, line.size() - 2).trimmed();
            inKind = name.startsWith(kKindSectionPrefix);
            if (inKind)
                sections.append(RawSection{name, i + 1, {}, {}});
            continue;
        }
        if (!inKind)
            continue;
        const qsizetype eq = line.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            *error = QStringLiteral("%1:%2: [%3]: expected key=value")
                         .arg(path)
                         .arg(i + 1)
                         .arg(sections.constLast().name);
            return std::nullopt;
        }
        const QString key = line.left(eq).trimmed();
        QString value = line.mid(eq + 1).trimmed();
        const int firstLine = i + 1;
        if (value.startsWith(QLatin1Char('{')) || value.startsWith(QLatin1Char('['))) {
            while (bracketDepth(value) > 0 && i + 1 < lines.size())
                value += QLatin1Char('\n') + lines.at(++i);
            if (bracketDepth(value) > 0) {
                *error = QStringLiteral("%1:%2: [%3] %4: the JSON value is not closed")
                             .arg(path)
                             .arg(firstLine)
                             .arg(sections.constLast().name, key);
                return std::nullopt;
            }
        }
        sections.last().entries.append({key, value});
        sections.last().entryLines.append(firstLine);
    }
    return sections;
}

std::optional<KindInfo> adminKindFromSection(const RawSection &section,
                                             const QStringList &takenNames, QString *problem,
                                             QString *problemKey)
{
    static const QRegularExpression namePattern(
        QStringLiteral("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$"));
    static const QStringList knownKeys = {
        QStringLiteral("title"),         QStringLiteral("description"),
        QStringLiteral("program"),       QStringLiteral("arguments"),
        QStringLiteral("params_schema"), QStringLiteral("working_directory"),
        QStringLiteral("environment"),   QStringLiteral("timeout_s"),
        QStringLiteral("max_attempts")};

    auto fail = [&](const QString &key, const QString &message) -> std::optional<KindInfo> {
        *problemKey = key;
        *problem = message;
        return std::nullopt;
    };

    KindInfo kind;
    kind.name = section.name.mid(kKindSectionPrefix.size());
    if (!namePattern.match(kind.name).hasMatch())
        return fail({}, QStringLiteral("a kind name is 1 to 100 letters, digits, '_', '.' or '-'"));
    if (takenNames.contains(kind.name))
        return fail({}, QStringLiteral("the kind \"%1\" is already defined").arg(kind.name));

    QMap<QString, QString> values;
    for (const auto &[key, value] : section.entries) {
        if (!knownKeys.contains(key))
            return fail(key, QStringLiteral("unknown key"));
        if (values.contains(key))
            return fail(key, QStringLiteral("given twice"));
        values.insert(key, value);
    }

    kind.title = values.value(QStringLiteral("title"), kind.name);
    kind.description = values.value(QStringLiteral("description"));

    ProgramSpec spec;
    spec.program = values.value(QStringLiteral("program"));
    if (spec.program.isEmpty())
        return fail(QStringLiteral("program"), QStringLiteral("is required"));
    const QFileInfo programInfo(spec.program);
    if (!programInfo.isAbsolute())
        return fail(QStringLiteral("program"), QStringLiteral("must be an absolute path"));
    if (!programInfo.isFile() || !programInfo.isExecutable())
        return fail(QStringLiteral("program"),
                    QStringLiteral("%1 is not an executable file").arg(spec.program));

    auto parseJson = [&](const QString &key, QJsonDocument *doc) {
        QJsonParseError err{};
        *doc = QJsonDocument::fromJson(values.value(key).toUtf8(), &err);
        if (err.error != QJsonParseError::NoError) {
            *problemKey = key;
            *problem = QStringLiteral("invalid JSON: %1").arg(err.errorString());
            return false;
        }
        return true;
    };

    kind.paramsSchema = QJsonObject{{QStringLiteral("type"), QStringLiteral("object")},
                                    {QStringLiteral("properties"), QJsonObject{}}};
    if (values.contains(QStringLiteral("params_schema"))) {
        QJsonDocument doc;
        if (!parseJson(QStringLiteral("params_schema"), &doc))
            return std::nullopt;
        if (!doc.isObject())
            return fail(QStringLiteral("params_schema"), QStringLiteral("must be a JSON object"));
        const QStringList problems = schemaProblems(doc.object());
        if (!problems.isEmpty())
            return fail(QStringLiteral("params_schema"), problems.join(QStringLiteral("; ")));
        kind.paramsSchema = doc.object();
    }
    const QJsonObject props = kind.paramsSchema.value(QStringLiteral("properties")).toObject();

    if (values.contains(QStringLiteral("arguments"))) {
        QJsonDocument doc;
        if (!parseJson(QStringLiteral("arguments"), &doc))
            return std::nullopt;
        if (!doc.isArray())
            return fail(QStringLiteral("arguments"),
                        QStringLiteral("must be a JSON array of strings"));
        for (const QJsonValue &v : doc.array()) {
            if (!v.isString())
                return fail(QStringLiteral("arguments"),
                            QStringLiteral("must be a JSON array of strings"));
            QString error;
            for (const QString &name : ProgramSpec::placeholders(v.toString(), &error)) {
                if (!props.contains(name))
                    return fail(
                        QStringLiteral("arguments"),
                        QStringLiteral("{%1} is not a property of params_schema").arg(name));
            }
            if (!error.isEmpty())
                return fail(QStringLiteral("arguments"), error);
            spec.arguments.append(v.toString());
        }
    }

    if (values.contains(QStringLiteral("environment"))) {
        QJsonDocument doc;
        if (!parseJson(QStringLiteral("environment"), &doc))
            return std::nullopt;
        if (!doc.isObject())
            return fail(QStringLiteral("environment"),
                        QStringLiteral("must be a JSON object of strings"));
        const QJsonObject env = doc.object();
        for (auto it = env.begin(); it != env.end(); ++it) {
            if (!it.value().isString() || it.key().isEmpty() || it.key().contains(QLatin1Char('=')))
                return fail(
                    QStringLiteral("environment"),
                    QStringLiteral("must be a JSON object of strings (\"%1\")").arg(it.key()));
            spec.environment.append({it.key(), it.value().toString()});
        }
    }

    spec.workingDirectory = values.value(QStringLiteral("working_directory"));
    if (!spec.workingDirectory.isEmpty() && (!QFileInfo(spec.workingDirectory).isAbsolute() ||
                                             !QFileInfo(spec.workingDirectory).isDir()))
        return fail(
            QStringLiteral("working_directory"),
            QStringLiteral("%1 is not an absolute path of a folder").arg(spec.workingDirectory));

    auto readInt = [&](const QString &key, int lo, int hi, int *out) {
        if (!values.contains(key))
            return true;
        bool ok = false;
        const int v = values.value(key).toInt(&ok);
        if (!ok || v < lo || v > hi) {
            *problemKey = key;
            *problem = QStringLiteral("expected %1 to %2, got \"%3\"")
                           .arg(lo)
                           .arg(hi)
                           .arg(values.value(key));
            return false;
        }
        *out = v;
        return true;
    };
    if (!readInt(QStringLiteral("timeout_s"), 1, reliability::kMaxTimeoutS,
                 &kind.defaultTimeoutS) ||
        !readInt(QStringLiteral("max_attempts"), 1, reliability::kMaxAttemptsLimit,
                 &kind.defaultMaxAttempts))
        return std::nullopt;

    kind.program = spec;
    return kind;
}

// A section naming a built-in kind: its default timeout and attempts only
// (its params and code are the worker's).
std::optional<KindCatalog::Settings::Defaults>
builtinDefaultsFromSection(const RawSection &section, const QStringList &takenNames,
                           QString *problem, QString *problemKey)
{
    KindCatalog::Settings::Defaults defaults;
    defaults.name = section.name.mid(kKindSectionPrefix.size());
    if (takenNames.contains(defaults.name)) {
        *problem = QStringLiteral("the kind \"%1\" is already configured").arg(defaults.name);
        return std::nullopt;
    }
    const auto readInt = [&](const QString &key, const QString &value, int hi,
                             std::optional<int> *out) {
        bool ok = false;
        const int v = value.toInt(&ok);
        if (out->has_value()) {
            *problemKey = key;
            *problem = QStringLiteral("given twice");
            return false;
        }
        if (!ok || v < 1 || v > hi) {
            *problemKey = key;
            *problem = QStringLiteral("expected 1 to %1, got \"%2\"").arg(hi).arg(value);
            return false;
        }
        *out = v;
        return true;
    };
    for (const auto &[key, value] : section.entries) {
        bool ok = false;
        if (key == QLatin1String("timeout_s"))
            ok = readInt(key, value, reliability::kMaxTimeoutS, &defaults.timeoutS);
        else if (key == QLatin1String("max_attempts"))
            ok = readInt(key, value, reliability::kMaxAttemptsLimit, &defaults.maxAttempts);
        else {
            *problemKey = key;
            *problem = QStringLiteral("a built-in kind's section sets only timeout_s and "
                                      "max_attempts");
        }
        if (!ok)
            return std::nullopt;
    }
    return defaults;
}

QJsonObject kindToWorkerJson(const KindInfo &k)
{
    QJsonObject o = k.toJson();
    if (k.program)
        o.insert(QStringLiteral("program"), k.program->toJson());
    return o;
}

QString shortestNumber(double d)
{
    if (d == std::floor(d) && std::fabs(d) < 9.0e15)
        return QString::number(qint64(d));
    return QString::number(d, 'g', QLocale::FloatingPointShortest);
}

} // namespace

// ---------------------------------------------------------------------------
// ProgramSpec
// ---------------------------------------------------------------------------

QStringList ProgramSpec::placeholders(const QString &argumentTemplate, QString *error)
{
    QStringList names;
    const QString &t = argumentTemplate;
    for (qsizetype i = 0; i < t.size(); ++i) {
        const QChar c = t.at(i);
        if (c == QLatin1Char('{')) {
            if (i + 1 < t.size() && t.at(i + 1) == QLatin1Char('{')) {
                ++i;
                continue;
            }
            const qsizetype close = t.indexOf(QLatin1Char('}'), i + 1);
            if (close < 0) {
                *error = QStringLiteral("\"%1\": a '{' is not closed").arg(t);
                return names;
            }
            const QString name = t.mid(i + 1, close - i - 1);
            if (name.isEmpty() || name.contains(QLatin1Char('{'))) {
                *error = QStringLiteral("\"%1\": \"{%2}\" is not a param name").arg(t, name);
                return names;
            }
            names.append(name);
            i = close;
        } else if (c == QLatin1Char('}')) {
            if (i + 1 < t.size() && t.at(i + 1) == QLatin1Char('}')) {
                ++i;
                continue;
            }
            *error = QStringLiteral("\"%1\": a lone '}' (write \"}}\")").arg(t);
            return names;
        }
    }
    return names;
}

QStringList ProgramSpec::expandArguments(const QJsonObject &params) const
{
    QStringList out;
    for (const QString &t : arguments) {
        QString arg;
        bool complete = true;
        for (qsizetype i = 0; i < t.size() && complete; ++i) {
            const QChar c = t.at(i);
            const bool doubled = i + 1 < t.size() && t.at(i + 1) == c;
            if ((c == QLatin1Char('{') || c == QLatin1Char('}')) && doubled) {
                arg += c;
                ++i;
            } else if (c == QLatin1Char('{')) {
                const qsizetype close = t.indexOf(QLatin1Char('}'), i + 1);
                if (close < 0) {
                    arg += t.mid(i); // placeholders() refused it at load time
                    break;
                }
                const QJsonValue v = params.value(t.mid(i + 1, close - i - 1));
                switch (v.type()) {
                case QJsonValue::String:
                    arg += v.toString();
                    break;
                case QJsonValue::Double:
                    arg += shortestNumber(v.toDouble());
                    break;
                case QJsonValue::Bool:
                    arg += v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
                    break;
                default:
                    complete = false;
                    break;
                }
                i = close;
            } else {
                arg += c;
            }
        }
        if (complete)
            out.append(arg);
    }
    return out;
}

QJsonObject ProgramSpec::toJson() const
{
    QJsonObject env;
    for (const auto &[name, value] : environment)
        env.insert(name, value);
    return QJsonObject{
        {QStringLiteral("program"), program},
        {QStringLiteral("arguments"), QJsonArray::fromStringList(arguments)},
        {QStringLiteral("working_directory"), workingDirectory},
        {QStringLiteral("environment"), env},
    };
}

ProgramSpec ProgramSpec::fromJson(const QJsonObject &o)
{
    ProgramSpec spec;
    spec.program = o.value(QStringLiteral("program")).toString();
    for (const QJsonValue &a : o.value(QStringLiteral("arguments")).toArray())
        spec.arguments.append(a.toString());
    spec.workingDirectory = o.value(QStringLiteral("working_directory")).toString();
    const QJsonObject env = o.value(QStringLiteral("environment")).toObject();
    for (auto it = env.begin(); it != env.end(); ++it)
        spec.environment.append({it.key(), it.value().toString()});
    return spec;
}

// ---------------------------------------------------------------------------
// KindInfo and KindCatalog
// ---------------------------------------------------------------------------

QJsonObject KindInfo::toJson() const
{
    QJsonObject schema = paramsSchema;
    schema.remove(QLatin1String(kInputRootsSchemaKey));
    return QJsonObject{
        {QStringLiteral("name"), name},
        {QStringLiteral("title"), title},
        {QStringLiteral("description"), description},
        {QStringLiteral("params_schema"), schema},
        {QStringLiteral("default_timeout_s"), defaultTimeoutS},
        {QStringLiteral("default_max_attempts"), defaultMaxAttempts},
    };
}

KindCatalog KindCatalog::builtin()
{
    KindCatalog catalog;
    catalog.setInputRoots({QDir::homePath()});
    catalog.add(demoSleep());
    catalog.add(csvSummary());
    catalog.add(sqlReport());
    return catalog;
}

QJsonObject KindCatalog::withRoots(QJsonObject schema) const
{
    schema.insert(QLatin1String(kInputRootsSchemaKey), QJsonArray::fromStringList(m_inputRoots));
    return schema;
}

void KindCatalog::add(KindInfo kind)
{
    kind.paramsSchema = withRoots(kind.paramsSchema);
    m_kinds.append(std::move(kind));
}

const KindInfo *KindCatalog::find(const QString &name) const
{
    for (const KindInfo &k : m_kinds) {
        if (k.name == name)
            return &k;
    }
    return nullptr;
}

QJsonArray KindCatalog::toJson() const
{
    QJsonArray out;
    for (const KindInfo &k : m_kinds)
        out.append(k.toJson());
    return out;
}

void KindCatalog::setInputRoots(const QStringList &roots)
{
    m_inputRoots.clear();
    for (const QString &root : roots) {
        QString canonical = resolveInputPath(QDir(root).absolutePath());
        if (canonical.isEmpty())
            canonical = QDir::cleanPath(QDir(root).absolutePath());
        if (!m_inputRoots.contains(canonical))
            m_inputRoots.append(canonical);
    }
    for (KindInfo &k : m_kinds)
        k.paramsSchema = withRoots(k.paramsSchema);
}

std::optional<KindCatalog::Settings> KindCatalog::readSettings(const QString &configFile,
                                                               QString *error)
{
    const std::optional<QList<RawSection>> sections = readKindSections(configFile, error);
    if (!sections)
        return std::nullopt;
    QStringList builtinNames;
    const KindCatalog builtins = builtin();
    for (const KindInfo &k : builtins.kinds())
        builtinNames.append(k.name);
    QStringList taken;
    Settings settings;
    for (const RawSection &section : *sections) {
        QString problem, key;
        const QString name = section.name.mid(kKindSectionPrefix.size());
        bool ok = true;
        if (builtinNames.contains(name)) {
            std::optional<Settings::Defaults> defaults =
                builtinDefaultsFromSection(section, taken, &problem, &key);
            ok = defaults.has_value();
            if (ok)
                settings.builtinDefaults.append(*defaults);
        } else {
            std::optional<KindInfo> kind =
                adminKindFromSection(section, taken + builtinNames, &problem, &key);
            ok = kind.has_value();
            if (ok)
                settings.adminKinds.append(*kind);
        }
        if (!ok) {
            int line = section.line;
            for (qsizetype i = 0; i < section.entries.size(); ++i) {
                if (section.entries.at(i).first == key) {
                    line = section.entryLines.at(i);
                    break;
                }
            }
            *error = key.isEmpty() ? QStringLiteral("%1:%2: [%3]: %4")
                                         .arg(configFile)
                                         .arg(line)
                                         .arg(section.name, problem)
                                   : QStringLiteral("%1:%2: [%3] %4: %5")
                                         .arg(configFile)
                                         .arg(line)
                                         .arg(section.name, key, problem);
            return std::nullopt;
        }
        taken.append(name);
    }
    return settings;
}

bool KindCatalog::setDefaults(const Settings::Defaults &defaults)
{
    for (KindInfo &k : m_kinds) {
        if (k.name != defaults.name)
            continue;
        if (defaults.timeoutS)
            k.defaultTimeoutS = *defaults.timeoutS;
        if (defaults.maxAttempts)
            k.defaultMaxAttempts = *defaults.maxAttempts;
        return true;
    }
    return false;
}

QJsonObject KindCatalog::toWorkerJson() const
{
    QJsonArray kinds;
    for (const KindInfo &k : m_kinds)
        kinds.append(kindToWorkerJson(k));
    return QJsonObject{{QStringLiteral("input_roots"), QJsonArray::fromStringList(m_inputRoots)},
                       {QStringLiteral("kinds"), kinds}};
}

std::optional<KindCatalog> KindCatalog::fromWorkerJson(const QJsonObject &o, QString *error)
{
    if (!o.value(QStringLiteral("input_roots")).isArray() ||
        !o.value(QStringLiteral("kinds")).isArray()) {
        *error = QStringLiteral("not a worker catalog (input_roots and kinds expected)");
        return std::nullopt;
    }
    KindCatalog catalog;
    QStringList roots;
    for (const QJsonValue &r : o.value(QStringLiteral("input_roots")).toArray())
        roots.append(r.toString());
    catalog.setInputRoots(roots);
    for (const QJsonValue &v : o.value(QStringLiteral("kinds")).toArray()) {
        const QJsonObject k = v.toObject();
        KindInfo kind;
        kind.name = k.value(QStringLiteral("name")).toString();
        if (kind.name.isEmpty()) {
            *error = QStringLiteral("a kind without a name");
            return std::nullopt;
        }
        kind.title = k.value(QStringLiteral("title")).toString();
        kind.description = k.value(QStringLiteral("description")).toString();
        kind.paramsSchema = k.value(QStringLiteral("params_schema")).toObject();
        kind.defaultTimeoutS =
            k.value(QStringLiteral("default_timeout_s")).toInt(kind.defaultTimeoutS);
        kind.defaultMaxAttempts =
            k.value(QStringLiteral("default_max_attempts")).toInt(kind.defaultMaxAttempts);
        if (k.value(QStringLiteral("program")).isObject())
            kind.program = ProgramSpec::fromJson(k.value(QStringLiteral("program")).toObject());
        catalog.add(kind);
    }
    return catalog;
}

bool KindCatalog::writeWorkerFile(const QString &path, QString *error) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(QJsonDocument(toWorkerJson()).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

std::optional<KindCatalog> KindCatalog::readWorkerFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = QStringLiteral("%1: not a JSON object").arg(path);
        return std::nullopt;
    }
    QString problem;
    std::optional<KindCatalog> catalog = fromWorkerJson(doc.object(), &problem);
    if (!catalog)
        *error = QStringLiteral("%1: %2").arg(path, problem);
    return catalog;
}

} // namespace jobdesk
