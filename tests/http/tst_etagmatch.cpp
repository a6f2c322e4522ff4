#include "http/etagmatch.h"

#include <QTest>

using namespace jobdesk;

class tst_EtagMatch : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matches_data();
    void matches();
};

void tst_EtagMatch::matches_data()
{
    QTest::addColumn<QByteArray>("ifNoneMatch");
    QTest::addColumn<QByteArray>("etag");
    QTest::addColumn<bool>("expected");

    QTest::newRow("same_tag") << QByteArray("\"r42\"") << QByteArray("\"r42\"") << true;
    QTest::newRow("other_tag") << QByteArray("\"r41\"") << QByteArray("\"r42\"") << false;
    QTest::newRow("prefix_is_not_a_match")
        << QByteArray("\"r4\"") << QByteArray("\"r42\"") << false;
    QTest::newRow("star") << QByteArray("*") << QByteArray("\"r42\"") << true;
    QTest::newRow("weak_client_tag") << QByteArray("W/\"r42\"") << QByteArray("\"r42\"") << true;
    QTest::newRow("weak_server_tag") << QByteArray("\"r42\"") << QByteArray("W/\"r42\"") << true;
    QTest::newRow("in_a_list") << QByteArray("\"r1\", W/\"r2\",\"r42\"") << QByteArray("\"r42\"")
                               << true;
    QTest::newRow("list_without_it")
        << QByteArray("\"r1\", \"r2\"") << QByteArray("\"r42\"") << false;
    QTest::newRow("comma_inside_a_tag")
        << QByteArray("\"a,b\", \"r42\"") << QByteArray("\"r42\"") << true;
    QTest::newRow("unquoted_is_malformed") << QByteArray("r42") << QByteArray("\"r42\"") << false;
    QTest::newRow("unterminated_quote") << QByteArray("\"r42") << QByteArray("\"r42\"") << false;
    QTest::newRow("empty_field") << QByteArray("") << QByteArray("\"r42\"") << false;
    QTest::newRow("empty_list_items")
        << QByteArray(" , ,\"r42\" ,") << QByteArray("\"r42\"") << true;
    QTest::newRow("sha256_tag") << QByteArray("\"9f86d081884c7d65\"")
                                << QByteArray("\"9f86d081884c7d65\"") << true;
    QTest::newRow("tag_is_case_sensitive")
        << QByteArray("\"R42\"") << QByteArray("\"r42\"") << false;
}

void tst_EtagMatch::matches()
{
    QFETCH(QByteArray, ifNoneMatch);
    QFETCH(QByteArray, etag);
    QFETCH(bool, expected);
    QCOMPARE(ifNoneMatchMatches(ifNoneMatch.toStdString(), etag.toStdString()), expected);
}

QTEST_GUILESS_MAIN(tst_EtagMatch)
#include "tst_etagmatch.moc"
