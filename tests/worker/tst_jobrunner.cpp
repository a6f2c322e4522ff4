#include "worker/jobrunner.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <stdexcept>

using namespace jobdesk;

namespace {

/// A kind for tests: writes `bytes` bytes of result, or throws.
class BlobKind final : public JobKind
{
public:
    QString name() const override { return QStringLiteral("test.blob"); }
    KindOutcome run(JobContext &ctx) override
    {
        if (ctx.params().value(QStringLiteral("throw")).toBool())
            throw std::runtime_error("blob exploded");
        ctx.result().setFilename(QStringLiteral("blob.txt"));
        ctx.result().setContentType(QStringLiteral("text/plain"));
        ctx.result().write(QByteArray(ctx.params().value(QStringLiteral("bytes")).toInt(), 'x'));
        return KindOutcome::success();
    }
};

KindCatalog testCatalog()
{
    KindCatalog catalog = KindCatalog::builtin();
    KindInfo blob;
    blob.name = QStringLiteral("test.blob");
    blob.paramsSchema = QJsonDocument::fromJson(R"({"type": "object", "properties": {
        "bytes": {"type": "integer", "minimum": 0},
        "throw": {"type": "boolean"}}})")
                            .object();
    catalog.add(blob);
    KindInfo unregistered;
    unregistered.name = QStringLiteral("test.nowhere");
    unregistered.paramsSchema = QJsonObject{{QStringLiteral("type"), QStringLiteral("object")}};
    catalog.add(unregistered);
    return catalog;
}

JobKindRegistry testRegistry()
{
    JobKindRegistry registry = JobKindRegistry::builtin();
    registry.add(QStringLiteral("test.blob"), [] { return std::make_unique<BlobKind>(); });
    return registry;
}

WorkerMessage runMessage(const QString &kind, const QJsonObject &params)
{
    WorkerMessage m;
    m.type = WorkerMessageType::Run;
    m.fence = 41;
    m.jobId = QStringLiteral("0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b");
    m.kind = kind;
    m.params = params;
    m.attempt = 1;
    return m;
}

} // namespace

class tst_JobRunner : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rejectsWhatItCannotRun_data();
    void rejectsWhatItCannotRun();
    void runsDemoSleepWithDefaultsFilledIn();
    void passesAJobFailureThrough();
    void sendsLargeResultsAsFiles();
    void reportsAResultThatCannotBeWritten();
    void turnsAnExceptionIntoAFailure();

private:
    WorkerMessage run(const QString &resultsDir, const WorkerMessage &message)
    {
        const JobRunner runner(testCatalog(), testRegistry(), resultsDir);
        const CancelToken token;
        return runner.run(message, token, {});
    }
};

void tst_JobRunner::rejectsWhatItCannotRun_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QJsonObject>("params");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("unknown kind") << QStringLiteral("no.such") << QJsonObject{}
                                  << QStringLiteral("unknown kind \"no.such\"");
    QTest::newRow("kind without implementation")
        << QStringLiteral("test.nowhere") << QJsonObject{} << QStringLiteral("not available");
    QTest::newRow("negative duration")
        << QStringLiteral("demo.sleep") << QJsonObject{{QStringLiteral("duration_s"), -1}}
        << QStringLiteral("params.duration_s must be at least 0");
    QTest::newRow("fractional steps")
        << QStringLiteral("demo.sleep") << QJsonObject{{QStringLiteral("steps"), 2.5}}
        << QStringLiteral("params.steps must be of type integer");
    QTest::newRow("unknown parameter")
        << QStringLiteral("demo.sleep") << QJsonObject{{QStringLiteral("speed"), 3}}
        << QStringLiteral("params.speed is not a parameter");
    QTest::newRow("wrong type") << QStringLiteral("demo.sleep")
                                << QJsonObject{{QStringLiteral("ignore_cancel"),
                                                QStringLiteral("yes")}}
                                << QStringLiteral("params.ignore_cancel must be of type boolean");
}

void tst_JobRunner::rejectsWhatItCannotRun()
{
    QFETCH(QString, kind);
    QFETCH(QJsonObject, params);
    QFETCH(QString, messagePart);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const WorkerMessage reply = run(dir.path(), runMessage(kind, params));
    QCOMPARE(reply.type, WorkerMessageType::Failed);
    QCOMPARE(reply.fence, qint64(41));
    QCOMPARE(reply.error.code, QStringLiteral("invalid_params"));
    QVERIFY2(reply.error.message.contains(messagePart), qPrintable(reply.error.message));
    QVERIFY(!reply.retryable);
}

void tst_JobRunner::runsDemoSleepWithDefaultsFilledIn()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const WorkerMessage reply = run(
        dir.path(), runMessage(QStringLiteral("demo.sleep"), {{QStringLiteral("duration_s"), 0}}));
    QCOMPARE(reply.type, WorkerMessageType::Done);
    QCOMPARE(reply.fence, qint64(41));
    QVERIFY(reply.resultFile.isEmpty());
    QCOMPARE(reply.result.filename, QStringLiteral("result.json"));
    QCOMPARE(reply.result.contentType, QStringLiteral("application/json"));
    QCOMPARE(reply.result.size, qint64(reply.inlineData.size()));
    QCOMPARE(reply.result.sha256,
             QString::fromLatin1(
                 QCryptographicHash::hash(reply.inlineData, QCryptographicHash::Sha256).toHex()));
    const QJsonObject result = QJsonDocument::fromJson(reply.inlineData).object();
    QCOMPARE(result.value(QStringLiteral("steps")).toInt(), 20); // the schema's default
    QCOMPARE(result.value(QStringLiteral("attempt")).toInt(), 1);
}

void tst_JobRunner::passesAJobFailureThrough()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const WorkerMessage reply =
        run(dir.path(),
            runMessage(QStringLiteral("demo.sleep"),
                       {{QStringLiteral("duration_s"), 0}, {QStringLiteral("fail_at"), 50}}));
    QCOMPARE(reply.type, WorkerMessageType::Failed);
    QCOMPARE(reply.error,
             (JobError{QStringLiteral("job_error"), QStringLiteral("failed at 50% (fail_at)")}));
    QVERIFY(reply.retryable);
}

void tst_JobRunner::sendsLargeResultsAsFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const int size = 200 * 1024;
    const WorkerMessage reply =
        run(dir.path(), runMessage(QStringLiteral("test.blob"), {{QStringLiteral("bytes"), size}}));
    QCOMPARE(reply.type, WorkerMessageType::Done);
    QVERIFY(reply.inlineData.isEmpty());
    QCOMPARE(reply.resultFile, QStringLiteral("0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b.41.txt"));
    QFile file(dir.filePath(reply.resultFile));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QCOMPARE(bytes, QByteArray(size, 'x'));
    QCOMPARE(reply.result.size, qint64(size));
    QCOMPARE(
        reply.result.sha256,
        QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex()));
}

void tst_JobRunner::reportsAResultThatCannotBeWritten()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString notAFolder = dir.filePath(QStringLiteral("results"));
    QFile plain(notAFolder);
    QVERIFY(plain.open(QIODevice::WriteOnly));
    plain.close();
    const WorkerMessage reply = run(
        notAFolder, runMessage(QStringLiteral("test.blob"), {{QStringLiteral("bytes"), 100000}}));
    QCOMPARE(reply.type, WorkerMessageType::Failed);
    QCOMPARE(reply.error.code, QStringLiteral("job_error"));
    QVERIFY2(reply.error.message.startsWith(QStringLiteral("cannot write result: ")),
             qPrintable(reply.error.message));
    QVERIFY(!reply.retryable);
}

void tst_JobRunner::turnsAnExceptionIntoAFailure()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const WorkerMessage reply =
        run(dir.path(), runMessage(QStringLiteral("test.blob"), {{QStringLiteral("throw"), true}}));
    QCOMPARE(reply.type, WorkerMessageType::Failed);
    QCOMPARE(reply.error.code, QStringLiteral("job_error"));
    QVERIFY(reply.error.message.contains(QStringLiteral("blob exploded")));
    QVERIFY(QDir(dir.path()).isEmpty());
}

QTEST_GUILESS_MAIN(tst_JobRunner)
#include "tst_jobrunner.moc"
