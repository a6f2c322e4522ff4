// The kinds' descriptions: built-in schemas, input roots (checked at submit
// and again in the worker), admin-defined kinds read from a config file,
// argument templates, the catalog file workers read, and the bits of the
// worker protocol and cancel token the kinds added.

#include "kindcatalog.h"
#include "paramsschema.h"
#include "worker/canceltoken.h"
#include "workerprotocol.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>

using namespace jobdesk;

namespace {

bool writeText(const QString &path, const QByteArray &text)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(text) == text.size();
}

std::optional<QList<KindInfo>> adminKindsOf(const QString &config, QString *error)
{
    const std::optional<KindCatalog::Settings> settings = KindCatalog::readSettings(config, error);
    if (!settings)
        return std::nullopt;
    return settings->adminKinds;
}

QJsonObject csvParams(const QString &input)
{
    return QJsonObject{{QStringLiteral("input"), input}};
}

} // namespace

class tst_KindCatalog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void builtinSchemasAreValid();
    void publicJsonHidesRootsAndPrograms();
    void checksFileParamsAgainstTheRoots_data();
    void checksFileParamsAgainstTheRoots();
    void withoutRootsNoFileIsAccepted();
    void readsAdminKinds();
    void setsBuiltinDefaults();
    void refusesBadAdminKinds_data();
    void refusesBadAdminKinds();
    void expandsArgumentsWithoutSplitting_data();
    void expandsArgumentsWithoutSplitting();
    void roundTripsTheWorkerCatalog();
    void reportsSchemaProblems_data();
    void reportsSchemaProblems();
    void carriesStderrInWorkerMessages();
    void callsTheCancelHook();

private:
    QTemporaryDir m_dir;
    QString m_root;    // canonical
    QString m_outside; // canonical, not under m_root
};

void tst_KindCatalog::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString base = QFileInfo(m_dir.path()).canonicalFilePath();
    m_root = base + QStringLiteral("/root");
    m_outside = base + QStringLiteral("/outside");
    QVERIFY(QDir().mkpath(m_root + QStringLiteral("/sub")));
    QVERIFY(QDir().mkpath(m_outside));
    QVERIFY(writeText(m_root + QStringLiteral("/sub/data.csv"), "a\n1\n"));
    QVERIFY(writeText(m_outside + QStringLiteral("/secret.csv"), "a\n1\n"));
    QVERIFY(QFile::link(m_outside + QStringLiteral("/secret.csv"),
                        m_root + QStringLiteral("/link.csv")));
    QVERIFY(QFile::link(m_outside, m_root + QStringLiteral("/outdir")));
    QVERIFY(QFile::link(m_outside + QStringLiteral("/nothing-yet.csv"),
                        m_root + QStringLiteral("/dangling.csv")));
    QVERIFY(QFile::link(m_root + QStringLiteral("/sub"), m_root + QStringLiteral("/sublink")));
}

void tst_KindCatalog::builtinSchemasAreValid()
{
    const KindCatalog catalog = KindCatalog::builtin();
    for (const QString &name : {QStringLiteral("demo.sleep"), QStringLiteral("report.csv_summary"),
                                QStringLiteral("report.sql")}) {
        const KindInfo *kind = catalog.find(name);
        QVERIFY2(kind, qPrintable(name));
        const QJsonObject schema = kind->toJson().value(QStringLiteral("params_schema")).toObject();
        QCOMPARE(schemaProblems(schema), QStringList());
    }
    QCOMPARE(catalog.inputRoots(), QStringList{QFileInfo(QDir::homePath()).canonicalFilePath()});
    const KindInfo *csv = catalog.find(QStringLiteral("report.csv_summary"));
    QCOMPARE(withDefaults(csv->paramsSchema, csvParams(QStringLiteral("/x")))
                 .value(QStringLiteral("format")),
             QJsonValue(QStringLiteral("json")));
}

void tst_KindCatalog::publicJsonHidesRootsAndPrograms()
{
    KindCatalog catalog = KindCatalog::builtin();
    KindInfo admin;
    admin.name = QStringLiteral("site.report");
    admin.paramsSchema = QJsonObject{{QStringLiteral("type"), QStringLiteral("object")}};
    admin.program = ProgramSpec{QStringLiteral("/bin/true"), {}, {}, {{"SECRET", "x"}}};
    catalog.add(admin);
    catalog.setInputRoots({m_root});
    const QByteArray json = QJsonDocument(catalog.toJson()).toJson();
    QVERIFY(!json.contains(kInputRootsSchemaKey));
    QVERIFY(!json.contains("SECRET"));
    QVERIFY(!json.contains("/bin/true"));
    QVERIFY(json.contains("site.report"));
    // ... while the schema the backend validates with carries the roots.
    QVERIFY(catalog.find(QStringLiteral("site.report"))
                ->paramsSchema.contains(QLatin1String(kInputRootsSchemaKey)));
}

void tst_KindCatalog::checksFileParamsAgainstTheRoots_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("file under the root") << QStringLiteral("ROOT/sub/data.csv") << true;
    QTest::newRow("file that does not exist yet") << QStringLiteral("ROOT/sub/later.csv") << true;
    QTest::newRow("in a folder that does not exist yet")
        << QStringLiteral("ROOT/new/later.csv") << true;
    QTest::newRow("symlink staying inside") << QStringLiteral("ROOT/sublink/data.csv") << true;
    QTest::newRow("dot-dot climbing out")
        << QStringLiteral("ROOT/sub/../../outside/secret.csv") << false;
    QTest::newRow("dot-dot staying inside") << QStringLiteral("ROOT/sub/../sub/data.csv") << true;
    QTest::newRow("symlink to a file outside") << QStringLiteral("ROOT/link.csv") << false;
    QTest::newRow("symlink to a folder outside")
        << QStringLiteral("ROOT/outdir/secret.csv") << false;
    QTest::newRow("dangling symlink") << QStringLiteral("ROOT/dangling.csv") << false;
    QTest::newRow("dot-dot after a missing folder")
        << QStringLiteral("ROOT/nope/../../outside/x") << false;
    QTest::newRow("prefix of the root's name") << QStringLiteral("ROOT-evil/x.csv") << false;
    QTest::newRow("outside") << QStringLiteral("OUTSIDE/secret.csv") << false;
    QTest::newRow("relative") << QStringLiteral("sub/data.csv") << false;
    QTest::newRow("system file") << QStringLiteral("/etc/passwd") << false;
}

void tst_KindCatalog::checksFileParamsAgainstTheRoots()
{
    QFETCH(QString, path);
    QFETCH(bool, accepted);
    path.replace(QStringLiteral("ROOT"), m_root).replace(QStringLiteral("OUTSIDE"), m_outside);

    KindCatalog catalog = KindCatalog::builtin();
    catalog.setInputRoots({m_root});
    const KindInfo *csv = catalog.find(QStringLiteral("report.csv_summary"));
    const QList<FieldError> errors = validateParams(csv->paramsSchema, csvParams(path));
    QCOMPARE(errors.isEmpty(), accepted);
    if (!accepted) {
        QCOMPARE(errors.first().field, QStringLiteral("params.input"));
        QVERIFY(!errors.first().message.isEmpty());
    }
    // Without a path parameter nothing is looked at.
    QVERIFY(validateParams(catalog.find(QStringLiteral("demo.sleep"))->paramsSchema, {}).isEmpty());
}

void tst_KindCatalog::withoutRootsNoFileIsAccepted()
{
    KindCatalog catalog = KindCatalog::builtin();
    catalog.setInputRoots({});
    const KindInfo *csv = catalog.find(QStringLiteral("report.csv_summary"));
    const QList<FieldError> errors =
        validateParams(csv->paramsSchema, csvParams(m_root + QStringLiteral("/sub/data.csv")));
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors.first().message.contains(QLatin1String("no input roots")),
             qPrintable(errors.first().message));
}

void tst_KindCatalog::readsAdminKinds()
{
    const QString config = m_dir.filePath(QStringLiteral("good.conf"));
    QVERIFY(writeText(config, R"ini(workers=2
input-root=/srv/a, /srv/b

; an admin-defined kind
[kind.site.disk_usage]
title=Disk usage, by folder
description=Sizes of the folders under a root
program=/bin/sh
arguments=["-c", "du -s \"$1\"", "du", "{root}", "--depth={depth}"]
params_schema={
    "type": "object",
    "properties": {
      "root": {"type": "string", "format": "path", "title": "Folder = root"},
      "depth": {"type": "integer", "minimum": 1, "default": 2}
    },
    "required": ["root"]
  }
environment={"LC_ALL": "C.UTF-8", "REPORT_MODE": "full"}
working_directory=/tmp
timeout_s=120
max_attempts=1

[kind.site.minimal]
program=/bin/true

[other]
ignored=yes
)ini"));
    QString error;
    const std::optional<QList<KindInfo>> kinds = adminKindsOf(config, &error);
    QVERIFY2(kinds, qPrintable(error));
    QCOMPARE(kinds->size(), 2);
    const KindInfo &du = kinds->at(0);
    QCOMPARE(du.name, QStringLiteral("site.disk_usage"));
    QCOMPARE(du.title, QStringLiteral("Disk usage, by folder"));
    QCOMPARE(du.defaultTimeoutS, 120);
    QCOMPARE(du.defaultMaxAttempts, 1);
    QVERIFY(du.program);
    QCOMPARE(du.program->program, QStringLiteral("/bin/sh"));
    QCOMPARE(du.program->arguments.size(), 5);
    QCOMPARE(du.program->workingDirectory, QStringLiteral("/tmp"));
    QCOMPARE(du.program->environment.size(), 2);
    QCOMPARE(du.paramsSchema.value(QStringLiteral("required")).toArray().size(), 1);
    QCOMPARE(du.paramsSchema.value(QStringLiteral("properties"))
                 .toObject()
                 .value(QStringLiteral("root"))
                 .toObject()
                 .value(QStringLiteral("title"))
                 .toString(),
             QStringLiteral("Folder = root"));

    const KindInfo &minimal = kinds->at(1);
    QCOMPARE(minimal.title, QStringLiteral("site.minimal"));
    QCOMPARE(minimal.defaultTimeoutS, 300);
    QVERIFY(minimal.program->arguments.isEmpty());
    QVERIFY(minimal.program->workingDirectory.isEmpty());
}

void tst_KindCatalog::setsBuiltinDefaults()
{
    const QString config = m_dir.filePath(QStringLiteral("defaults.conf"));
    QVERIFY(writeText(config, "workers=1\n[kind.report.sql]\ntimeout_s=3600\nmax_attempts=1\n"
                              "[kind.demo.sleep]\nmax_attempts=5\n"));
    QString error;
    const std::optional<KindCatalog::Settings> settings = KindCatalog::readSettings(config, &error);
    QVERIFY2(settings, qPrintable(error));
    QVERIFY(settings->adminKinds.isEmpty());
    QCOMPARE(settings->builtinDefaults.size(), 2);

    KindCatalog kinds = KindCatalog::builtin();
    const int sleepTimeout = kinds.find(QStringLiteral("demo.sleep"))->defaultTimeoutS;
    for (const KindCatalog::Settings::Defaults &d : settings->builtinDefaults)
        QVERIFY(kinds.setDefaults(d));
    QCOMPARE(kinds.find(QStringLiteral("report.sql"))->defaultTimeoutS, 3600);
    QCOMPARE(kinds.find(QStringLiteral("report.sql"))->defaultMaxAttempts, 1);
    QCOMPARE(kinds.find(QStringLiteral("demo.sleep"))->defaultMaxAttempts, 5);
    QCOMPARE(kinds.find(QStringLiteral("demo.sleep"))->defaultTimeoutS, sleepTimeout); // unset
    // What clients are told (GET /api/v1/kinds) follows.
    bool found = false;
    for (const QJsonValue &k : kinds.toJson()) {
        if (k.toObject().value(QStringLiteral("name")).toString() == QLatin1String("report.sql")) {
            QCOMPARE(k.toObject().value(QStringLiteral("default_timeout_s")).toInt(), 3600);
            found = true;
        }
    }
    QVERIFY(found);
    QVERIFY(!kinds.setDefaults({QStringLiteral("no.such.kind"), 1, 1}));
}

void tst_KindCatalog::refusesBadAdminKinds_data()
{
    QTest::addColumn<QByteArray>("section");
    QTest::addColumn<QString>("expected"); // part of the message

    QTest::newRow("unknown key") << QByteArray("[kind.x]\nprogram=/bin/true\ncolour=red\n")
                                 << QStringLiteral(":4: [kind.x] colour: unknown key");
    QTest::newRow("no program") << QByteArray("[kind.x]\ntitle=X\n")
                                << QStringLiteral("[kind.x] program: is required");
    QTest::newRow("relative program") << QByteArray("[kind.x]\nprogram=true\n")
                                      << QStringLiteral("program: must be an absolute path");
    QTest::newRow("program not executable") << QByteArray("[kind.x]\nprogram=NOT_EXECUTABLE\n")
                                            << QStringLiteral("is not an executable file");
    QTest::newRow("bad json") << QByteArray("[kind.x]\nprogram=/bin/true\narguments=[\"a\",]\n")
                              << QStringLiteral("arguments: invalid JSON");
    QTest::newRow("arguments not strings")
        << QByteArray("[kind.x]\nprogram=/bin/true\narguments=[1]\n")
        << QStringLiteral("must be a JSON array of strings");
    QTest::newRow("placeholder not in the schema")
        << QByteArray("[kind.x]\nprogram=/bin/true\narguments=[\"{nope}\"]\n")
        << QStringLiteral("{nope} is not a property of params_schema");
    QTest::newRow("unclosed brace")
        << QByteArray("[kind.x]\nprogram=/bin/true\narguments=[\"{a\"]\n")
        << QStringLiteral("is not closed");
    QTest::newRow("schema of an unsupported type")
        << QByteArray("[kind.x]\nprogram=/bin/true\nparams_schema={\"type\": \"object\", "
                      "\"properties\": {\"a\": {\"type\": \"array\"}}}\n")
        << QStringLiteral("params_schema: properties.a.type");
    QTest::newRow("json never closed")
        << QByteArray("[kind.x]\nprogram=/bin/true\nparams_schema={\n  \"type\": 1\n")
        << QStringLiteral("the JSON value is not closed");
    QTest::newRow("program for a built-in kind")
        << QByteArray("[kind.report.sql]\nprogram=/bin/true\n")
        << QStringLiteral("[kind.report.sql] program: a built-in kind's section sets only "
                          "timeout_s and max_attempts");
    QTest::newRow("built-in kind twice")
        << QByteArray("[kind.demo.sleep]\ntimeout_s=5\n[kind.demo.sleep]\nmax_attempts=2\n")
        << QStringLiteral("already configured");
    QTest::newRow("built-in timeout out of range")
        << QByteArray("[kind.demo.sleep]\ntimeout_s=-1\n")
        << QStringLiteral("[kind.demo.sleep] timeout_s: expected 1 to");
    QTest::newRow("defined twice")
        << QByteArray("[kind.x]\nprogram=/bin/true\n[kind.x]\nprogram=/bin/true\n")
        << QStringLiteral("already defined");
    QTest::newRow("bad name") << QByteArray("[kind.a b]\nprogram=/bin/true\n")
                              << QStringLiteral("a kind name is");
    QTest::newRow("timeout out of range")
        << QByteArray("[kind.x]\nprogram=/bin/true\ntimeout_s=0\n")
        << QStringLiteral("timeout_s: expected 1 to");
    QTest::newRow("environment not strings")
        << QByteArray("[kind.x]\nprogram=/bin/true\nenvironment={\"A\": 1}\n")
        << QStringLiteral("environment: must be a JSON object of strings");
    QTest::newRow("working directory missing")
        << QByteArray("[kind.x]\nprogram=/bin/true\nworking_directory=/does/not/exist\n")
        << QStringLiteral("working_directory:");
}

void tst_KindCatalog::refusesBadAdminKinds()
{
    QFETCH(QByteArray, section);
    QFETCH(QString, expected);
    const QString config = m_dir.filePath(QStringLiteral("bad.conf"));
    section.replace("NOT_EXECUTABLE",
                    QFile::encodeName(m_dir.filePath(QStringLiteral("plain.txt"))));
    QVERIFY(writeText(m_dir.filePath(QStringLiteral("plain.txt")), "not a program"));
    QVERIFY(writeText(config, "workers=1\n" + section));
    QString error;
    QVERIFY(!KindCatalog::readSettings(config, &error));
    QVERIFY2(error.startsWith(config + QLatin1Char(':')), qPrintable(error));
    QVERIFY2(error.contains(expected), qPrintable(error));
}

void tst_KindCatalog::expandsArgumentsWithoutSplitting_data()
{
    QTest::addColumn<QStringList>("templates");
    QTest::addColumn<QJsonObject>("params");
    QTest::addColumn<QStringList>("expected");

    const QJsonObject params{{QStringLiteral("name"), QStringLiteral("a b; rm -rf / $(x) `y` 'q'")},
                             {QStringLiteral("n"), 3},
                             {QStringLiteral("ratio"), 0.25},
                             {QStringLiteral("big"), 12345678901.0},
                             {QStringLiteral("on"), true}};
    QTest::newRow("a param is one whole argument")
        << QStringList{QStringLiteral("--name"), QStringLiteral("{name}")} << params
        << QStringList{QStringLiteral("--name"), QStringLiteral("a b; rm -rf / $(x) `y` 'q'")};
    QTest::newRow("inside a longer argument")
        << QStringList{QStringLiteral("--name={name}")} << params
        << QStringList{QStringLiteral("--name=a b; rm -rf / $(x) `y` 'q'")};
    QTest::newRow("numbers and booleans")
        << QStringList{QStringLiteral("{n}"), QStringLiteral("{ratio}"), QStringLiteral("{big}"),
                       QStringLiteral("{on}")}
        << params
        << QStringList{QStringLiteral("3"), QStringLiteral("0.25"), QStringLiteral("12345678901"),
                       QStringLiteral("true")};
    QTest::newRow("an absent param drops its argument")
        << QStringList{QStringLiteral("--depth"), QStringLiteral("--depth={depth}"),
                       QStringLiteral("x")}
        << params << QStringList{QStringLiteral("--depth"), QStringLiteral("x")};
    QTest::newRow("doubled braces are literal") << QStringList{QStringLiteral("{{n}}={n}}}")}
                                                << params << QStringList{QStringLiteral("{n}=3}")};
    QTest::newRow("no placeholders") << QStringList{QStringLiteral("-v"), QString()} << params
                                     << QStringList{QStringLiteral("-v"), QString()};
}

void tst_KindCatalog::expandsArgumentsWithoutSplitting()
{
    QFETCH(QStringList, templates);
    QFETCH(QJsonObject, params);
    QFETCH(QStringList, expected);
    ProgramSpec spec;
    spec.arguments = templates;
    QCOMPARE(spec.expandArguments(params), expected);
}

void tst_KindCatalog::roundTripsTheWorkerCatalog()
{
    KindCatalog catalog = KindCatalog::builtin();
    KindInfo admin;
    admin.name = QStringLiteral("site.echo");
    admin.title = QStringLiteral("Echo");
    admin.paramsSchema =
        QJsonDocument::fromJson(
            R"({"type": "object", "properties": {"f": {"type": "string", "format": "path"}}})")
            .object();
    admin.defaultTimeoutS = 42;
    admin.defaultMaxAttempts = 1;
    admin.program = ProgramSpec{QStringLiteral("/bin/echo"),
                                {QStringLiteral("{f}")},
                                QStringLiteral("/tmp"),
                                {{QStringLiteral("A"), QStringLiteral("1")}}};
    catalog.add(admin);
    catalog.setInputRoots({m_root, m_outside});

    const QString file = m_dir.filePath(QStringLiteral("worker-catalog.json"));
    QString error;
    QVERIFY2(catalog.writeWorkerFile(file, &error), qPrintable(error));
    QCOMPARE(QFileInfo(file).permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup),
             QFileDevice::Permissions());
    const std::optional<KindCatalog> back = KindCatalog::readWorkerFile(file, &error);
    QVERIFY2(back, qPrintable(error));
    QCOMPARE(back->inputRoots(), (QStringList{m_root, m_outside}));
    QCOMPARE(back->toJson(), catalog.toJson());
    const KindInfo *echo = back->find(QStringLiteral("site.echo"));
    QVERIFY(echo && echo->program);
    QCOMPARE(echo->program->arguments, QStringList{QStringLiteral("{f}")});
    QCOMPARE(echo->program->workingDirectory, QStringLiteral("/tmp"));
    QCOMPARE(echo->program->environment.size(), 1);
    QCOMPARE(echo->defaultTimeoutS, 42);
    // The roots travel with the schemas: the worker checks paths too.
    QVERIFY(!validateParams(echo->paramsSchema,
                            QJsonObject{{QStringLiteral("f"), QStringLiteral("/etc/passwd")}})
                 .isEmpty());

    QVERIFY(writeText(file, "{\"kinds\": 3}"));
    QVERIFY(!KindCatalog::readWorkerFile(file, &error));
}

void tst_KindCatalog::reportsSchemaProblems_data()
{
    QTest::addColumn<QByteArray>("schema");
    QTest::addColumn<QString>("problem"); // empty: none expected
    QTest::newRow("valid")
        << QByteArray(
               R"({"type": "object", "properties": {"a": {"type": "string", "enum": ["x", "y"], "default": "x"}}, "required": ["a"]})")
        << QString();
    QTest::newRow("not an object schema")
        << QByteArray(R"({"type": "array"})") << QStringLiteral("type: must be \"object\"");
    QTest::newRow("unknown keyword") << QByteArray(R"({"type": "object", "patternProperties": {}})")
                                     << QStringLiteral("patternProperties: unsupported keyword");
    QTest::newRow("default of the wrong type")
        << QByteArray(
               R"({"type": "object", "properties": {"n": {"type": "integer", "default": "3"}}})")
        << QStringLiteral("properties.n.default");
    QTest::newRow("enum value of the wrong type")
        << QByteArray(
               R"({"type": "object", "properties": {"n": {"type": "integer", "enum": [1, "2"]}}})")
        << QStringLiteral("properties.n.enum");
    QTest::newRow("path format on a number")
        << QByteArray(
               R"({"type": "object", "properties": {"n": {"type": "number", "format": "path"}}})")
        << QStringLiteral("properties.n.format");
    QTest::newRow("required names nothing")
        << QByteArray(R"({"type": "object", "properties": {}, "required": ["ghost"]})")
        << QStringLiteral("required: \"ghost\"");
}

void tst_KindCatalog::reportsSchemaProblems()
{
    QFETCH(QByteArray, schema);
    QFETCH(QString, problem);
    const QStringList problems = schemaProblems(QJsonDocument::fromJson(schema).object());
    if (problem.isEmpty()) {
        QCOMPARE(problems, QStringList());
        return;
    }
    QVERIFY2(problems.join(QLatin1Char('|')).contains(problem),
             qPrintable(problems.join(QLatin1Char('|'))));
}

void tst_KindCatalog::carriesStderrInWorkerMessages()
{
    for (const WorkerMessageType type : {WorkerMessageType::Done, WorkerMessageType::Failed}) {
        WorkerMessage m;
        m.type = type;
        m.fence = 9;
        m.stderrTail = QStringLiteral("warning: something\nerror: it broke\n");
        const std::optional<WorkerMessage> back = decodeWorkerMessage(encodeWorkerMessage(m));
        QVERIFY(back);
        QCOMPARE(back->stderrTail, m.stderrTail);
        m.stderrTail.clear();
        QVERIFY(!encodeWorkerMessage(m).contains("stderr"));
    }
}

void tst_KindCatalog::callsTheCancelHook()
{
    CancelToken token;
    std::atomic<int> calls{0};
    {
        const ScopedCancelHook hook(token, [&] { ++calls; });
        QCOMPARE(calls.load(), 0);
        token.cancel();
        QCOMPARE(calls.load(), 1);
    }
    token.cancel();
    QCOMPARE(calls.load(), 1); // cleared with the guard
    // Already cancelled: the hook runs at once.
    const ScopedCancelHook late(token, [&] { ++calls; });
    QCOMPARE(calls.load(), 2);
    token.reset();
    token.requestStop();
    QCOMPARE(calls.load(), 3);
}

QTEST_GUILESS_MAIN(tst_KindCatalog)
#include "tst_kindcatalog.moc"
