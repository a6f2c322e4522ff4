#include "controlprotocol.h"
#include "jsonparse.h"
#include "workerprotocol.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace jobdesk;

class tst_ControlProtocol : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void decode_data();
    void decode();
    void replies();
    void jobRepliesEchoTheIdExactly_data();
    void jobRepliesEchoTheIdExactly();
    void jsonLimits_data();
    void jsonLimits();
    void workerMessages();
};

void tst_ControlProtocol::decode_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QJsonValue>("id");

    QTest::newRow("ping with id") << QByteArray(R"({"op":"ping","id":7})") << true << QJsonValue(7);
    QTest::newRow("string id and token")
        << QByteArray(R"({"op":"status","id":"a","token":"t","x":1})") << true
        << QJsonValue(QStringLiteral("a"));
    QTest::newRow("no id") << QByteArray(R"({"op":"kinds"})") << true
                           << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("malformed") << QByteArray(R"({"op":)") << false
                               << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("not an object")
        << QByteArray(R"([1,2])") << false << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("no op keeps id") << QByteArray(R"({"id":3})") << false << QJsonValue(3);
    QTest::newRow("op not a string") << QByteArray(R"({"op":1,"id":4})") << false << QJsonValue(4);
    QTest::newRow("token not a string")
        << QByteArray(R"({"op":"ping","token":5})") << false << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("invalid utf-8")
        << QByteArray("{\"op\":\"p\xff\"}") << false << QJsonValue(QJsonValue::Undefined);
}

void tst_ControlProtocol::decode()
{
    QFETCH(QByteArray, frame);
    QFETCH(bool, ok);
    QFETCH(QJsonValue, id);
    QJsonValue gotId;
    const Result<ControlRequest> r = decodeControlRequest(frame, &gotId);
    QCOMPARE(r.ok(), ok);
    QCOMPARE(gotId, id);
    if (ok) {
        QVERIFY(!r.value().op.isEmpty());
        QVERIFY(!r.value().body.contains(QStringLiteral("op")));
        QVERIFY(!r.value().body.contains(QStringLiteral("token")));
        QCOMPARE(r.value().body.value(QStringLiteral("id")), id); // the job id of job ops
    } else {
        QCOMPARE(r.error().code, ErrorCode::InvalidRequest);
    }
}

void tst_ControlProtocol::replies()
{
    const QJsonObject ok =
        QJsonDocument::fromJson(encodeControlReply(QJsonValue(9), {{QStringLiteral("x"), 1}}))
            .object();
    QCOMPARE(ok.value(QStringLiteral("ok")).toBool(), true);
    QCOMPARE(ok.value(QStringLiteral("id")).toInt(), 9);
    QCOMPARE(ok.value(QStringLiteral("x")).toInt(), 1);

    ApiError e = ApiError::make(ErrorCode::InvalidParams, QStringLiteral("bad"));
    e.fieldErrors.append({QStringLiteral("params.steps"), QStringLiteral("must be an integer")});
    const QJsonObject err =
        QJsonDocument::fromJson(encodeControlError(QJsonValue(QJsonValue::Undefined), e)).object();
    QCOMPARE(err.value(QStringLiteral("ok")).toBool(true), false);
    QVERIFY(!err.contains(QStringLiteral("id")));
    const QJsonObject body = err.value(QStringLiteral("error")).toObject();
    QCOMPARE(body.value(QStringLiteral("code")).toString(), QStringLiteral("invalid_params"));
    QCOMPARE(body.value(QStringLiteral("message")).toString(), QStringLiteral("bad"));
    QCOMPARE(body.value(QStringLiteral("errors")).toArray().size(), 1);

    const QByteArray req =
        encodeControlRequest(QStringLiteral("status"), QJsonValue(1),
                             {{QStringLiteral("x"), QStringLiteral("y")}}, QStringLiteral("tok"));
    QJsonValue id;
    const Result<ControlRequest> back = decodeControlRequest(req, &id);
    QVERIFY(back.ok());
    QCOMPARE(back.value().op, QStringLiteral("status"));
    QCOMPARE(back.value().token, QStringLiteral("tok"));
}

void tst_ControlProtocol::jsonLimits_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("ok");
    QTest::newRow("32 levels") << (QByteArray("{\"a\":") + QByteArray(31, '[') +
                                   QByteArray(31, ']') + "}")
                               << true;
    QTest::newRow("33 levels") << (QByteArray("{\"a\":") + QByteArray(32, '[') +
                                   QByteArray(32, ']') + "}")
                               << false;
    QTest::newRow("100000 levels") << (QByteArray(100000, '[') + QByteArray(100000, ']')) << false;
    QTest::newRow("brackets inside strings do not count")
        << (QByteArray("{\"a\":\"") + QByteArray(100, '[') + "\"}") << true;
    QTest::newRow("escaped quote in string") << QByteArray(R"({"a":"x\"[[["})") << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("trailing garbage") << QByteArray("{} x") << false;
}

void tst_ControlProtocol::jsonLimits()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, ok);
    QCOMPARE(parseJsonObject(text).ok(), ok);
}

void tst_ControlProtocol::workerMessages()
{
    WorkerMessage run;
    run.type = WorkerMessageType::Run;
    run.fence = 12;
    run.jobId = QStringLiteral("id");
    run.kind = QStringLiteral("demo.sleep");
    run.params = {{QStringLiteral("duration_s"), 1}};
    run.timeoutS = 30;
    run.attempt = 2;
    auto back = decodeWorkerMessage(encodeWorkerMessage(run));
    QVERIFY(back);
    QCOMPARE(back->type, WorkerMessageType::Run);
    QCOMPARE(back->fence, qint64(12));
    QCOMPARE(back->params, run.params);
    QCOMPARE(back->attempt, 2);

    WorkerMessage done;
    done.type = WorkerMessageType::Done;
    done.fence = 13;
    done.result = ResultInfo{QStringLiteral("r.json"), QStringLiteral("application/json"), 3,
                             QStringLiteral("abc")};
    done.inlineData = QByteArray("\x00\x01\xff", 3);
    back = decodeWorkerMessage(encodeWorkerMessage(done));
    QVERIFY(back);
    QCOMPARE(back->inlineData, done.inlineData);
    QCOMPARE(back->result, done.result);
    QVERIFY(!back->lastReport);

    // The last progress report may ride on the end of an attempt.
    done.lastReport = true;
    done.progress = 100.0;
    done.message = QStringLiteral("step 20 of 20");
    back = decodeWorkerMessage(encodeWorkerMessage(done));
    QVERIFY(back && back->lastReport);
    QCOMPARE(back->progress, std::optional<double>(100.0));
    QCOMPARE(back->message, done.message);
    WorkerMessage failed;
    failed.type = WorkerMessageType::Failed;
    failed.lastReport = true; // indeterminate progress
    failed.message = QStringLiteral("reading");
    back = decodeWorkerMessage(encodeWorkerMessage(failed));
    QVERIFY(back && back->lastReport && !back->progress);
    QCOMPARE(back->message, failed.message);

    WorkerMessage progress;
    progress.type = WorkerMessageType::Progress;
    progress.progress.reset();
    back = decodeWorkerMessage(encodeWorkerMessage(progress));
    QVERIFY(back && !back->progress);

    QVERIFY(!decodeWorkerMessage("{\"type\":\"bogus\"}"));
    QVERIFY(!decodeWorkerMessage("not json"));
}

void tst_ControlProtocol::jobRepliesEchoTheIdExactly_data()
{
    QTest::addColumn<QJsonValue>("id");
    QTest::addColumn<bool>("replayed");
    QTest::newRow("string") << QJsonValue(QStringLiteral("req-\"7\"")) << false;
    QTest::newRow("integer") << QJsonValue(100000) << true;
    QTest::newRow("2^53 + 1") << QJsonValue(qint64(9007199254740993)) << false;
    QTest::newRow("fraction") << QJsonValue(0.5) << false;
    QTest::newRow("no id") << QJsonValue(QJsonValue::Undefined) << true;
}

void tst_ControlProtocol::jobRepliesEchoTheIdExactly()
{
    // The spliced reply is byte for byte the one built from objects.
    QFETCH(QJsonValue, id);
    QFETCH(bool, replayed);
    const QByteArray job = R"({"id":"j1","status":"PENDING"})";
    QJsonObject fields{{QStringLiteral("job"), QJsonDocument::fromJson(job).object()}};
    if (replayed)
        fields.insert(QStringLiteral("replayed"), true);
    QCOMPARE(encodeControlJobReply(id, job, replayed), encodeControlReply(id, fields));
}

QTEST_APPLESS_MAIN(tst_ControlProtocol)
#include "tst_controlprotocol.moc"
