#include "worker/resultsink.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <sys/resource.h>

using namespace jobdesk;

namespace {

QByteArray pattern(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        bytes[i] = char('a' + (i * 7 + i / 251) % 26);
    return bytes;
}

QString sha256Hex(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

bool writeInChunks(ResultSink &sink, const QByteArray &bytes, qsizetype chunk)
{
    for (qsizetype at = 0; at < bytes.size(); at += chunk) {
        if (!sink.write(bytes.mid(at, chunk)))
            return false;
    }
    return true;
}

const QString kJobId = QStringLiteral("0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b");
constexpr qsizetype kLimit = qsizetype(reliability::kInlineResultMaxBytes);

} // namespace

class tst_ResultSink : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void keepsSmallResultsInline_data();
    void keepsSmallResultsInline();
    void spillsLargeResultsToADurableFile_data();
    void spillsLargeResultsToADurableFile();
    void namesTheFileAfterTheResultSuffix_data();
    void namesTheFileAfterTheResultSuffix();
    void failsWhenTheResultsFolderIsAFile();
    void failsAndRemovesTheTempFileWhenTheDiskRefusesWrites();
    void removesTheTempFileWhenNotCommitted();
    void refusesJobIdsThatAreNotFileNames();
};

void tst_ResultSink::keepsSmallResultsInline_data()
{
    QTest::addColumn<qsizetype>("size");
    QTest::addColumn<qsizetype>("chunk");
    QTest::newRow("empty") << qsizetype(0) << qsizetype(1);
    QTest::newRow("a few bytes") << qsizetype(42) << qsizetype(42);
    QTest::newRow("many small writes") << qsizetype(10000) << qsizetype(7);
    QTest::newRow("exactly at the limit") << kLimit << qsizetype(4096);
}

void tst_ResultSink::keepsSmallResultsInline()
{
    QFETCH(qsizetype, size);
    QFETCH(qsizetype, chunk);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray bytes = pattern(size);

    ResultSink sink(dir.path(), kJobId, 7);
    sink.setFilename(QStringLiteral("out.txt"));
    sink.setContentType(QStringLiteral("text/plain"));
    QVERIFY(writeInChunks(sink, bytes, chunk));
    QVERIFY(sink.commit());

    QVERIFY(sink.isInline());
    QCOMPARE(sink.inlineData(), bytes);
    QVERIFY(sink.fileName().isEmpty());
    const ResultInfo info = sink.info();
    QCOMPARE(info.filename, QStringLiteral("out.txt"));
    QCOMPARE(info.contentType, QStringLiteral("text/plain"));
    QCOMPARE(info.size, qint64(size));
    QCOMPARE(info.sha256, sha256Hex(bytes));
    QVERIFY(QDir(dir.path()).isEmpty());
}

void tst_ResultSink::spillsLargeResultsToADurableFile_data()
{
    QTest::addColumn<qsizetype>("size");
    QTest::addColumn<qsizetype>("chunk");
    QTest::newRow("one byte over the limit") << kLimit + 1 << kLimit + 1;
    QTest::newRow("crossing the limit mid-write") << 3 * kLimit << qsizetype(5000);
    QTest::newRow("many small writes") << 2 * kLimit + 13 << qsizetype(100);
    QTest::newRow("one big write") << qsizetype(3 * 1024 * 1024) << qsizetype(3 * 1024 * 1024);
}

void tst_ResultSink::spillsLargeResultsToADurableFile()
{
    QFETCH(qsizetype, size);
    QFETCH(qsizetype, chunk);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray bytes = pattern(size);

    ResultSink sink(dir.path(), kJobId, 12);
    sink.setFilename(QStringLiteral("summary.json"));
    sink.setContentType(QStringLiteral("application/json"));
    QVERIFY(writeInChunks(sink, bytes, chunk));
    QVERIFY2(!sink.hasError(), qPrintable(sink.errorString()));
    // Until commit, the bytes live in the temp file named after job and fence.
    QVERIFY(QFile::exists(dir.filePath(kJobId + QStringLiteral(".12.tmp"))));
    QVERIFY(sink.commit());

    QVERIFY(!sink.isInline());
    QVERIFY(sink.inlineData().isEmpty());
    QCOMPARE(sink.fileName(), kJobId + QStringLiteral(".12.json"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{sink.fileName()});
    QFile file(dir.filePath(sink.fileName()));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), bytes);
    const ResultInfo info = sink.info();
    QCOMPARE(info.size, qint64(size));
    QCOMPARE(info.sha256, sha256Hex(bytes));
    QCOMPARE(info.filename, QStringLiteral("summary.json"));
}

void tst_ResultSink::namesTheFileAfterTheResultSuffix_data()
{
    QTest::addColumn<QString>("filename");
    QTest::addColumn<QString>("expectedSuffix");
    QTest::newRow("pdf") << QStringLiteral("report.pdf") << QStringLiteral("pdf");
    QTest::newRow("no suffix") << QStringLiteral("README") << QStringLiteral("bin");
    QTest::newRow("no filename") << QString() << QStringLiteral("bin");
    QTest::newRow("tmp, the unfinished suffix")
        << QStringLiteral("out.TMP") << QStringLiteral("bin");
    QTest::newRow("suffix that is not a plain word")
        << QStringLiteral("x.a b") << QStringLiteral("bin");
}

void tst_ResultSink::namesTheFileAfterTheResultSuffix()
{
    QFETCH(QString, filename);
    QFETCH(QString, expectedSuffix);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ResultSink sink(dir.path(), kJobId, 3, 16);
    sink.setFilename(filename);
    QVERIFY(sink.write(pattern(100)));
    QVERIFY(sink.commit());
    QCOMPARE(sink.fileName(), kJobId + QStringLiteral(".3.") + expectedSuffix);
    QVERIFY(QFile::exists(dir.filePath(sink.fileName())));
}

void tst_ResultSink::failsWhenTheResultsFolderIsAFile()
{
    // Root can write anywhere, but nobody can create a file inside a file.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString notAFolder = dir.filePath(QStringLiteral("results"));
    QFile plain(notAFolder);
    QVERIFY(plain.open(QIODevice::WriteOnly));
    plain.close();

    ResultSink sink(notAFolder, kJobId, 1);
    QVERIFY(sink.write(pattern(kLimit))); // still in memory
    QVERIFY(!sink.write(pattern(10)));    // the spill fails
    QVERIFY(sink.hasError());
    QVERIFY2(sink.errorString().contains(QStringLiteral("Not a directory")),
             qPrintable(sink.errorString()));
    QVERIFY(!sink.write(pattern(10))); // sticky
    QVERIFY(!sink.commit());
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::NoDotAndDotDot),
             QStringList{QStringLiteral("results")});
}

void tst_ResultSink::failsAndRemovesTheTempFileWhenTheDiskRefusesWrites()
{
    // RLIMIT_FSIZE binds root too: writes past it fail with EFBIG, the way a
    // full disk fails them with ENOSPC.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    rlimit saved{};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &saved), 0);
    const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = saved;
    limited.rlim_cur = 3 * rlim_t(kLimit);
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &limited), 0);

    bool writesOk = true;
    QString error;
    {
        ResultSink sink(dir.path(), kJobId, 5);
        const QByteArray chunk = pattern(8192);
        for (int i = 0; i < 64 && writesOk; ++i)
            writesOk = sink.write(chunk);
        error = sink.errorString();
        if (!writesOk)
            writesOk = sink.commit(); // must not succeed after a failed write
    }
    setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, oldHandler);

    QVERIFY(!writesOk);
    QVERIFY2(error.contains(QStringLiteral("too large")), qPrintable(error));
    QVERIFY(QDir(dir.path()).isEmpty());
}

void tst_ResultSink::removesTheTempFileWhenNotCommitted()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString temp = dir.filePath(kJobId + QStringLiteral(".9.tmp"));
    {
        ResultSink sink(dir.path(), kJobId, 9);
        QVERIFY(sink.write(pattern(kLimit + 10)));
        QVERIFY(QFile::exists(temp));
        sink.discard();
        QVERIFY(!QFile::exists(temp));
    }
    {
        ResultSink sink(dir.path(), kJobId, 9);
        QVERIFY(sink.write(pattern(kLimit + 10)));
        QVERIFY(QFile::exists(temp));
    }
    QVERIFY(QDir(dir.path()).isEmpty());
}

void tst_ResultSink::refusesJobIdsThatAreNotFileNames()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ResultSink sink(dir.filePath(QStringLiteral("sub")), QStringLiteral("../escape"), 1, 4);
    QVERIFY(!sink.write(pattern(10)));
    QVERIFY(sink.errorString().contains(QStringLiteral("invalid job id")));
    QVERIFY(QDir(dir.path()).isEmpty());
}

QTEST_GUILESS_MAIN(tst_ResultSink)
#include "tst_resultsink.moc"
