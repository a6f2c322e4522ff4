// report.csv_summary as a job kind, in-process: the four output formats,
// input files that cannot be used, progress and cancellation.

#include "csvfixtures.h"
#include "kindtestrun.h"
#include "worker/csv/csvsummarykind.h"
#include "workerharness.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <thread>

using namespace jobdesk;
using namespace std::chrono_literals;

namespace {

const QByteArray kSmallCsv = "region,amount,when,note\n"
                             "north,10.5,2024-01-02,\"a, <b>\"\n"
                             "south,4,2024-01-03,\"say \"\"hi\"\"\"\n"
                             "north,,2024-02-01,plain\n";

QJsonObject params(const QString &input, const QString &format, QJsonObject extra = {})
{
    extra.insert(QStringLiteral("input"), input);
    extra.insert(QStringLiteral("format"), format);
    return extra;
}

} // namespace

class tst_CsvSummaryKind : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void writesJson();
    void writesCsv();
    void writesSelfContainedHtml();
    void writesPdfOffscreen();
    void refusesInputsItCannotUse_data();
    void refusesInputsItCannotUse();
    void reportsProgressFromBytesRead();
    void stopsWithinASecondOfACancel();
    void failsRetryablyWhenTheWorkerStops();

private:
    QString path(const QString &name) const { return m_root + QLatin1Char('/') + name; }

    QTemporaryDir m_dir;
    QString m_root;
    QString m_outside;
};

void tst_CsvSummaryKind::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString base = QFileInfo(m_dir.path()).canonicalFilePath();
    m_root = base + QStringLiteral("/inputs");
    m_outside = base + QStringLiteral("/private");
    QVERIFY(QDir().mkpath(m_root + QStringLiteral("/folder")));
    QVERIFY(QDir().mkpath(m_outside));
    QVERIFY(csvfixtures::write(path(QStringLiteral("small.csv")), kSmallCsv));
    QVERIFY(csvfixtures::write(m_outside + QStringLiteral("/secret.csv"), kSmallCsv));
    QVERIFY(
        QFile::link(m_outside + QStringLiteral("/secret.csv"), path(QStringLiteral("link.csv"))));
    QVERIFY(csvfixtures::write(path(QStringLiteral("empty.csv")), QByteArray()));
    QVERIFY(csvfixtures::writeSales(path(QStringLiteral("big.csv")), 60 * 1000 * 1000) > 0);
}

void tst_CsvSummaryKind::writesJson()
{
    KindTestRun run(params(path(QStringLiteral("small.csv")), QStringLiteral("json"),
                           {{QStringLiteral("group_by"), QStringLiteral("region")}}),
                    {m_root});
    CsvSummaryKind kind(WorkerHarness::workerProgram());
    const KindOutcome outcome = run.run(kind);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    QCOMPARE(run.filename(), QStringLiteral("summary.json"));
    QCOMPARE(run.contentType(), QStringLiteral("application/json"));
    const QJsonObject summary = QJsonDocument::fromJson(run.result()).object();
    QCOMPARE(summary.value(QStringLiteral("rows")).toInteger(), 3);
    const QJsonArray columns = summary.value(QStringLiteral("columns")).toArray();
    QCOMPARE(columns.size(), 4);
    QCOMPARE(columns[1].toObject().value(QStringLiteral("type")).toString(),
             QStringLiteral("number"));
    QCOMPARE(columns[2].toObject().value(QStringLiteral("type")).toString(),
             QStringLiteral("date"));
    QCOMPARE(summary.value(QStringLiteral("groups"))
                 .toObject()
                 .value(QStringLiteral("items"))
                 .toArray()
                 .size(),
             2);
}

void tst_CsvSummaryKind::writesCsv()
{
    KindTestRun run(params(path(QStringLiteral("small.csv")), QStringLiteral("csv"),
                           {{QStringLiteral("group_by"), QStringLiteral("region")}}),
                    {m_root});
    CsvSummaryKind kind(WorkerHarness::workerProgram());
    const KindOutcome outcome = run.run(kind);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    QCOMPARE(run.filename(), QStringLiteral("summary.csv"));
    const QList<QByteArray> lines = run.result().split('\n');
    QVERIFY(lines[0].startsWith(
        "column,type,count,missing,distinct,distinct_estimated,min,max,mean,stddev,top"));
    QVERIFY(lines[1].startsWith("region,string,3,0,2,false,"));
    QVERIFY2(lines[2].startsWith("amount,number,2,1,2,false,4,10.5,7.25,"), lines[2].constData());
    // The note values, quotes and commas included, survive as one quoted field.
    QVERIFY(run.result().contains("\"a, <b> (1); plain (1); say \"\"hi\"\" (1)\",false"));
    // Then the groups, after an empty line.
    const qsizetype blank = run.result().indexOf("\r\n\r\n");
    QVERIFY(blank > 0);
    QVERIFY(run.result().mid(blank + 4).startsWith(
        "region,count,amount sum,amount mean\r\nnorth,2,10.5,10.5\r\n"));
}

void tst_CsvSummaryKind::writesSelfContainedHtml()
{
    KindTestRun run(params(path(QStringLiteral("small.csv")), QStringLiteral("html"),
                           {{QStringLiteral("group_by"), QStringLiteral("region")}}),
                    {m_root});
    CsvSummaryKind kind(WorkerHarness::workerProgram());
    const KindOutcome outcome = run.run(kind);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    QCOMPARE(run.filename(), QStringLiteral("summary.html"));
    QCOMPARE(run.contentType(), QStringLiteral("text/html; charset=utf-8"));
    const QByteArray html = run.result();
    QVERIFY(html.startsWith("<!DOCTYPE html>"));
    QVERIFY(html.contains("<svg"));
    QVERIFY(html.contains("<style>"));
    // Nothing fetched from elsewhere, and the data cannot inject markup.
    QVERIFY(!html.contains("src="));
    QVERIFY(!html.contains("href="));
    QVERIFY(!html.contains("<script"));
    QVERIFY(!html.contains("<b>"));
    QVERIFY(html.contains("a, &lt;b&gt;"));
}

void tst_CsvSummaryKind::writesPdfOffscreen()
{
    KindTestRun run(params(path(QStringLiteral("small.csv")), QStringLiteral("pdf"),
                           {{QStringLiteral("group_by"), QStringLiteral("region")}}),
                    {m_root});
    CsvSummaryKind kind(WorkerHarness::workerProgram());
    // No display: the renderer must not need one.
    qunsetenv("DISPLAY");
    qunsetenv("WAYLAND_DISPLAY");
    const KindOutcome outcome = run.run(kind);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    QCOMPARE(run.filename(), QStringLiteral("summary.pdf"));
    QCOMPARE(run.contentType(), QStringLiteral("application/pdf"));
    QVERIFY(run.result().startsWith("%PDF-"));
    QVERIFY(run.result().size() > 2000);
}

void tst_CsvSummaryKind::refusesInputsItCannotUse_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QJsonObject>("extra");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing file") << QStringLiteral("ROOT/nope.csv") << QJsonObject{}
                                  << QStringLiteral("invalid_params")
                                  << QStringLiteral("does not exist");
    QTest::newRow("a folder") << QStringLiteral("ROOT/folder") << QJsonObject{}
                              << QStringLiteral("invalid_params")
                              << QStringLiteral("not a regular file");
    QTest::newRow("outside the roots")
        << QStringLiteral("OUTSIDE/secret.csv") << QJsonObject{} << QStringLiteral("invalid_params")
        << QStringLiteral("input root");
    QTest::newRow("symlink leading outside")
        << QStringLiteral("ROOT/link.csv") << QJsonObject{} << QStringLiteral("invalid_params")
        << QStringLiteral("input root");
    QTest::newRow("empty file") << QStringLiteral("ROOT/empty.csv") << QJsonObject{}
                                << QStringLiteral("invalid_params")
                                << QStringLiteral("the file is empty");
    QTest::newRow("no such group_by column")
        << QStringLiteral("ROOT/small.csv")
        << QJsonObject{{QStringLiteral("group_by"), QStringLiteral("city")}}
        << QStringLiteral("invalid_params") << QStringLiteral("line 1");
}

void tst_CsvSummaryKind::refusesInputsItCannotUse()
{
    QFETCH(QString, input);
    QFETCH(QJsonObject, extra);
    QFETCH(QString, code);
    QFETCH(QString, message);
    input.replace(QStringLiteral("ROOT"), m_root).replace(QStringLiteral("OUTSIDE"), m_outside);
    KindTestRun run(params(input, QStringLiteral("json"), extra), {m_root});
    CsvSummaryKind kind(WorkerHarness::workerProgram());
    const KindOutcome outcome = run.run(kind);
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error.code, code);
    QVERIFY(!outcome.retryable);
    QVERIFY2(outcome.error.message.contains(message), qPrintable(outcome.error.message));
    QCOMPARE(run.resultsFolderEntries(), QStringList());
}

void tst_CsvSummaryKind::reportsProgressFromBytesRead()
{
    KindTestRun run(params(path(QStringLiteral("big.csv")), QStringLiteral("json")), {m_root});
    CsvSummaryKind kind(WorkerHarness::workerProgram());
    const KindOutcome outcome = run.run(kind);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    const std::vector<KindTestRun::Progress> reports = run.progress();
    QVERIFY2(reports.size() > 20, qPrintable(QString::number(reports.size())));
    double last = -1;
    for (const KindTestRun::Progress &p : reports) {
        QVERIFY(p.pct);
        QVERIFY(*p.pct >= last);
        QVERIFY(*p.pct <= 99.0);
        last = *p.pct;
    }
    QVERIFY(last >= 98.0);
    QVERIFY2(reports.back().message.contains(QLatin1String(" of 60 MB")),
             qPrintable(reports.back().message));
    // A large file's summary is still small: it travels inline.
    QVERIFY(run.resultsFolderEntries().isEmpty());
}

void tst_CsvSummaryKind::stopsWithinASecondOfACancel()
{
    KindTestRun run(params(path(QStringLiteral("big.csv")), QStringLiteral("json")), {m_root});
    CsvSummaryKind kind(WorkerHarness::workerProgram());
    QElapsedTimer sinceCancel;
    std::thread canceller([&] {
        // Cancel once it is well under way.
        while (run.progress().size() < 3)
            std::this_thread::sleep_for(5ms);
        sinceCancel.start();
        run.token.cancel();
    });
    const KindOutcome outcome = run.run(kind);
    const qint64 took = sinceCancel.elapsed();
    canceller.join();
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error.code, QStringLiteral("cancelled"));
    QVERIFY2(took < 1000, qPrintable(QString::number(took)));
}

void tst_CsvSummaryKind::failsRetryablyWhenTheWorkerStops()
{
    KindTestRun run(params(path(QStringLiteral("big.csv")), QStringLiteral("json")), {m_root});
    run.token.requestStop();
    CsvSummaryKind kind(WorkerHarness::workerProgram());
    const KindOutcome outcome = run.run(kind);
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error.code, QStringLiteral("job_error"));
    QVERIFY(outcome.retryable);
}

QTEST_GUILESS_MAIN(tst_CsvSummaryKind)
#include "tst_csvsummarykind.moc"
