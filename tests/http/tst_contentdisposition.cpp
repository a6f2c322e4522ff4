#include "http/contentdisposition.h"

#include <QTest>

using namespace jobdesk;

class tst_ContentDisposition : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void attachment_data();
    void attachment();
};

void tst_ContentDisposition::attachment_data()
{
    QTest::addColumn<QString>("filename");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("plain") << QStringLiteral("summary.json")
                           << QByteArray("attachment; filename=\"summary.json\"; "
                                         "filename*=UTF-8''summary.json");
    QTest::newRow("space") << QStringLiteral("my report.pdf")
                           << QByteArray("attachment; filename=\"my report.pdf\"; "
                                         "filename*=UTF-8''my%20report.pdf");
    QTest::newRow("non_ascii") << QStringLiteral("résumé €.csv")
                               << QByteArray("attachment; filename=\"r_sum_ _.csv\"; "
                                             "filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.csv");
    QTest::newRow("quote_and_backslash")
        << QStringLiteral("a\"b\\c.txt")
        << QByteArray("attachment; filename=\"c.txt\"; filename*=UTF-8''c.txt");
    QTest::newRow("quote") << QStringLiteral("say \"hi\".txt")
                           << QByteArray("attachment; filename=\"say _hi_.txt\"; "
                                         "filename*=UTF-8''say%20%22hi%22.txt");
    QTest::newRow("percent") << QStringLiteral("100%.txt")
                             << QByteArray("attachment; filename=\"100_.txt\"; "
                                           "filename*=UTF-8''100%25.txt");
    QTest::newRow("folders_dropped")
        << QStringLiteral("../../etc/passwd")
        << QByteArray("attachment; filename=\"passwd\"; filename*=UTF-8''passwd");
    QTest::newRow("header_injection") << QStringLiteral("a\r\nSet-Cookie: x.txt")
                                      << QByteArray("attachment; filename=\"aSet-Cookie: x.txt\"; "
                                                    "filename*=UTF-8''aSet-Cookie%3A%20x.txt");
    QTest::newRow("empty") << QString()
                           << QByteArray(
                                  "attachment; filename=\"result\"; filename*=UTF-8''result");
    QTest::newRow("dot_dot") << QStringLiteral("..")
                             << QByteArray(
                                    "attachment; filename=\"result\"; filename*=UTF-8''result");
}

void tst_ContentDisposition::attachment()
{
    QFETCH(QString, filename);
    QFETCH(QByteArray, expected);
    QCOMPARE(QByteArray::fromStdString(attachmentDisposition(filename)), expected);
}

QTEST_GUILESS_MAIN(tst_ContentDisposition)
#include "tst_contentdisposition.moc"
