#include "http/problem.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace jobdesk;

class tst_Problem : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fromApiError_data();
    void fromApiError();
    void fieldErrorsListed();
    void retryAfterOnlyWhenSet();
    void statusOutsideTheVocabulary();
};

void tst_Problem::fromApiError_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("name");
    QTest::newRow("invalid_request")
        << int(ErrorCode::InvalidRequest) << 400 << QStringLiteral("invalid_request");
    QTest::newRow("unauthorized") << int(ErrorCode::Unauthorized) << 401
                                  << QStringLiteral("unauthorized");
    QTest::newRow("not_found") << int(ErrorCode::NotFound) << 404 << QStringLiteral("not_found");
    QTest::newRow("conflict") << int(ErrorCode::Conflict) << 409 << QStringLiteral("conflict");
    QTest::newRow("too_large") << int(ErrorCode::TooLarge) << 413 << QStringLiteral("too_large");
    QTest::newRow("unsupported_media_type")
        << int(ErrorCode::UnsupportedMediaType) << 415 << QStringLiteral("unsupported_media_type");
    QTest::newRow("invalid_params")
        << int(ErrorCode::InvalidParams) << 422 << QStringLiteral("invalid_params");
    QTest::newRow("unavailable") << int(ErrorCode::Unavailable) << 503
                                 << QStringLiteral("unavailable");
}

void tst_Problem::fromApiError()
{
    QFETCH(int, code);
    QFETCH(int, status);
    QFETCH(QString, name);

    const auto errorCode = static_cast<ErrorCode>(code);
    const HttpResponse r = problemResponse(ApiError::make(errorCode, QStringLiteral("why")));
    QCOMPARE(r.status, status);
    QCOMPARE(std::string(r.header("content-type")), std::string("application/problem+json"));
    const QJsonObject body = QJsonDocument::fromJson(QByteArray::fromStdString(r.body)).object();
    QCOMPARE(body.value("type").toString(), QStringLiteral("https://jobdesk.dev/problems/") + name);
    QCOMPARE(body.value("title").toString(), errorTitle(errorCode));
    QCOMPARE(body.value("status").toInt(), status);
    QCOMPARE(body.value("detail").toString(), QStringLiteral("why"));
    QCOMPARE(body.value("code").toString(), name);
    QVERIFY(!body.contains("errors"));
}

void tst_Problem::fieldErrorsListed()
{
    ApiError error = ApiError::make(ErrorCode::InvalidParams, QStringLiteral("bad"));
    error.fieldErrors = {{QStringLiteral("kind"), QStringLiteral("is not a known job kind")},
                         {QStringLiteral("params.steps"), QStringLiteral("must be >= 1")}};
    const HttpResponse r = problemResponse(error);
    const QJsonArray errors = QJsonDocument::fromJson(QByteArray::fromStdString(r.body))
                                  .object()
                                  .value("errors")
                                  .toArray();
    QCOMPARE(errors.size(), 2);
    QCOMPARE(errors.at(0).toObject().value("field").toString(), QStringLiteral("kind"));
    QCOMPARE(errors.at(1).toObject().value("message").toString(), QStringLiteral("must be >= 1"));
}

void tst_Problem::retryAfterOnlyWhenSet()
{
    ApiError busy = ApiError::make(ErrorCode::Unavailable, QStringLiteral("queue full"));
    QVERIFY(problemResponse(busy).header("Retry-After").empty());
    busy.retryAfterS = 7;
    QCOMPARE(std::string(problemResponse(busy).header("Retry-After")), std::string("7"));
}

void tst_Problem::statusOutsideTheVocabulary()
{
    const HttpResponse r = problemResponse(405, QStringLiteral("method_not_allowed"),
                                           QStringLiteral("Method Not Allowed"),
                                           QStringLiteral("DELETE is not allowed here"));
    QCOMPARE(r.status, 405);
    const QJsonObject body = QJsonDocument::fromJson(QByteArray::fromStdString(r.body)).object();
    QCOMPARE(body.value("status").toInt(), 405);
    QCOMPARE(body.value("type").toString(),
             QStringLiteral("https://jobdesk.dev/problems/method_not_allowed"));
}

QTEST_GUILESS_MAIN(tst_Problem)
#include "tst_problem.moc"
