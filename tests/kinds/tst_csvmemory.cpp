// report.csv_summary in a real jobdesk-worker on a large generated file:
// the worker's peak memory must not follow the file's size.
//
// The file is JOBDESK_CSV_MEMORY_MB megabytes, 1 GB by default (about 40 s
// here, generation included); set it lower for a quick run.

#include "csvfixtures.h"
#include "kindcatalog.h"
#include "workerharness.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace jobdesk;

class tst_CsvMemory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void peakMemoryStaysBounded();
};

void tst_CsvMemory::peakMemoryStaysBounded()
{
    const long long megabytes = qEnvironmentVariableIntValue("JOBDESK_CSV_MEMORY_MB") > 0
                                    ? qEnvironmentVariableIntValue("JOBDESK_CSV_MEMORY_MB")
                                    : 1024;
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString root = QFileInfo(dir.path()).canonicalFilePath();
    const QString csv = root + QStringLiteral("/large.csv");
    const long long rows = csvfixtures::writeSales(csv, megabytes * 1000 * 1000);
    QVERIFY(rows > 0);

    KindCatalog catalog = KindCatalog::builtin();
    catalog.setInputRoots({root});
    // Apart from the input: a worker never reads the folder its catalog is in
    // (in production, jobdeskd's data dir).
    QTemporaryDir catalogDir;
    QVERIFY(catalogDir.isValid());
    const QString catalogFile = catalogDir.filePath(QStringLiteral("catalog.json"));
    QString error;
    QVERIFY2(catalog.writeWorkerFile(catalogFile, &error), qPrintable(error));

    WorkerHarness worker;
    QVERIFY2(worker.start(catalogFile), qPrintable(worker.errorText()));
    const auto done =
        worker.run(QStringLiteral("report.csv_summary"),
                   QJsonObject{{QStringLiteral("input"), csv},
                               {QStringLiteral("group_by"), QStringLiteral("region")}},
                   600 * 1000);
    QVERIFY2(done, "no answer from the worker");
    QVERIFY2(done->type == WorkerMessageType::Done, qPrintable(done->error.message));
    const qint64 peak = worker.peakRssBytes();
    qInfo("%lld MB, %lld rows: worker peak RSS %.1f MB", megabytes, rows, double(peak) / 1e6);
    QVERIFY2(peak > 0 && peak < 100LL * 1000 * 1000, qPrintable(QString::number(peak)));

    QByteArray json = done->inlineData;
    if (!done->resultFile.isEmpty()) {
        QFile result(QDir(worker.resultsDir()).filePath(done->resultFile));
        QVERIFY(result.open(QIODevice::ReadOnly));
        json = result.readAll();
    }
    const QJsonObject summary = QJsonDocument::fromJson(json).object();
    QCOMPARE(summary.value(QStringLiteral("rows")).toInteger(), rows);
    QCOMPARE(
        summary.value(QStringLiteral("file")).toObject().value(QStringLiteral("bytes")).toInteger(),
        QFileInfo(csv).size());
}

QTEST_GUILESS_MAIN(tst_CsvMemory)
#include "tst_csvmemory.moc"
