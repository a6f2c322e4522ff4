#include "webhooks/callbackallowlist.h"

#include <QTest>

using namespace jobdesk;

class tst_CallbackAllowlist : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parse_data();
    void parse();
    void urlAtSubmit_data();
    void urlAtSubmit();
    void resolvedAddress_data();
    void resolvedAddress();
};

void tst_CallbackAllowlist::parse_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QStringList>("entries");
    QTest::newRow("default") << "localhost,127.0.0.1,::1" << true
                             << QStringList{"localhost", "127.0.0.1", "::1"};
    QTest::newRow("names are lower-cased")
        << "Hooks.Example.COM." << true << QStringList{"hooks.example.com"};
    QTest::newRow("subnets and bracketed v6")
        << " 10.0.0.0/8 , [fd00::1] " << true << QStringList{"10.0.0.0/8", "fd00::1"};
    QTest::newRow("empty allows nothing") << "" << true << QStringList{};
    QTest::newRow("bad subnet") << "10.0.0.0/99" << false << QStringList{};
    QTest::newRow("not a host") << "http://x" << false << QStringList{};
    QTest::newRow("underscore") << "a_b.example" << false << QStringList{};
}

void tst_CallbackAllowlist::parse()
{
    QFETCH(QString, spec);
    QFETCH(bool, valid);
    QFETCH(QStringList, entries);
    const Result<CallbackAllowlist> list = CallbackAllowlist::parse(spec);
    QCOMPARE(list.ok(), valid);
    if (valid)
        QCOMPARE(list.value().entries(), entries);
    else
        QVERIFY(!list.error().detail.isEmpty());
}

void tst_CallbackAllowlist::urlAtSubmit_data()
{
    QTest::addColumn<QString>("allow");
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("allowed");
    const QString def = QStringLiteral("localhost,127.0.0.1,::1");
    QTest::newRow("localhost") << def << "http://localhost:9000/hook" << true;
    QTest::newRow("loopback v4") << def << "http://127.0.0.1/hook?x=1" << true;
    QTest::newRow("loopback v6") << def << "http://[::1]:8080/" << true;
    QTest::newRow("https") << def << "https://localhost/hook" << true;
    QTest::newRow("localhost in capitals, trailing dot") << def << "http://LOCALHOST./h" << true;
    QTest::newRow("other host") << def << "http://example.com/hook" << false;
    QTest::newRow("other loopback address not listed") << def << "http://127.0.0.2/" << false;
    QTest::newRow("v4-mapped v6 loopback") << def << "http://[::ffff:127.0.0.1]/" << true;
    QTest::newRow("ftp") << def << "ftp://localhost/hook" << false;
    QTest::newRow("relative") << def << "/hook" << false;
    QTest::newRow("credentials") << def << "http://user:pw@localhost/" << false;
    QTest::newRow("not a URL") << def << "http://exa mple/" << false;
    QTest::newRow("metadata even when listed") << "169.254.169.254,169.254.0.0/16"
                                               << "http://169.254.169.254/latest" << false;
    QTest::newRow("link-local v6 even when listed") << "fe80::/10"
                                                    << "http://[fe80::1]/" << false;
    QTest::newRow("mapped metadata") << "::ffff:0:0/96"
                                     << "http://[::ffff:169.254.169.254]/" << false;
    QTest::newRow("unspecified") << "0.0.0.0/8"
                                 << "http://0.0.0.0/" << false;
    QTest::newRow("subnet") << "10.0.0.0/8"
                            << "http://10.1.2.3:8443/x" << true;
    QTest::newRow("outside the subnet") << "10.0.0.0/8"
                                        << "http://11.1.2.3/x" << false;
    QTest::newRow("listed name") << "hooks.example.com"
                                 << "https://hooks.example.com/x" << true;
    QTest::newRow("subdomain is another name") << "example.com"
                                               << "https://a.example.com/x" << false;
    QTest::newRow("nothing allowed") << ""
                                     << "http://localhost/" << false;
}

void tst_CallbackAllowlist::urlAtSubmit()
{
    QFETCH(QString, allow);
    QFETCH(QString, url);
    QFETCH(bool, allowed);
    const CallbackAllowlist list = CallbackAllowlist::parse(allow).value();
    const QString refusal = list.refusal(url);
    QVERIFY2(refusal.isEmpty() == allowed, qPrintable(refusal));
}

void tst_CallbackAllowlist::resolvedAddress_data()
{
    QTest::addColumn<QString>("allow");
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("address");
    QTest::addColumn<bool>("allowed");
    const QString def = QStringLiteral("localhost,127.0.0.1,::1");
    QTest::newRow("localhost to loopback") << def << "localhost"
                                           << "127.0.0.1" << true;
    QTest::newRow("localhost to v6 loopback") << def << "localhost"
                                              << "::1" << true;
    QTest::newRow("listed name, any ordinary address") << "hooks.example.com"
                                                       << "hooks.example.com"
                                                       << "10.9.8.7" << true;
    QTest::newRow("listed name rebound to metadata") << "hooks.example.com"
                                                     << "hooks.example.com"
                                                     << "169.254.169.254" << false;
    QTest::newRow("listed name to link-local v6") << "hooks.example.com"
                                                  << "hooks.example.com"
                                                  << "fe80::2" << false;
    QTest::newRow("aws v6 metadata") << "hooks.example.com"
                                     << "hooks.example.com"
                                     << "fd00:ec2::254" << false;
    QTest::newRow("multicast") << "hooks.example.com"
                               << "hooks.example.com"
                               << "224.0.0.1" << false;
    QTest::newRow("unlisted name") << def << "example.com"
                                   << "127.0.0.1" << true;
    QTest::newRow("unlisted name, unlisted address") << def << "example.com"
                                                     << "10.0.0.1" << false;
    QTest::newRow("address host outside the list") << "10.0.0.0/8"
                                                   << "11.0.0.1"
                                                   << "11.0.0.1" << false;
}

void tst_CallbackAllowlist::resolvedAddress()
{
    QFETCH(QString, allow);
    QFETCH(QString, host);
    QFETCH(QString, address);
    QFETCH(bool, allowed);
    const CallbackAllowlist list = CallbackAllowlist::parse(allow).value();
    QCOMPARE(list.allowsAddress(host, QHostAddress(address)), allowed);
}

QTEST_APPLESS_MAIN(tst_CallbackAllowlist)
#include "tst_callbackallowlist.moc"
