#include "http/mediatype.h"

#include <QTest>

using namespace jobdesk;

class tst_MediaType : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void isJson_data();
    void isJson();
};

void tst_MediaType::isJson_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<bool>("expected");
    QTest::newRow("plain") << QByteArray("application/json") << true;
    QTest::newRow("with_charset") << QByteArray("application/json; charset=utf-8") << true;
    QTest::newRow("upper_case") << QByteArray("Application/JSON") << true;
    QTest::newRow("spaces_around") << QByteArray("  application/json ;charset=UTF-8") << true;
    QTest::newRow("missing") << QByteArray() << false;
    QTest::newRow("form") << QByteArray("application/x-www-form-urlencoded") << false;
    QTest::newRow("text") << QByteArray("text/json") << false;
    QTest::newRow("suffix_type") << QByteArray("application/problem+json") << false;
    QTest::newRow("longer_name") << QByteArray("application/jsonx") << false;
}

void tst_MediaType::isJson()
{
    QFETCH(QByteArray, contentType);
    QFETCH(bool, expected);
    QCOMPARE(isMediaType(contentType.toStdString(), "application/json"), expected);
}

QTEST_GUILESS_MAIN(tst_MediaType)
#include "tst_mediatype.moc"
