// The report.csv_summary engine on files the test writes: types, counts,
// stable statistics, distinct values exact and estimated, the shared memory
// budget, groups, and what malformed files produce.

#include "csvfixtures.h"
#include "worker/csv/bytehash.h"
#include "worker/csv/cellparse.h"
#include "worker/csv/csvsummarizer.h"
#include "worker/csv/hyperloglog.h"
#include "worker/csv/spacesaving.h"

#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <fcntl.h>
#include <unistd.h>

using namespace jobdesk;

namespace {

struct Run
{
    std::optional<QJsonObject> summary;
    CsvSummarizer::Failure failure = CsvSummarizer::Failure::None;
    QString error;
};

Run summarize(const QByteArray &bytes, CsvSummarizer::Options options = {})
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("in.csv"));
    Run run;
    if (!csvfixtures::write(path, bytes)) {
        run.error = QStringLiteral("cannot write the fixture");
        return run;
    }
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    CsvSummarizer summarizer(options);
    run.summary = summarizer.run(fd, {}, {});
    run.failure = summarizer.failure();
    run.error = summarizer.errorString();
    ::close(fd);
    return run;
}

QJsonObject column(const QJsonObject &summary, const QString &name)
{
    for (const QJsonValue &c : summary.value(QStringLiteral("columns")).toArray()) {
        if (c.toObject().value(QStringLiteral("name")).toString() == name)
            return c.toObject();
    }
    return {};
}

QJsonObject group(const QJsonObject &summary, const QJsonValue &key)
{
    for (const QJsonValue &g : summary.value(QStringLiteral("groups"))
                                   .toObject()
                                   .value(QStringLiteral("items"))
                                   .toArray()) {
        if (g.toObject().value(QStringLiteral("key")) == key)
            return g.toObject();
    }
    return {};
}

} // namespace

class tst_CsvSummarizer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void infersTheNarrowestType_data();
    void infersTheNarrowestType();
    void parsesCells_data();
    void parsesCells();
    void countsValuesAndMissing();
    void keepsEveryQuotingTrapAsData();
    void computesStableStatistics();
    void readsBomAndDetectsTheDelimiter();
    void countsTopValuesExactly();
    void estimatesBeyondTheExactLimit();
    void budgetSwitchesTheLargestColumn();
    void estimatorsAreCloseEnough();
    void sumsAndAveragesGroups();
    void boundsTheNumberOfGroups();
    void reportsRaggedRowsAndBadBytesWithLines();
    void failsOnMissingGroupByColumn();
    void failsOnEmptyAndUnclosedFiles_data();
    void failsOnEmptyAndUnclosedFiles();
    void stopsWhenAsked();
};

void tst_CsvSummarizer::infersTheNarrowestType_data()
{
    QTest::addColumn<QByteArray>("values"); // one per line
    QTest::addColumn<QString>("type");
    QTest::newRow("integers") << QByteArray("1\n-2\n+30\n007\n") << QStringLiteral("integer");
    QTest::newRow("integers and decimals")
        << QByteArray("1\n2.5\n-3e2\n.5\n") << QStringLiteral("number");
    QTest::newRow("integer overflow is a number")
        << QByteArray("1\n99999999999999999999\n") << QStringLiteral("number");
    QTest::newRow("booleans any case")
        << QByteArray("true\nFALSE\nTrue\n") << QStringLiteral("boolean");
    QTest::newRow("dates") << QByteArray("2024-01-31\n2024-02-29\n") << QStringLiteral("date");
    QTest::newRow("date-times with zones")
        << QByteArray("2024-01-31T10:00:00Z\n2024-02-01 08:30\n2024-02-01T08:30:15.250+02:00\n")
        << QStringLiteral("date");
    QTest::newRow("not a real date") << QByteArray("2023-02-29\n") << QStringLiteral("string");
    QTest::newRow("a single word spoils numbers")
        << QByteArray("1\n2\nthree\n") << QStringLiteral("string");
    QTest::newRow("infinity is text") << QByteArray("1\ninf\n") << QStringLiteral("string");
    QTest::newRow("thousands separators are text")
        << QByteArray("\"1,000\"\n") << QStringLiteral("string");
    QTest::newRow("missing markers do not count")
        << QByteArray("1\nNA\n\nnull\n2\n") << QStringLiteral("integer");
    QTest::newRow("all missing") << QByteArray("NA\n\"\"\n") << QStringLiteral("string");
}

void tst_CsvSummarizer::infersTheNarrowestType()
{
    QFETCH(QByteArray, values);
    QFETCH(QString, type);
    CsvSummarizer::Options options;
    options.delimiter = ',';
    const Run run = summarize("v,pad\n" + values.replace("\n", ",x\n"), options);
    QVERIFY2(run.summary, qPrintable(run.error));
    QCOMPARE(column(*run.summary, QStringLiteral("v")).value(QStringLiteral("type")).toString(),
             type);
}

void tst_CsvSummarizer::parsesCells_data()
{
    QTest::addColumn<QByteArray>("cell");
    QTest::addColumn<bool>("missing");
    QTest::addColumn<bool>("integer");
    QTest::addColumn<bool>("number");
    QTest::newRow("empty") << QByteArray("") << true << false << false;
    QTest::newRow("spaces") << QByteArray("   ") << true << false << false;
    QTest::newRow("NA") << QByteArray("NA") << true << false << false;
    QTest::newRow("#N/A") << QByteArray("#N/A") << true << false << false;
    QTest::newRow("padded integer") << QByteArray(" 42 ") << false << true << true;
    QTest::newRow("plus minus") << QByteArray("+-1") << false << false << false;
    QTest::newRow("lone sign") << QByteArray("-") << false << false << false;
    QTest::newRow("exponent") << QByteArray("1e-3") << false << false << true;
    QTest::newRow("hex") << QByteArray("0x1F") << false << false << false;
    QTest::newRow("nan") << QByteArray("nan") << true << false << false;
    QTest::newRow("-nan") << QByteArray("-nan") << false << false << false;
}

void tst_CsvSummarizer::parsesCells()
{
    QFETCH(QByteArray, cell);
    QFETCH(bool, missing);
    QFETCH(bool, integer);
    QFETCH(bool, number);
    const std::string_view v =
        cellparse::trimmed(std::string_view(cell.constData(), std::size_t(cell.size())));
    QCOMPARE(cellparse::isMissing(v), missing);
    std::int64_t i = 0;
    double d = 0;
    QCOMPARE(cellparse::parseInteger(v, &i), integer);
    QCOMPARE(cellparse::parseNumber(v, &d), number);
}

void tst_CsvSummarizer::countsValuesAndMissing()
{
    const Run run = summarize("id,name,score\n1,ann,10\n2,,\n3,bob,NA\n4,ann\n");
    QVERIFY2(run.summary, qPrintable(run.error));
    const QJsonObject s = *run.summary;
    QCOMPARE(s.value(QStringLiteral("rows")).toInteger(), 4);
    const QJsonObject name = column(s, QStringLiteral("name"));
    QCOMPARE(name.value(QStringLiteral("count")).toInteger(), 3);
    QCOMPARE(name.value(QStringLiteral("missing")).toInteger(), 1);
    QCOMPARE(name.value(QStringLiteral("distinct")).toInteger(), 2);
    QVERIFY(!name.contains(QStringLiteral("mean")));
    const QJsonObject score = column(s, QStringLiteral("score"));
    QCOMPARE(score.value(QStringLiteral("count")).toInteger(), 1);
    QCOMPARE(score.value(QStringLiteral("missing")).toInteger(), 3); // empty, NA, short row
    QCOMPARE(score.value(QStringLiteral("stddev")), QJsonValue(QJsonValue::Null)); // one value
    QCOMPARE(s.value(QStringLiteral("problems"))
                 .toObject()
                 .value(QStringLiteral("ragged_rows"))
                 .toInteger(),
             1);
}

void tst_CsvSummarizer::keepsEveryQuotingTrapAsData()
{
    const QByteArray csv = "text,n\r\n"
                           "\"a,b\",1\r\n"
                           "\"say \"\"hi\"\"\",2\r\n"
                           "\"two\nlines\",3\r\n"
                           "\"\",4\r\n"
                           "plain,5\r\n"
                           "\"a,b\",6\r\n";
    const Run run = summarize(csv);
    QVERIFY2(run.summary, qPrintable(run.error));
    const QJsonObject s = *run.summary;
    QCOMPARE(s.value(QStringLiteral("rows")).toInteger(), 6); // a record with a newline counts once
    const QJsonObject text = column(s, QStringLiteral("text"));
    QCOMPARE(text.value(QStringLiteral("missing")).toInteger(), 1);
    QCOMPARE(text.value(QStringLiteral("distinct")).toInteger(), 4);
    const QJsonArray top = text.value(QStringLiteral("top")).toArray();
    QCOMPARE(top.first().toObject().value(QStringLiteral("value")).toString(),
             QStringLiteral("a,b"));
    QCOMPARE(top.first().toObject().value(QStringLiteral("count")).toInteger(), 2);
    QStringList values;
    for (const QJsonValue &t : top)
        values.append(t.toObject().value(QStringLiteral("value")).toString());
    QVERIFY(values.contains(QStringLiteral("say \"hi\"")));
    QVERIFY(values.contains(QStringLiteral("two\nlines")));
    QCOMPARE(column(s, QStringLiteral("n")).value(QStringLiteral("max")).toInteger(), 6);
}

void tst_CsvSummarizer::computesStableStatistics()
{
    // Large values with a small spread: a sum-of-squares formula loses every
    // digit here; Welford's does not. Sample variance: 30.
    const Run run = summarize("x\n1000000004\n1000000007\n1000000013\n1000000016\n");
    QVERIFY2(run.summary, qPrintable(run.error));
    const QJsonObject x = column(*run.summary, QStringLiteral("x"));
    QCOMPARE(x.value(QStringLiteral("type")).toString(), QStringLiteral("integer"));
    QCOMPARE(x.value(QStringLiteral("min")).toInteger(), 1000000004);
    QCOMPARE(x.value(QStringLiteral("max")).toInteger(), 1000000016);
    QCOMPARE(x.value(QStringLiteral("mean")).toDouble(), 1000000010.0);
    QVERIFY(std::fabs(x.value(QStringLiteral("stddev")).toDouble() - std::sqrt(30.0)) < 1e-6);

    const Run dates = summarize("d\n2024-03-01T10:00:00+02:00\n2024-03-01T09:00:00Z\n2023-12-31\n");
    const QJsonObject d = column(*dates.summary, QStringLiteral("d"));
    QCOMPARE(d.value(QStringLiteral("min")).toString(), QStringLiteral("2023-12-31"));
    // 10:00+02:00 is 08:00Z, earlier than 09:00Z.
    QCOMPARE(d.value(QStringLiteral("max")).toString(), QStringLiteral("2024-03-01T09:00:00Z"));
}

void tst_CsvSummarizer::readsBomAndDetectsTheDelimiter()
{
    const Run run = summarize("\xEF\xBB\xBFname;price\n\"x;y\";1,5\nz;2\n");
    QVERIFY2(run.summary, qPrintable(run.error));
    const QJsonObject file = run.summary->value(QStringLiteral("file")).toObject();
    QCOMPARE(file.value(QStringLiteral("delimiter")).toString(), QStringLiteral(";"));
    QVERIFY(file.value(QStringLiteral("bom")).toBool());
    QVERIFY(!column(*run.summary, QStringLiteral("name")).isEmpty()); // not "\ufeffname"
    QCOMPARE(column(*run.summary, QStringLiteral("price")).value(QStringLiteral("type")).toString(),
             QStringLiteral("string")); // decimal commas are text

    CsvSummarizer::Options forced;
    forced.delimiter = '\t';
    const Run tab = summarize("a\tb\n1\t2\n", forced);
    QCOMPARE(tab.summary->value(QStringLiteral("columns")).toArray().size(), 2);
}

void tst_CsvSummarizer::countsTopValuesExactly()
{
    QByteArray csv = "colour\n";
    for (int i = 0; i < 50; ++i)
        csv += "red\n";
    for (int i = 0; i < 30; ++i)
        csv += "green\n";
    for (int i = 0; i < 30; ++i)
        csv += "blue\n";
    for (int i = 0; i < 20; ++i)
        csv += "c" + QByteArray::number(i) + "\n";
    const Run run = summarize(csv);
    const QJsonObject c = column(*run.summary, QStringLiteral("colour"));
    QCOMPARE(c.value(QStringLiteral("distinct")).toInteger(), 23);
    QVERIFY(!c.value(QStringLiteral("distinct_estimated")).toBool());
    QVERIFY(!c.value(QStringLiteral("top_estimated")).toBool());
    const QJsonArray top = c.value(QStringLiteral("top")).toArray();
    QCOMPARE(top.size(), 10);
    QCOMPARE(top[0].toObject().value(QStringLiteral("value")).toString(), QStringLiteral("red"));
    // Equal counts in value order.
    QCOMPARE(top[1].toObject().value(QStringLiteral("value")).toString(), QStringLiteral("blue"));
    QCOMPARE(top[2].toObject().value(QStringLiteral("value")).toString(), QStringLiteral("green"));
    QCOMPARE(top[2].toObject().value(QStringLiteral("count")).toInteger(), 30);
}

void tst_CsvSummarizer::estimatesBeyondTheExactLimit()
{
    CsvSummarizer::Options options;
    options.exactDistinctLimit = 1000;
    QByteArray csv = "id,hot\n";
    for (int i = 0; i < 20000; ++i)
        csv += QByteArray::number(i) + (i % 3 == 0 ? ",hot\n" : "," + QByteArray::number(i) + "\n");
    const Run run = summarize(csv, options);
    QVERIFY2(run.summary, qPrintable(run.error));
    const QJsonObject id = column(*run.summary, QStringLiteral("id"));
    QVERIFY(id.value(QStringLiteral("distinct_estimated")).toBool());
    QVERIFY(id.value(QStringLiteral("top_estimated")).toBool());
    const double estimate = double(id.value(QStringLiteral("distinct")).toInteger());
    QVERIFY2(std::fabs(estimate - 20000) < 20000 * 0.03, qPrintable(QString::number(estimate)));
    // Statistics stay exact whatever happens to the distinct counting.
    QCOMPARE(id.value(QStringLiteral("count")).toInteger(), 20000);
    QCOMPARE(id.value(QStringLiteral("max")).toInteger(), 19999);

    // A value in a third of the rows is held by Space-Saving, counted at
    // least as often as it occurs.
    const QJsonObject hot = column(*run.summary, QStringLiteral("hot"));
    QVERIFY(hot.value(QStringLiteral("top_estimated")).toBool());
    const QJsonObject first = hot.value(QStringLiteral("top")).toArray().first().toObject();
    QCOMPARE(first.value(QStringLiteral("value")).toString(), QStringLiteral("hot"));
    QVERIFY(first.value(QStringLiteral("count")).toInteger() >= 6667);
    QVERIFY(first.value(QStringLiteral("count")).toInteger() < 6667 + 20000 / 256 + 1);
}

void tst_CsvSummarizer::budgetSwitchesTheLargestColumn()
{
    CsvSummarizer::Options options;
    options.distinctBudgetBytes = 2 * 1024 * 1024;
    QByteArray csv = "wide,narrow\n";
    for (int i = 0; i < 60000; ++i)
        csv += "value-number-" + QByteArray::number(i) + "," + QByteArray::number(i % 7) + "\n";
    const Run run = summarize(csv, options);
    QVERIFY2(run.summary, qPrintable(run.error));
    QVERIFY(column(*run.summary, QStringLiteral("wide"))
                .value(QStringLiteral("distinct_estimated"))
                .toBool());
    const QJsonObject narrow = column(*run.summary, QStringLiteral("narrow"));
    QVERIFY(!narrow.value(QStringLiteral("distinct_estimated")).toBool());
    QCOMPARE(narrow.value(QStringLiteral("distinct")).toInteger(), 7);
}

void tst_CsvSummarizer::estimatorsAreCloseEnough()
{
    for (const int n : {10, 1000, 50000, 1000000}) {
        HyperLogLog hll;
        for (int i = 0; i < n; ++i) {
            const std::string v = "v" + std::to_string(i);
            hll.add(hashBytes(v));
            hll.add(hashBytes(v)); // repeats do not count
        }
        const double e = hll.estimate();
        QVERIFY2(std::fabs(e - n) <= std::max(2.0, n * 0.03),
                 qPrintable(QStringLiteral("%1 for %2").arg(e).arg(n)));
    }

    // Space-Saving: the heavy hitters of a skewed stream come out in order.
    SpaceSaving top(64);
    for (int i = 0; i < 100000; ++i) {
        std::string v;
        if (i % 10 == 0)
            v = "a";
        else if (i % 20 == 1)
            v = "b";
        else
            v = "noise" + std::to_string(i);
        top.add(v, hashBytes(v));
    }
    const std::vector<TopValue> best = top.top(2);
    QCOMPARE(best.size(), std::size_t(2));
    QCOMPARE(QString::fromStdString(best[0].value), QStringLiteral("a"));
    QCOMPARE(QString::fromStdString(best[1].value), QStringLiteral("b"));
    QVERIFY(best[0].count >= 10000);
}

void tst_CsvSummarizer::sumsAndAveragesGroups()
{
    CsvSummarizer::Options options;
    options.groupBy = QStringLiteral("region");
    const Run run = summarize("region,amount,qty,label\n"
                              "north,10.5,1,a\n"
                              "south,4,2,b\n"
                              "north,,3,c\n"
                              ",1,1,d\n"
                              " north ,2,4,e\n",
                              options);
    QVERIFY2(run.summary, qPrintable(run.error));
    const QJsonObject groups = run.summary->value(QStringLiteral("groups")).toObject();
    QCOMPARE(groups.value(QStringLiteral("by")).toString(), QStringLiteral("region"));
    QVERIFY(!groups.value(QStringLiteral("truncated")).toBool());
    const QJsonArray items = groups.value(QStringLiteral("items")).toArray();
    QCOMPARE(items.size(), 3);
    QCOMPARE(items.first().toObject().value(QStringLiteral("key")).toString(),
             QStringLiteral("north"));

    const QJsonObject north = group(*run.summary, QStringLiteral("north"));
    QCOMPARE(north.value(QStringLiteral("count")).toInteger(), 3);
    QCOMPARE(
        north.value(QStringLiteral("sums")).toObject().value(QStringLiteral("amount")).toDouble(),
        12.5);
    QCOMPARE(
        north.value(QStringLiteral("means")).toObject().value(QStringLiteral("amount")).toDouble(),
        6.25);
    QCOMPARE(north.value(QStringLiteral("sums")).toObject().value(QStringLiteral("qty")).toDouble(),
             8.0);
    QVERIFY(!north.value(QStringLiteral("sums")).toObject().contains(QStringLiteral("label")));
    QVERIFY(!north.value(QStringLiteral("sums")).toObject().contains(QStringLiteral("region")));

    const QJsonObject missing = group(*run.summary, QJsonValue(QJsonValue::Null));
    QCOMPARE(missing.value(QStringLiteral("count")).toInteger(), 1);
}

void tst_CsvSummarizer::boundsTheNumberOfGroups()
{
    CsvSummarizer::Options options;
    options.groupBy = QStringLiteral("k");
    options.maxGroups = 3;
    const Run run = summarize("k,v\na,1\nb,2\nc,3\nd,4\na,5\ne,6\n", options);
    QVERIFY2(run.summary, qPrintable(run.error));
    const QJsonObject groups = run.summary->value(QStringLiteral("groups")).toObject();
    QVERIFY(groups.value(QStringLiteral("truncated")).toBool());
    QCOMPARE(groups.value(QStringLiteral("items")).toArray().size(), 3);
    QCOMPARE(group(*run.summary, QStringLiteral("a")).value(QStringLiteral("count")).toInteger(),
             2);
    const QJsonObject other = groups.value(QStringLiteral("other")).toObject();
    QCOMPARE(other.value(QStringLiteral("count")).toInteger(), 2);
    QCOMPARE(other.value(QStringLiteral("sums")).toObject().value(QStringLiteral("v")).toDouble(),
             10.0);
}

void tst_CsvSummarizer::reportsRaggedRowsAndBadBytesWithLines()
{
    const Run run =
        summarize("a,b,c\n1,2,3\n4,5\n\"multi\nline\",7,8\n6,7,8,9\nx,\xff\xfe,1\n\"bad\"q,1,2\n");
    QVERIFY2(run.summary, qPrintable(run.error));
    const QJsonObject p = run.summary->value(QStringLiteral("problems")).toObject();
    QCOMPARE(p.value(QStringLiteral("ragged_rows")).toInteger(), 2);
    QCOMPARE(p.value(QStringLiteral("invalid_utf8_rows")).toInteger(), 1);
    QCOMPARE(p.value(QStringLiteral("bad_quoting_rows")).toInteger(), 1);
    QStringList examples;
    for (const QJsonValue &e : p.value(QStringLiteral("examples")).toArray())
        examples.append(QStringLiteral("%1: %2")
                            .arg(e.toObject().value(QStringLiteral("line")).toInteger())
                            .arg(e.toObject().value(QStringLiteral("message")).toString()));
    QCOMPARE(examples, (QStringList{QStringLiteral("3: 2 fields, expected 3"),
                                    QStringLiteral("6: 4 fields, expected 3"),
                                    QStringLiteral("7: bytes that are not UTF-8"),
                                    QStringLiteral("8: text after a closing quote")}));
    QCOMPARE(run.summary->value(QStringLiteral("rows")).toInteger(), 6);
}

void tst_CsvSummarizer::failsOnMissingGroupByColumn()
{
    CsvSummarizer::Options options;
    options.groupBy = QStringLiteral("regoin");
    const Run run = summarize("region,amount\nnorth,1\n", options);
    QVERIFY(!run.summary);
    QCOMPARE(run.failure, CsvSummarizer::Failure::BadInput);
    QVERIFY2(run.error.contains(QLatin1String("line 1")), qPrintable(run.error));
    QVERIFY2(run.error.contains(QLatin1String("\"regoin\"")), qPrintable(run.error));
    QVERIFY2(run.error.contains(QLatin1String("region, amount")), qPrintable(run.error));
}

void tst_CsvSummarizer::failsOnEmptyAndUnclosedFiles_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("message");
    QTest::newRow("empty file") << QByteArray() << QStringLiteral("the file is empty");
    QTest::newRow("only a BOM") << QByteArray("\xEF\xBB\xBF")
                                << QStringLiteral("the file is empty");
    QTest::newRow("unclosed quote") << QByteArray("a,b\n1,2\n\"oops,3\n4,5\n")
                                    << QStringLiteral("line 3: a quoted field is not closed");
}

void tst_CsvSummarizer::failsOnEmptyAndUnclosedFiles()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, message);
    const Run run = summarize(bytes);
    QVERIFY(!run.summary);
    QCOMPARE(run.failure, CsvSummarizer::Failure::BadInput);
    QVERIFY2(run.error.startsWith(message), qPrintable(run.error));
}

void tst_CsvSummarizer::stopsWhenAsked()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("big.csv"));
    QVERIFY(csvfixtures::writeSales(path, 8 * 1000 * 1000) > 0);
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    CsvSummarizer::Options options;
    options.checkEveryBytes = 256 * 1024;
    CsvSummarizer summarizer(options);
    long long lastProgress = 0;
    int checks = 0;
    const auto summary = summarizer.run(
        fd, [&](long long done) { lastProgress = done; }, [&] { return ++checks == 3; });
    ::close(fd);
    QVERIFY(!summary);
    QCOMPARE(summarizer.failure(), CsvSummarizer::Failure::Interrupted);
    QVERIFY(lastProgress > 0 && lastProgress < 2 * 1000 * 1000);
}

QTEST_GUILESS_MAIN(tst_CsvSummarizer)
#include "tst_csvsummarizer.moc"
