#include "http/bearerauth.h"

#include <QTest>

using namespace jobdesk;

class tst_BearerAuth : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bearerTokenMatches_data();
    void bearerTokenMatches();
    void constantTimeEquals_data();
    void constantTimeEquals();
};

void tst_BearerAuth::bearerTokenMatches_data()
{
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<bool>("expected");

    QTest::newRow("exact") << QByteArray("Bearer s3cret-token") << true;
    QTest::newRow("scheme_in_lower_case") << QByteArray("bearer s3cret-token") << true;
    QTest::newRow("extra_spaces") << QByteArray("Bearer   s3cret-token  ") << true;
    QTest::newRow("wrong_token") << QByteArray("Bearer s3cret-tokem") << false;
    QTest::newRow("token_prefix") << QByteArray("Bearer s3cret") << false;
    QTest::newRow("token_with_suffix") << QByteArray("Bearer s3cret-token2") << false;
    QTest::newRow("basic_scheme") << QByteArray("Basic s3cret-token") << false;
    QTest::newRow("no_space") << QByteArray("Bearers3cret-token") << false;
    QTest::newRow("scheme_only") << QByteArray("Bearer") << false;
    QTest::newRow("scheme_and_space") << QByteArray("Bearer ") << false;
    QTest::newRow("missing") << QByteArray() << false;
    QTest::newRow("two_credentials_joined") << QByteArray("Bearer x, Bearer s3cret-token") << false;
}

void tst_BearerAuth::bearerTokenMatches()
{
    QFETCH(QByteArray, authorization);
    QFETCH(bool, expected);
    QCOMPARE(jobdesk::bearerTokenMatches(authorization.toStdString(), "s3cret-token"), expected);
}

void tst_BearerAuth::constantTimeEquals_data()
{
    QTest::addColumn<QByteArray>("given");
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<bool>("expected");
    QTest::newRow("equal") << QByteArray("abc") << QByteArray("abc") << true;
    QTest::newRow("last_byte_differs") << QByteArray("abd") << QByteArray("abc") << false;
    QTest::newRow("shorter") << QByteArray("ab") << QByteArray("abc") << false;
    QTest::newRow("longer") << QByteArray("abcd") << QByteArray("abc") << false;
    QTest::newRow("nul_padding_is_not_equal") << QByteArray("ab\0", 3) << QByteArray("ab") << false;
    QTest::newRow("both_empty") << QByteArray() << QByteArray() << true;
}

void tst_BearerAuth::constantTimeEquals()
{
    QFETCH(QByteArray, given);
    QFETCH(QByteArray, secret);
    QFETCH(bool, expected);
    QCOMPARE(jobdesk::constantTimeEquals(std::string_view(given.constData(), given.size()),
                                         std::string_view(secret.constData(), secret.size())),
             expected);
}

QTEST_GUILESS_MAIN(tst_BearerAuth)
#include "tst_bearerauth.moc"
