// The OpenAPI document the API serves: it parses, is OpenAPI 3.1, and lists
// every route the server answers, with every method, and nothing else.

#include "http/apiroute.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace jobdesk;

class tst_OpenApi : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void isOpenApi31();
    void everyServedRouteIsDocumented();
    void everyDocumentedPathIsServed();
    void pathParameterIsNamedId();
    void everyReferenceResolves();
    void problemsAreProblemJson();

private:
    QJsonObject m_doc;
};

namespace {

const QString kId = QStringLiteral("0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b");

void collectRefs(const QJsonValue &value, QStringList &refs)
{
    if (value.isObject()) {
        const QJsonObject o = value.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (it.key() == QLatin1String("$ref"))
                refs << it.value().toString();
            else
                collectRefs(it.value(), refs);
        }
    } else if (value.isArray()) {
        for (const QJsonValue &v : value.toArray())
            collectRefs(v, refs);
    }
}

} // namespace

void tst_OpenApi::initTestCase()
{
    QFile file(QStringLiteral(":/jobdesk/openapi.json"));
    QVERIFY2(file.open(QIODevice::ReadOnly), "the resource is missing");
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QVERIFY(doc.isObject());
    m_doc = doc.object();
}

void tst_OpenApi::isOpenApi31()
{
    QVERIFY(m_doc.value(QStringLiteral("openapi")).toString().startsWith(QLatin1String("3.1.")));
    QVERIFY(!m_doc.value(QStringLiteral("info"))
                 .toObject()
                 .value(QStringLiteral("title"))
                 .toString()
                 .isEmpty());
    QVERIFY(m_doc.value(QStringLiteral("webhooks")).isObject());
}

void tst_OpenApi::everyServedRouteIsDocumented()
{
    const QJsonObject paths = m_doc.value(QStringLiteral("paths")).toObject();
    for (ApiResource resource : servedResources()) {
        const QString path = QString::fromLatin1(routeTemplate(resource));
        QVERIFY2(paths.contains(path), qPrintable(path));
        const QJsonObject item = paths.value(path).toObject();
        for (const QString &method :
             QString::fromLatin1(allowedMethods(resource)).split(QStringLiteral(", "))) {
            if (method == QLatin1String("HEAD"))
                continue; // answered as GET
            QVERIFY2(item.contains(method.toLower()), qPrintable(method + ' ' + path));
        }
    }
}

void tst_OpenApi::everyDocumentedPathIsServed()
{
    static const QStringList kMethods = {QStringLiteral("get"),    QStringLiteral("post"),
                                         QStringLiteral("put"),    QStringLiteral("patch"),
                                         QStringLiteral("delete"), QStringLiteral("head")};
    const QJsonObject paths = m_doc.value(QStringLiteral("paths")).toObject();
    for (auto it = paths.begin(); it != paths.end(); ++it) {
        QString concrete = it.key();
        concrete.replace(QStringLiteral("{id}"), kId);
        const ApiRoute route = parseApiRoute(concrete.toStdString());
        QVERIFY2(route.resource != ApiResource::Unknown && route.resource != ApiResource::BadJobId,
                 qPrintable(it.key()));
        QCOMPARE(QString::fromLatin1(routeTemplate(route.resource)), it.key());
        const QJsonObject item = it.value().toObject();
        for (const QString &method : kMethods) {
            if (item.contains(method))
                QVERIFY2(isMethodAllowed(route.resource, method.toUpper().toStdString()),
                         qPrintable(method + ' ' + it.key()));
        }
    }
}

void tst_OpenApi::pathParameterIsNamedId()
{
    const QJsonObject paths = m_doc.value(QStringLiteral("paths")).toObject();
    const QRegularExpression parameter(QStringLiteral("\\{([^}]*)\\}"));
    for (auto it = paths.begin(); it != paths.end(); ++it) {
        auto matches = parameter.globalMatch(it.key());
        while (matches.hasNext())
            QCOMPARE(matches.next().captured(1), QStringLiteral("id"));
    }
    const QJsonObject id = m_doc.value(QStringLiteral("components"))
                               .toObject()
                               .value(QStringLiteral("parameters"))
                               .toObject()
                               .value(QStringLiteral("JobId"))
                               .toObject();
    QCOMPARE(id.value(QStringLiteral("name")).toString(), QStringLiteral("id"));
    QCOMPARE(id.value(QStringLiteral("in")).toString(), QStringLiteral("path"));
    QVERIFY(id.value(QStringLiteral("required")).toBool());
}

void tst_OpenApi::everyReferenceResolves()
{
    QStringList refs;
    collectRefs(m_doc, refs);
    QVERIFY(!refs.isEmpty());
    for (const QString &ref : refs) {
        QVERIFY2(ref.startsWith(QLatin1String("#/")), qPrintable(ref));
        QJsonValue node = m_doc;
        for (const QString &part : ref.mid(2).split(QLatin1Char('/'))) {
            node = node.toObject().value(part);
            QVERIFY2(!node.isUndefined(), qPrintable(ref));
        }
    }
}

void tst_OpenApi::problemsAreProblemJson()
{
    const QJsonObject responses = m_doc.value(QStringLiteral("components"))
                                      .toObject()
                                      .value(QStringLiteral("responses"))
                                      .toObject();
    QVERIFY(responses.size() >= 9);
    for (auto it = responses.begin(); it != responses.end(); ++it) {
        QVERIFY2(it.value()
                     .toObject()
                     .value(QStringLiteral("content"))
                     .toObject()
                     .contains(QStringLiteral("application/problem+json")),
                 qPrintable(it.key()));
    }
}

QTEST_APPLESS_MAIN(tst_OpenApi)
#include "tst_openapi.moc"
