#include "http/idempotencykey.h"

#include <QTest>

using namespace jobdesk;

class tst_IdempotencyKey : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parse_data();
    void parse();
};

void tst_IdempotencyKey::parse_data()
{
    QTest::addColumn<QByteArray>("field");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("key");
    QTest::newRow("bare token") << QByteArray("8e03978e-40d5-43e8") << true << "8e03978e-40d5-43e8";
    QTest::newRow("sf-string of the draft")
        << QByteArray("\"8e03978e-40d5-43e8\"") << true << "8e03978e-40d5-43e8";
    QTest::newRow("sf-string escapes") << QByteArray(R"("a\"b\\c")") << true << R"(a"b\c)";
    QTest::newRow("surrounding spaces trimmed") << QByteArray("  k1 ") << true << "k1";
    QTest::newRow("inner space kept") << QByteArray("a b") << true << "a b";
    QTest::newRow("255 characters")
        << QByteArray(255, 'k') << true << QString(255, QLatin1Char('k'));
    QTest::newRow("256 characters") << QByteArray(256, 'k') << false << QString();
    QTest::newRow("empty") << QByteArray("") << false << QString();
    QTest::newRow("empty sf-string") << QByteArray("\"\"") << false << QString();
    QTest::newRow("unterminated") << QByteArray("\"abc") << false << QString();
    QTest::newRow("bad escape") << QByteArray(R"("a\b")") << false << QString();
    QTest::newRow("quote inside") << QByteArray(R"("a"b")") << false << QString();
    QTest::newRow("not ascii") << QByteArray("cl\xc3\xa9") << false << QString();
    QTest::newRow("control character") << QByteArray("a\x01") << false << QString();
}

void tst_IdempotencyKey::parse()
{
    QFETCH(QByteArray, field);
    QFETCH(bool, valid);
    QFETCH(QString, key);
    const Result<QString> parsed = parseIdempotencyKey(field.toStdString());
    QCOMPARE(parsed.ok(), valid);
    if (valid) {
        QCOMPARE(parsed.value(), key);
    } else {
        QCOMPARE(parsed.error().code, ErrorCode::InvalidRequest);
        QCOMPARE(parsed.error().fieldErrors.value(0).field, QStringLiteral("Idempotency-Key"));
    }
}

QTEST_APPLESS_MAIN(tst_IdempotencyKey)
#include "tst_idempotencykey.moc"
