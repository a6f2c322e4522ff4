// The private worker channel's codec: every message type survives a round
// trip with the fields it carries, strings that need escaping included, and
// what is not a worker message is refused.

#include "workerprotocol.h"

#include <QJsonDocument>
#include <QTest>

using namespace jobdesk;

class tst_WorkerProtocol : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void assignmentsRoundTrip_data();
    void assignmentsRoundTrip();
    void endsRoundTrip();
    void fenceOnlyMessagesRoundTrip_data();
    void fenceOnlyMessagesRoundTrip();
    void readyAndProgressRoundTrip();
    void refusesWhatIsNoWorkerMessage_data();
    void refusesWhatIsNoWorkerMessage();
};

namespace {

const QString kTricky = QStringLiteral("\"quoted\" \\ back\nslash\t\u00e9\u2713 \x01");

} // namespace

void tst_WorkerProtocol::assignmentsRoundTrip_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<bool>("paramsAsBytes");
    QTest::newRow("run") << int(WorkerMessageType::Run) << false;
    QTest::newRow("offer") << int(WorkerMessageType::Offer) << false;
    QTest::newRow("offer, params as bytes") << int(WorkerMessageType::Offer) << true;
}

void tst_WorkerProtocol::assignmentsRoundTrip()
{
    QFETCH(int, type);
    QFETCH(bool, paramsAsBytes);
    WorkerMessage m;
    m.type = WorkerMessageType(type);
    m.fence = 9007199254740993; // past 2^53: must stay exact
    m.jobId = QStringLiteral("01a21b50-0000-7000-8000-000000000001");
    m.kind = QStringLiteral("demo.sleep");
    m.params = QJsonObject{{QStringLiteral("duration_s"), 0.25},
                           {QStringLiteral("note"), kTricky},
                           {QStringLiteral("nested"), QJsonObject{{QStringLiteral("a"), 1}}}};
    if (paramsAsBytes)
        m.paramsJson = QJsonDocument(m.params).toJson(QJsonDocument::Compact);
    m.timeoutS = 300;
    m.attempt = 2;

    const std::optional<WorkerMessage> back = decodeWorkerMessage(encodeWorkerMessage(m));
    QVERIFY(back);
    QCOMPARE(int(back->type), type);
    QCOMPARE(back->fence, m.fence);
    QCOMPARE(back->jobId, m.jobId);
    QCOMPARE(back->kind, m.kind);
    QCOMPARE(back->params, m.params);
    QCOMPARE(back->timeoutS, 300);
    QCOMPARE(back->attempt, 2);
}

void tst_WorkerProtocol::endsRoundTrip()
{
    WorkerMessage done;
    done.type = WorkerMessageType::Done;
    done.fence = 41;
    done.nextFence = 42;
    done.lastReport = true;
    done.progress = 100.0;
    done.message = kTricky;
    done.result = ResultInfo{QStringLiteral("r\u00e9sult.json"), QStringLiteral("application/json"),
                             3, QStringLiteral("ab12")};
    done.inlineData = QByteArray("{}\n\0\xff", 5);
    done.stderrTail = kTricky;
    std::optional<WorkerMessage> back = decodeWorkerMessage(encodeWorkerMessage(done));
    QVERIFY(back);
    QCOMPARE(back->type, WorkerMessageType::Done);
    QCOMPARE(back->fence, qint64(41));
    QCOMPARE(back->nextFence, qint64(42));
    QVERIFY(back->lastReport);
    QCOMPARE(back->progress, std::optional<double>(100.0));
    QCOMPARE(back->message, kTricky);
    QCOMPARE(back->result.filename, done.result.filename);
    QCOMPARE(back->result.contentType, done.result.contentType);
    QCOMPARE(back->result.size, qint64(3));
    QCOMPARE(back->result.sha256, done.result.sha256);
    QCOMPARE(back->inlineData, done.inlineData);
    QVERIFY(back->resultFile.isEmpty());
    QCOMPARE(back->stderrTail, kTricky);

    WorkerMessage file = done;
    file.lastReport = false;
    file.nextFence = 0;
    file.inlineData.clear();
    file.resultFile = QStringLiteral("job.41.csv");
    back = decodeWorkerMessage(encodeWorkerMessage(file));
    QVERIFY(back);
    QCOMPARE(back->resultFile, file.resultFile);
    QCOMPARE(back->nextFence, qint64(0));
    QVERIFY(!back->lastReport);

    WorkerMessage failed;
    failed.type = WorkerMessageType::Failed;
    failed.fence = 7;
    failed.error = JobError{QStringLiteral("job_error"), kTricky};
    failed.retryable = true;
    failed.lastReport = true; // indeterminate: null progress
    failed.message = QStringLiteral("step 1 of 4");
    back = decodeWorkerMessage(encodeWorkerMessage(failed));
    QVERIFY(back);
    QCOMPARE(back->type, WorkerMessageType::Failed);
    QCOMPARE(back->error.code, QStringLiteral("job_error"));
    QCOMPARE(back->error.message, kTricky);
    QVERIFY(back->retryable);
    QVERIFY(back->lastReport);
    QVERIFY(!back->progress.has_value());
    QCOMPARE(back->message, QStringLiteral("step 1 of 4"));
}

void tst_WorkerProtocol::fenceOnlyMessagesRoundTrip_data()
{
    QTest::addColumn<int>("type");
    QTest::newRow("started") << int(WorkerMessageType::Started);
    QTest::newRow("returned") << int(WorkerMessageType::Returned);
    QTest::newRow("revoke") << int(WorkerMessageType::Revoke);
    QTest::newRow("cancel") << int(WorkerMessageType::Cancel);
}

void tst_WorkerProtocol::fenceOnlyMessagesRoundTrip()
{
    QFETCH(int, type);
    WorkerMessage m;
    m.type = WorkerMessageType(type);
    m.fence = 123456789012;
    const std::optional<WorkerMessage> back = decodeWorkerMessage(encodeWorkerMessage(m));
    QVERIFY(back);
    QCOMPARE(int(back->type), type);
    QCOMPARE(back->fence, m.fence);
}

void tst_WorkerProtocol::readyAndProgressRoundTrip()
{
    WorkerMessage ready;
    ready.type = WorkerMessageType::Ready;
    ready.secret = QStringLiteral("0123abcd");
    ready.pid = 4242;
    std::optional<WorkerMessage> back = decodeWorkerMessage(encodeWorkerMessage(ready));
    QVERIFY(back);
    QCOMPARE(back->type, WorkerMessageType::Ready);
    QCOMPARE(back->secret, ready.secret);
    QCOMPARE(back->pid, qint64(4242));

    WorkerMessage progress;
    progress.type = WorkerMessageType::Progress;
    progress.fence = 5;
    progress.progress = 37.5;
    progress.message = kTricky;
    back = decodeWorkerMessage(encodeWorkerMessage(progress));
    QVERIFY(back);
    QCOMPARE(back->progress, std::optional<double>(37.5));
    QCOMPARE(back->message, kTricky);

    progress.progress.reset(); // indeterminate
    back = decodeWorkerMessage(encodeWorkerMessage(progress));
    QVERIFY(back);
    QVERIFY(!back->progress.has_value());
}

void tst_WorkerProtocol::refusesWhatIsNoWorkerMessage_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::newRow("not JSON") << QByteArray("{\"type\":");
    QTest::newRow("an array") << QByteArray("[]");
    QTest::newRow("no type") << QByteArray("{\"fence\":1}");
    QTest::newRow("unknown type") << QByteArray("{\"type\":\"explode\"}");
}

void tst_WorkerProtocol::refusesWhatIsNoWorkerMessage()
{
    QFETCH(QByteArray, frame);
    QVERIFY(!decodeWorkerMessage(frame));
}

QTEST_GUILESS_MAIN(tst_WorkerProtocol)
#include "tst_workerprotocol.moc"
