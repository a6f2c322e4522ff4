#include "kindcatalog.h"
#include "paramsschema.h"
#include "submitrequest.h"

#include <QJsonDocument>
#include <QTest>

using namespace jobdesk;

class tst_SubmitRequest : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parse_data();
    void parse();
    void defaults();
    void fingerprintIsCanonical();
};

void tst_SubmitRequest::parse_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field"); // the first field error expected, if any

    auto row = [](const char *name, const char *body, bool ok, const char *code = "",
                  const char *field = "") {
        QTest::newRow(name) << QByteArray(body) << ok << QString::fromLatin1(code)
                            << QString::fromLatin1(field);
    };
    row("minimal", R"({"kind":"demo.sleep"})", true);
    row("full", R"({"kind":"demo.sleep","params":{"duration_s":1,"steps":4,"fail_at":50,"ignore_cancel":true},"priority":100,"timeout_s":60,"max_attempts":5})", true);
    row("params null", R"({"kind":"demo.sleep","params":null})", true);
    row("no kind", R"({"params":{}})", false, "invalid_params", "kind");
    row("kind not a string", R"({"kind":5})", false, "invalid_params", "kind");
    row("unknown kind", R"({"kind":"nope"})", false, "invalid_params", "kind");
    row("unknown field", R"({"kind":"demo.sleep","colour":"red"})", false, "invalid_params", "colour");
    row("params not an object", R"({"kind":"demo.sleep","params":[1]})", false, "invalid_params", "params");
    row("unknown param", R"({"kind":"demo.sleep","params":{"sleepy":1}})", false, "invalid_params", "params.sleepy");
    row("param wrong type", R"({"kind":"demo.sleep","params":{"duration_s":"5"}})", false, "invalid_params", "params.duration_s");
    row("param below minimum", R"({"kind":"demo.sleep","params":{"duration_s":-1}})", false, "invalid_params", "params.duration_s");
    row("param above maximum", R"({"kind":"demo.sleep","params":{"fail_at":101}})", false, "invalid_params", "params.fail_at");
    row("integer param with fraction", R"({"kind":"demo.sleep","params":{"steps":2.5}})", false, "invalid_params", "params.steps");
    row("priority too high", R"({"kind":"demo.sleep","priority":101})", false, "invalid_params", "priority");
    row("priority fraction", R"({"kind":"demo.sleep","priority":1.5})", false, "invalid_params", "priority");
    row("timeout zero", R"({"kind":"demo.sleep","timeout_s":0})", false, "invalid_params", "timeout_s");
    row("max_attempts zero", R"({"kind":"demo.sleep","max_attempts":0})", false, "invalid_params", "max_attempts");
    row("idempotency key over http is not a body field", R"({"kind":"demo.sleep","idempotency_key":"k"})", false, "invalid_params", "idempotency_key");
}

void tst_SubmitRequest::parse()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, ok);
    QFETCH(QString, code);
    QFETCH(QString, field);
    const QJsonObject o = QJsonDocument::fromJson(body).object();
    const Result<SubmitRequest> r =
        parseSubmitRequest(o, KindCatalog::builtin(), IdempotencyKeySource::Header);
    QCOMPARE(r.ok(), ok);
    if (!ok) {
        QCOMPARE(errorCodeName(r.error().code), code);
        QVERIFY(!r.error().detail.isEmpty());
        QVERIFY(!r.error().fieldErrors.isEmpty());
        QCOMPARE(r.error().fieldErrors.first().field, field);
    }
}

void tst_SubmitRequest::defaults()
{
    const KindCatalog kinds = KindCatalog::builtin();
    const KindInfo *sleep = kinds.find(QStringLiteral("demo.sleep"));
    QVERIFY(sleep);
    const QJsonObject filled = withDefaults(sleep->paramsSchema, {{QStringLiteral("duration_s"), 1}});
    QCOMPARE(filled.value(QStringLiteral("duration_s")).toDouble(), 1.0);
    QCOMPARE(filled.value(QStringLiteral("steps")).toInt(), 20);
    QCOMPARE(filled.value(QStringLiteral("ignore_cancel")).toBool(), false);
    QVERIFY(!filled.contains(QStringLiteral("fail_at"))); // no default: stays absent

    const Result<SubmitRequest> keyed = parseSubmitRequest(
        {{QStringLiteral("kind"), QStringLiteral("demo.sleep")},
         {QStringLiteral("idempotency_key"), QStringLiteral("abc")}},
        kinds, IdempotencyKeySource::Field);
    QVERIFY(keyed.ok());
    QCOMPARE(keyed.value().idempotencyKey, QStringLiteral("abc"));
}

void tst_SubmitRequest::fingerprintIsCanonical()
{
    const KindCatalog kinds = KindCatalog::builtin();
    auto fp = [&](const char *json) {
        return parseSubmitRequest(QJsonDocument::fromJson(json).object(), kinds,
                                  IdempotencyKeySource::Field)
            .value()
            .fingerprint();
    };
    QCOMPARE(fp(R"({"kind":"demo.sleep","params":{"steps":2,"duration_s":1}})"),
             fp(R"({"params":{"duration_s":1,"steps":2},"kind":"demo.sleep","idempotency_key":"x"})"));
    QVERIFY(fp(R"({"kind":"demo.sleep","params":{"duration_s":1}})") !=
            fp(R"({"kind":"demo.sleep","params":{"duration_s":2}})"));
    QVERIFY(fp(R"({"kind":"demo.sleep"})") != fp(R"({"kind":"demo.sleep","priority":1})"));
}

QTEST_APPLESS_MAIN(tst_SubmitRequest)
#include "tst_submitrequest.moc"
