#include "http/byterange.h"

#include <QTest>

using namespace jobdesk;

class tst_ByteRange : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void evaluate_data();
    void evaluate();
    void ifRange_data();
    void ifRange();
    void contentRangeValue();
};

Q_DECLARE_METATYPE(RangeRequest::Verdict)

void tst_ByteRange::evaluate_data()
{
    QTest::addColumn<QByteArray>("field");
    QTest::addColumn<qulonglong>("size");
    QTest::addColumn<RangeRequest::Verdict>("verdict");
    QTest::addColumn<qulonglong>("first");
    QTest::addColumn<qulonglong>("length");

    using V = RangeRequest::Verdict;
    QTest::newRow("absent") << QByteArray() << 100ULL << V::Whole << 0ULL << 0ULL;
    QTest::newRow("first bytes") << QByteArray("bytes=0-9") << 100ULL << V::Partial << 0ULL
                                 << 10ULL;
    QTest::newRow("middle") << QByteArray("bytes=10-19") << 100ULL << V::Partial << 10ULL << 10ULL;
    QTest::newRow("open end") << QByteArray("bytes=90-") << 100ULL << V::Partial << 90ULL << 10ULL;
    QTest::newRow("last past the end is clamped")
        << QByteArray("bytes=95-1000") << 100ULL << V::Partial << 95ULL << 5ULL;
    QTest::newRow("suffix") << QByteArray("bytes=-5") << 100ULL << V::Partial << 95ULL << 5ULL;
    QTest::newRow("suffix longer than the whole")
        << QByteArray("bytes=-500") << 100ULL << V::Partial << 0ULL << 100ULL;
    QTest::newRow("unit in capitals")
        << QByteArray("Bytes=0-0") << 100ULL << V::Partial << 0ULL << 1ULL;
    QTest::newRow("spaces around")
        << QByteArray(" bytes= 1 - 2 ") << 100ULL << V::Partial << 1ULL << 2ULL;
    QTest::newRow("huge last saturates")
        << QByteArray("bytes=1-99999999999999999999999") << 100ULL << V::Partial << 1ULL << 99ULL;
    QTest::newRow("first at the end")
        << QByteArray("bytes=100-") << 100ULL << V::Unsatisfiable << 0ULL << 0ULL;
    QTest::newRow("huge first") << QByteArray("bytes=99999999999999999999999-") << 100ULL
                                << V::Unsatisfiable << 0ULL << 0ULL;
    QTest::newRow("zero suffix") << QByteArray("bytes=-0") << 100ULL << V::Unsatisfiable << 0ULL
                                 << 0ULL;
    QTest::newRow("empty representation")
        << QByteArray("bytes=0-") << 0ULL << V::Unsatisfiable << 0ULL << 0ULL;
    QTest::newRow("several ranges are served whole")
        << QByteArray("bytes=0-1,5-6") << 100ULL << V::Whole << 0ULL << 0ULL;
    QTest::newRow("other unit") << QByteArray("items=0-1") << 100ULL << V::Whole << 0ULL << 0ULL;
    QTest::newRow("last before first")
        << QByteArray("bytes=5-1") << 100ULL << V::Whole << 0ULL << 0ULL;
    QTest::newRow("not a number") << QByteArray("bytes=a-b") << 100ULL << V::Whole << 0ULL << 0ULL;
    QTest::newRow("negative") << QByteArray("bytes=--1") << 100ULL << V::Whole << 0ULL << 0ULL;
    QTest::newRow("no dash") << QByteArray("bytes=5") << 100ULL << V::Whole << 0ULL << 0ULL;
    QTest::newRow("unit only") << QByteArray("bytes=") << 100ULL << V::Whole << 0ULL << 0ULL;
}

void tst_ByteRange::evaluate()
{
    QFETCH(QByteArray, field);
    QFETCH(qulonglong, size);
    QFETCH(RangeRequest::Verdict, verdict);
    QFETCH(qulonglong, first);
    QFETCH(qulonglong, length);
    const RangeRequest r = evaluateRange(field.toStdString(), size);
    QCOMPARE(r.verdict, verdict);
    if (verdict == RangeRequest::Verdict::Partial) {
        QCOMPARE(qulonglong(r.first), first);
        QCOMPARE(qulonglong(r.length), length);
    }
}

void tst_ByteRange::ifRange_data()
{
    QTest::addColumn<QByteArray>("ifRange");
    QTest::addColumn<bool>("allows");
    QTest::newRow("absent") << QByteArray() << true;
    QTest::newRow("same strong tag") << QByteArray("\"abc\"") << true;
    QTest::newRow("other tag") << QByteArray("\"abd\"") << false;
    QTest::newRow("weak tag never matches") << QByteArray("W/\"abc\"") << false;
    QTest::newRow("a date") << QByteArray("Fri, 27 Nov 2026 10:00:00 GMT") << false;
}

void tst_ByteRange::ifRange()
{
    QFETCH(QByteArray, ifRange);
    QFETCH(bool, allows);
    QCOMPARE(ifRangeAllows(ifRange.toStdString(), "\"abc\""), allows);
}

void tst_ByteRange::contentRangeValue()
{
    QCOMPARE(contentRange(0, 10, 100), std::string("bytes 0-9/100"));
    QCOMPARE(contentRange(95, 5, 100), std::string("bytes 95-99/100"));
}

QTEST_APPLESS_MAIN(tst_ByteRange)
#include "tst_byterange.moc"
