// The streaming CSV reader: RFC 4180 quoting traps, line ends, BOM, line
// numbers, limits, and delimiter detection. Every case is read with several
// buffer sizes so that records split across reads are covered too.

#include "worker/csv/csvdialect.h"
#include "worker/csv/csvreader.h"
#include "worker/csv/utf8.h"

#include <QFile>
#include <QTemporaryFile>
#include <QTest>
#include <fcntl.h>
#include <unistd.h>

using namespace jobdesk;

namespace {

struct Parsed
{
    QList<QStringList> records;
    QList<long long> lines;
    QList<bool> badQuoting;
    QList<bool> invalidUtf8;
    bool ok = true;
    QString error;
    bool bom = false;
    long long consumed = 0;
};

Parsed parse(const QByteArray &bytes, char delimiter, std::size_t bufferBytes,
             std::size_t maxRecordBytes = 1 << 20)
{
    Parsed out;
    QTemporaryFile file;
    if (!file.open() || file.write(bytes) != bytes.size() || !file.flush()) {
        out.ok = false;
        out.error = QStringLiteral("cannot write the fixture");
        return out;
    }
    const int fd = ::open(QFile::encodeName(file.fileName()).constData(), O_RDONLY | O_CLOEXEC);
    CsvReader reader(fd, CsvReader::Options{bufferBytes, maxRecordBytes});
    reader.setDelimiter(delimiter);
    CsvRecord record;
    for (;;) {
        const CsvReader::Status s = reader.next(record);
        if (s == CsvReader::Status::End)
            break;
        if (s == CsvReader::Status::Error) {
            out.ok = false;
            out.error = reader.errorString();
            break;
        }
        QStringList fields;
        for (const std::string_view f : record.fields)
            fields.append(QString::fromUtf8(f.data(), qsizetype(f.size())));
        out.records.append(fields);
        out.lines.append(record.line);
        out.badQuoting.append(record.badQuoting);
        out.invalidUtf8.append(record.invalidUtf8);
    }
    out.bom = reader.hadBom();
    out.consumed = reader.bytesConsumed();
    ::close(fd);
    return out;
}

const std::size_t kBufferSizes[] = {4, 5, 7, 16, 1 << 20};

} // namespace

class tst_CsvReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsRecords_data();
    void readsRecords();
    void numbersLinesFromTheRecordStart();
    void flagsQuotingAndEncodingProblems();
    void skipsTheBomAndCountsBytes();
    void failsOnAnUnclosedQuoteWithItsLine();
    void failsOnARecordOverTheLimit();
    void detectsTheDelimiter_data();
    void detectsTheDelimiter();
    void validatesUtf8_data();
    void validatesUtf8();
};

void tst_CsvReader::readsRecords_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<char>("delimiter");
    QTest::addColumn<QList<QStringList>>("expected");

    using L = QList<QStringList>;
    QTest::newRow("plain") << QByteArray("a,b\n1,2\n") << ',' << L{{"a", "b"}, {"1", "2"}};
    QTest::newRow("quoted delimiter") << QByteArray("\"a,b\",c\n") << ',' << L{{"a,b", "c"}};
    QTest::newRow("doubled quotes")
        << QByteArray("\"say \"\"hi\"\"\",x\n") << ',' << L{{"say \"hi\"", "x"}};
    QTest::newRow("only a doubled quote") << QByteArray("\"\"\"\"\n") << ',' << L{{"\""}};
    QTest::newRow("newline inside quotes")
        << QByteArray("a,\"l1\nl2\"\nb,c\n") << ',' << L{{"a", "l1\nl2"}, {"b", "c"}};
    QTest::newRow("crlf line ends")
        << QByteArray("a,b\r\n1,2\r\n") << ',' << L{{"a", "b"}, {"1", "2"}};
    QTest::newRow("crlf inside quotes is kept")
        << QByteArray("\"x\r\ny\",z\r\n") << ',' << L{{"x\r\ny", "z"}};
    QTest::newRow("lone cr line ends")
        << QByteArray("a,b\r1,2\r") << ',' << L{{"a", "b"}, {"1", "2"}};
    QTest::newRow("no final newline") << QByteArray("a,b\n1,2") << ',' << L{{"a", "b"}, {"1", "2"}};
    QTest::newRow("quoted last field without newline")
        << QByteArray("a,\"b\"\"c\"") << ',' << L{{"a", "b\"c"}};
    QTest::newRow("empty lines skipped") << QByteArray("a\n\n\r\n\nb\n") << ',' << L{{"a"}, {"b"}};
    QTest::newRow("empty fields") << QByteArray(",,\n") << ',' << L{{"", "", ""}};
    QTest::newRow("empty quoted field") << QByteArray("\"\",x\n") << ',' << L{{"", "x"}};
    QTest::newRow("trailing delimiter") << QByteArray("a,b,\n") << ',' << L{{"a", "b", ""}};
    QTest::newRow("quote inside an unquoted field is literal")
        << QByteArray("ab\"c,d\n") << ',' << L{{"ab\"c", "d"}};
    QTest::newRow("text after a closing quote is kept")
        << QByteArray("\"ab\"cd,e\n") << ',' << L{{"abcd", "e"}};
    QTest::newRow("delimiter right after a doubled quote")
        << QByteArray("\"a\"\"\",b\n") << ',' << L{{"a\"", "b"}};
    QTest::newRow("semicolon") << QByteArray("a;b,c\n1;2,5\n") << ';'
                               << L{{"a", "b,c"}, {"1", "2,5"}};
    QTest::newRow("tab") << QByteArray("a\tb c\n1\t\"2\t3\"\n") << '\t'
                         << L{{"a", "b c"}, {"1", "2\t3"}};
    QTest::newRow("pipe") << QByteArray("a|b\n|x\n") << '|' << L{{"a", "b"}, {"", "x"}};
    QTest::newRow("utf-8 text") << QByteArray("name\n\xc3\xa9t\xc3\xa9\n") << ','
                                << L{{"name"}, {QString::fromUtf8("\xc3\xa9t\xc3\xa9")}};
}

void tst_CsvReader::readsRecords()
{
    QFETCH(QByteArray, bytes);
    QFETCH(char, delimiter);
    QFETCH(QList<QStringList>, expected);
    for (const std::size_t buffer : kBufferSizes) {
        const Parsed p = parse(bytes, delimiter, buffer);
        QVERIFY2(p.ok, qPrintable(p.error));
        QCOMPARE(p.records, expected);
        QCOMPARE(p.consumed, bytes.size());
    }
}

void tst_CsvReader::numbersLinesFromTheRecordStart()
{
    const QByteArray bytes("h1,h2\n\"a\nb\nc\",1\n\nx,\"y\r\nz\"\r\nlast,2");
    for (const std::size_t buffer : kBufferSizes) {
        const Parsed p = parse(bytes, ',', buffer);
        QVERIFY2(p.ok, qPrintable(p.error));
        QCOMPARE(p.records.size(), 4);
        QCOMPARE(p.lines, (QList<long long>{1, 2, 6, 8}));
    }
}

void tst_CsvReader::flagsQuotingAndEncodingProblems()
{
    const QByteArray bytes("ok,1\n\"bad\"x,2\nlatin,\xe9t\xe9\nok,3\n");
    for (const std::size_t buffer : kBufferSizes) {
        const Parsed p = parse(bytes, ',', buffer);
        QVERIFY2(p.ok, qPrintable(p.error));
        QCOMPARE(p.badQuoting, (QList<bool>{false, true, false, false}));
        QCOMPARE(p.invalidUtf8, (QList<bool>{false, false, true, false}));
    }
}

void tst_CsvReader::skipsTheBomAndCountsBytes()
{
    const QByteArray bytes("\xEF\xBB\xBF\"id\",name\n1,x\n");
    for (const std::size_t buffer : kBufferSizes) {
        const Parsed p = parse(bytes, ',', buffer);
        QVERIFY2(p.ok, qPrintable(p.error));
        QVERIFY(p.bom);
        QCOMPARE(p.records.first(), (QStringList{"id", "name"}));
        QCOMPARE(p.consumed, bytes.size());
    }
    const Parsed noBom = parse("id\n1\n", ',', 1 << 20);
    QVERIFY(!noBom.bom);
}

void tst_CsvReader::failsOnAnUnclosedQuoteWithItsLine()
{
    const QByteArray bytes("a,b\n1,2\n3,\"never\nclosed\n4,5\n");
    for (const std::size_t buffer : kBufferSizes) {
        const Parsed p = parse(bytes, ',', buffer);
        QVERIFY(!p.ok);
        QVERIFY2(p.error.startsWith(QLatin1String("line 3:")), qPrintable(p.error));
        QVERIFY2(p.error.contains(QLatin1String("not closed")), qPrintable(p.error));
        QCOMPARE(p.records.size(), 2);
    }
}

void tst_CsvReader::failsOnARecordOverTheLimit()
{
    QByteArray bytes("a,b\n1,\"");
    bytes += QByteArray(5000, 'x');
    bytes += "\"\n";
    const Parsed p = parse(bytes, ',', 64, 1024);
    QVERIFY(!p.ok);
    QVERIFY2(p.error.startsWith(QLatin1String("line 2:")), qPrintable(p.error));
    QVERIFY2(p.error.contains(QLatin1String("longer than")), qPrintable(p.error));

    // Within the limit the buffer grows for the record and reads it whole.
    const Parsed fits = parse(bytes, ',', 64, 8192);
    QVERIFY2(fits.ok, qPrintable(fits.error));
    QCOMPARE(fits.records.last().last().size(), 5000);
}

void tst_CsvReader::detectsTheDelimiter_data()
{
    QTest::addColumn<QByteArray>("sample");
    QTest::addColumn<char>("expected");
    QTest::newRow("comma") << QByteArray("a,b,c\n1,2,3\n4,5,6\n") << ',';
    QTest::newRow("semicolon with decimal commas")
        << QByteArray("name;price;qty\nx;1,5;2\ny;2,25;3\nz;3;4\n") << ';';
    QTest::newRow("tab") << QByteArray("a\tb\n1\t2\n3\t4\n") << '\t';
    QTest::newRow("pipe") << QByteArray("a|b|c\n1|2|3\n") << '|';
    QTest::newRow("commas only inside quotes")
        << QByteArray("a;b\n\"x, y\";1\n\"p, q, r\";2\n") << ';';
    QTest::newRow("one column") << QByteArray("value\n1\n2\n") << ',';
    QTest::newRow("unfinished last line ignored") << QByteArray("a;b\n1;2\n3;4\n5,6,7,8") << ';';
}

void tst_CsvReader::detectsTheDelimiter()
{
    QFETCH(QByteArray, sample);
    QFETCH(char, expected);
    QCOMPARE(detectCsvDelimiter(std::string_view(sample.constData(), std::size_t(sample.size()))),
             expected);
}

void tst_CsvReader::validatesUtf8_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("valid");
    QTest::newRow("ascii") << QByteArray("plain ascii text, longer than eight bytes") << true;
    QTest::newRow("two-byte") << QByteArray("caf\xc3\xa9") << true;
    QTest::newRow("three-byte") << QByteArray("\xe2\x82\xac 12") << true;
    QTest::newRow("four-byte") << QByteArray("\xf0\x9f\x98\x80") << true;
    QTest::newRow("latin-1") << QByteArray("caf\xe9") << false;
    QTest::newRow("overlong") << QByteArray("\xc0\xaf") << false;
    QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << false;
    QTest::newRow("above U+10FFFF") << QByteArray("\xf4\x90\x80\x80") << false;
    QTest::newRow("truncated") << QByteArray("ok \xe2\x82") << false;
}

void tst_CsvReader::validatesUtf8()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, valid);
    QCOMPARE(isValidUtf8(bytes.constData(), std::size_t(bytes.size())), valid);
}

QTEST_GUILESS_MAIN(tst_CsvReader)
#include "tst_csvreader.moc"
