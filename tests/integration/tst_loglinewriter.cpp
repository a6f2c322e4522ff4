// jobdeskd's log lines: the same text Qt's message pattern
// "%{time yyyy-MM-ddThh:mm:ss.zzz} %{type} %{category}: %{message}" gave,
// local time included (in a zone that is not UTC, with half hours, so that
// UTC or a whole-hour offset would show).

#include "loglinewriter.h"

#include <QDateTime>
#include <QFile>
#include <QLoggingCategory>
#include <QTemporaryFile>
#include <QTest>
#include <ctime>
#include <unistd.h>

using jobdesk::LogLineWriter;

class tst_LogLineWriter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void lineAsQtFormattedIt_data();
    void lineAsQtFormattedIt();
    void eachSecondIsItsOwn();
    void batchWritesItsLinesTogether();
};

void tst_LogLineWriter::initTestCase()
{
    // A POSIX rule: needs no time zone database. UTC+05:30, no DST.
    qputenv("TZ", "XST-5:30");
    tzset();
    QCOMPARE(QDateTime::fromMSecsSinceEpoch(0).offsetFromUtc(), 5 * 3600 + 1800);
}

void tst_LogLineWriter::lineAsQtFormattedIt_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QByteArray>("level");
    QTest::addColumn<QByteArray>("category");
    QTest::addColumn<QString>("message");
    QTest::addColumn<qint64>("ms");
    QTest::newRow("info") << int(QtInfoMsg) << QByteArray("info") << QByteArray("jobdesk.service")
                          << QStringLiteral("job a COMPLETED") << qint64(1795766807431);
    QTest::newRow("debug") << int(QtDebugMsg) << QByteArray("debug") << QByteArray("jobdesk.http")
                           << QStringLiteral("x") << qint64(1795766807000);
    QTest::newRow("warning") << int(QtWarningMsg) << QByteArray("warning")
                             << QByteArray("jobdesk.store") << QStringLiteral("slow")
                             << qint64(1795766807999);
    QTest::newRow("critical") << int(QtCriticalMsg) << QByteArray("critical")
                              << QByteArray("jobdesk.service") << QStringLiteral("commit failed")
                              << qint64(1780000000001);
    QTest::newRow("no category, UTF-8") << int(QtInfoMsg) << QByteArray("info") << QByteArray()
                                        << QStringLiteral("Größe ✓") << qint64(1767225599500);
}

void tst_LogLineWriter::lineAsQtFormattedIt()
{
    QFETCH(int, type);
    QFETCH(QByteArray, level);
    QFETCH(QByteArray, category);
    QFETCH(QString, message);
    QFETCH(qint64, ms);
    const QByteArray time = QDateTime::fromMSecsSinceEpoch(ms)
                                .toString(QStringLiteral("yyyy-MM-ddThh:mm:ss.zzz"))
                                .toLatin1();
    const QByteArray expected = time + ' ' + level + ' ' +
                                (category.isEmpty() ? QByteArray("default") : category) + ": " +
                                message.toUtf8() + '\n';
    QCOMPARE(LogLineWriter::formatLine(
                 QtMsgType(type), category.isEmpty() ? nullptr : category.constData(), message, ms),
             expected);
}

void tst_LogLineWriter::eachSecondIsItsOwn()
{
    // The local time of a second is kept for the next line: a line of the
    // next second (or of an earlier one) must not reuse it.
    const qint64 base = 1795766807000;
    for (qint64 ms : {base + 999, base + 1000, base + 999, base + 86400000, base}) {
        const QByteArray line = LogLineWriter::formatLine(QtInfoMsg, "c", QStringLiteral("m"), ms);
        QCOMPARE(line.left(23), QDateTime::fromMSecsSinceEpoch(ms)
                                    .toString(QStringLiteral("yyyy-MM-ddThh:mm:ss.zzz"))
                                    .toLatin1());
    }
}

void tst_LogLineWriter::batchWritesItsLinesTogether()
{
    // stderr into a file, through the installed handler.
    QTemporaryFile file;
    QVERIFY(file.open());
    const int savedStderr = ::dup(STDERR_FILENO);
    QVERIFY(savedStderr >= 0);
    QVERIFY(::dup2(file.handle(), STDERR_FILENO) >= 0);
    const QByteArray pattern = qgetenv("QT_MESSAGE_PATTERN");
    qunsetenv("QT_MESSAGE_PATTERN");
    const QtMessageHandler previous = qInstallMessageHandler(nullptr);
    LogLineWriter::install();
    const auto written = [&file] {
        QFile again(file.fileName());
        return again.open(QIODevice::ReadOnly) ? again.readAll() : QByteArray();
    };
    const QLoggingCategory category("jobdesk.test");

    QByteArray duringBatch;
    QByteArray afterWarning;
    {
        const LogLineWriter::Batch batch;
        qCInfo(category) << "one";
        {
            const LogLineWriter::Batch inner; // nested: only the outermost writes
            qCInfo(category) << "two";
        }
        duringBatch = written();
        qCWarning(category) << "three"; // goes out at once, with what came before
        afterWarning = written();
        qCInfo(category) << "four";
    }
    const QByteArray afterBatch = written();

    // A long batch goes out in pieces of whole lines, none past PIPE_BUF:
    // a write to a pipe stays atomic.
    QByteArray midway;
    {
        const LogLineWriter::Batch batch;
        for (int i = 0; i < 100; ++i)
            qCInfo(category) << QByteArray(80, 'x') << i;
        midway = written().mid(afterBatch.size());
    }
    const QByteArray afterLong = written().mid(afterBatch.size());

    qInstallMessageHandler(previous);
    if (!pattern.isNull())
        qputenv("QT_MESSAGE_PATTERN", pattern);
    ::dup2(savedStderr, STDERR_FILENO);
    ::close(savedStderr);

    QCOMPARE(duringBatch, QByteArray());
    QCOMPARE(afterWarning.count('\n'), 3);
    QVERIFY(afterWarning.endsWith("warning jobdesk.test: three\n"));
    QCOMPARE(afterBatch.count('\n'), 4);
    QVERIFY(afterBatch.endsWith("info jobdesk.test: four\n"));
    QVERIFY(afterBatch.contains("info jobdesk.test: one\n"));
    QVERIFY(afterBatch.indexOf(": two") < afterBatch.indexOf(": three"));
    QVERIFY(midway.size() > 0 && midway.size() <= 4096 * 3);
    QVERIFY(midway.endsWith('\n'));
    QCOMPARE(afterLong.count('\n'), 100);
}

QTEST_GUILESS_MAIN(tst_LogLineWriter)
#include "tst_loglinewriter.moc"
