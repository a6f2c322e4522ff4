// BackendClient against a scripted control server: Lazy Pirate resends,
// going offline and coming back, and the events channel's gap detection.

#include "backendclient.h"
#include "fakecontrolserver.h"

#include <QFile>
#include <QJsonArray>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace jobdesk;
using namespace std::chrono_literals;

namespace {

QJsonObject pingReply(const QJsonObject &request, const QString &epoch = QStringLiteral("e1"))
{
    return QJsonObject{{QStringLiteral("ok"), true},
                       {QStringLiteral("id"), request.value(QStringLiteral("id"))},
                       {QStringLiteral("version"), QStringLiteral("9.9.9")},
                       {QStringLiteral("epoch"), epoch},
                       {QStringLiteral("http"), QStringLiteral("http://127.0.0.1:1")},
                       {QStringLiteral("events"), QString()},
                       {QStringLiteral("auth_required"), true}};
}

QJsonObject jobJson(int seq)
{
    return QJsonObject{
        {QStringLiteral("id"), QStringLiteral("0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b")},
        {QStringLiteral("kind"), QStringLiteral("demo.sleep")},
        {QStringLiteral("status"), QStringLiteral("PROCESSING")},
        {QStringLiteral("progress"), double(seq)},
        {QStringLiteral("rev"), seq}};
}

} // namespace

class TestBackendClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pingConnectsAndReportsTheBackend();
    void lostReplyIsResentOnAFreshSocketWithTheSameKey();
    void conflictToAResentSubmitIsAskedAgainWithTheSameKey();
    void retriesAreBoundedThenOfflineThenBack();
    void errorsComeBackAsValues();
    void repliesLargerThanOneMebibyteAreRead();
    void tokenIsSentAndReloadedWhenRefused();
    void eventGapsAndNewEpochsAskForAResync();

private:
    static void makeQuick(BackendClient &client)
    {
        client.setRequestTimeout(200ms);
        client.setRetries(2);
        client.setProbeInterval(100ms, 300ms);
    }
};

void TestBackendClient::pingConnectsAndReportsTheBackend()
{
    FakeControlServer server;
    server.answer = [](const QJsonObject &r) { return pingReply(r); };
    BackendClient client;
    QSignalSpy connected(&client, &BackendClient::connected);
    client.connectTo({server.endpoint(), {}, {}, {}});
    QCOMPARE(client.state(), ConnectionState::Connecting);
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, 5000);
    QCOMPARE(client.state(), ConnectionState::Connected);
    QCOMPARE(client.info().version, QStringLiteral("9.9.9"));
    QCOMPARE(client.info().epoch, QStringLiteral("e1"));
    QVERIFY(client.info().authRequired);
    QCOMPARE(client.httpBase(), QStringLiteral("http://127.0.0.1:1"));

    // --http wins over what ping says.
    client.connectTo({server.endpoint(), {}, QStringLiteral("127.0.0.1:8700"), {}});
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 2, 5000);
    QCOMPARE(client.httpBase(), QStringLiteral("http://127.0.0.1:8700"));
}

void TestBackendClient::lostReplyIsResentOnAFreshSocketWithTheSameKey()
{
    FakeControlServer server;
    int submits = 0;
    server.answer = [&submits](const QJsonObject &r) -> QJsonObject {
        if (r.value(QStringLiteral("op")) == QLatin1String("ping"))
            return pingReply(r);
        if (++submits == 1)
            return {}; // the first reply is lost
        return QJsonObject{{QStringLiteral("ok"), true},
                           {QStringLiteral("id"), r.value(QStringLiteral("id"))},
                           {QStringLiteral("job"), jobJson(1)}};
    };
    BackendClient client;
    makeQuick(client);
    QSignalSpy states(&client, &BackendClient::stateChanged);
    client.connectTo({server.endpoint(), {}, {}, {}});
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Connected, 5000);

    int answered = 0;
    QJsonObject reply;
    client.submit(QJsonObject{{QStringLiteral("kind"), QStringLiteral("demo.sleep")},
                              {QStringLiteral("params"), QJsonObject{}}},
                  this, [&](const Result<QJsonObject> &r) {
                      ++answered;
                      QVERIFY(r.ok());
                      reply = r.value();
                  });
    QTRY_COMPARE_WITH_TIMEOUT(answered, 1, 5000);
    QTest::qWait(300); // the handler runs exactly once
    QCOMPARE(answered, 1);
    QCOMPARE(submits, 2);
    QCOMPARE(reply.value(QStringLiteral("job")).toObject().value(QStringLiteral("rev")).toInt(), 1);

    QList<QJsonObject> sent;
    for (const QJsonObject &r : server.requests) {
        if (r.value(QStringLiteral("op")) == QLatin1String("submit"))
            sent.append(r);
    }
    QCOMPARE(sent.size(), 2);
    const QString key = sent[0].value(QStringLiteral("idempotency_key")).toString();
    QVERIFY(!key.isEmpty());
    QCOMPARE(sent[1].value(QStringLiteral("idempotency_key")).toString(), key);

    QList<ConnectionState> seen;
    for (const auto &args : states)
        seen.append(args.at(0).value<ConnectionState>());
    QVERIFY(seen.contains(ConnectionState::Reconnecting));
    QCOMPARE(client.state(), ConnectionState::Connected);
}

void TestBackendClient::conflictToAResentSubmitIsAskedAgainWithTheSameKey()
{
    // The first reply is lost; the resend meets the first copy still being
    // stored (`conflict`); asked again, the backend answers with the job.
    FakeControlServer server;
    QSet<QString> jobsMade; // idempotency keys the fake backend made a job for
    int submits = 0;
    server.answer = [&](const QJsonObject &r) -> QJsonObject {
        if (r.value(QStringLiteral("op")) == QLatin1String("ping"))
            return pingReply(r);
        ++submits;
        jobsMade.insert(r.value(QStringLiteral("idempotency_key")).toString());
        if (submits == 1)
            return {};
        if (submits == 2)
            return QJsonObject{
                {QStringLiteral("ok"), false},
                {QStringLiteral("id"), r.value(QStringLiteral("id"))},
                {QStringLiteral("error"),
                 QJsonObject{{QStringLiteral("code"), QStringLiteral("conflict")},
                             {QStringLiteral("message"), QStringLiteral("still storing")}}}};
        return QJsonObject{{QStringLiteral("ok"), true},
                           {QStringLiteral("id"), r.value(QStringLiteral("id"))},
                           {QStringLiteral("job"), jobJson(1)}};
    };
    BackendClient client;
    makeQuick(client);
    client.connectTo({server.endpoint(), {}, {}, {}});
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Connected, 5000);

    int answered = 0;
    std::optional<Result<QJsonObject>> reply;
    client.submit(QJsonObject{{QStringLiteral("kind"), QStringLiteral("demo.sleep")},
                              {QStringLiteral("params"), QJsonObject{}}},
                  this, [&](const Result<QJsonObject> &r) {
                      ++answered;
                      reply = r;
                  });
    QTRY_COMPARE_WITH_TIMEOUT(answered, 1, 5000);
    QVERIFY2(reply->ok(), reply->ok() ? "" : qPrintable(reply->error().detail));
    QCOMPARE(submits, 3);
    QCOMPARE(jobsMade.size(), 1); // one key: one job
    QTest::qWait(300);
    QCOMPARE(answered, 1);
    QCOMPARE(submits, 3);

    // A conflict to a first (not resent) submit is the caller's to see.
    submits = 1;
    answered = 0;
    reply.reset();
    client.submit(QJsonObject{{QStringLiteral("kind"), QStringLiteral("demo.sleep")}}, this,
                  [&](const Result<QJsonObject> &r) {
                      ++answered;
                      reply = r;
                  });
    QTRY_COMPARE_WITH_TIMEOUT(answered, 1, 5000);
    QVERIFY(!reply->ok());
    QCOMPARE(reply->error().code, ErrorCode::Conflict);
    QCOMPARE(submits, 2);
}

void TestBackendClient::retriesAreBoundedThenOfflineThenBack()
{
    FakeControlServer server;
    bool silent = false;
    server.answer = [&silent](const QJsonObject &r) -> QJsonObject {
        return silent ? QJsonObject() : pingReply(r);
    };
    BackendClient client;
    makeQuick(client);
    QSignalSpy connected(&client, &BackendClient::connected);
    client.connectTo({server.endpoint(), {}, {}, {}});
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, 5000);

    silent = true;
    const int before = int(server.requests.size());
    QList<QString> errors;
    client.request(QStringLiteral("status"), {}, this, [&errors](const Result<QJsonObject> &r) {
        errors.append(r.ok() ? "ok" : errorCodeName(r.error().code));
    });
    client.request(QStringLiteral("kinds"), {}, this, [&errors](const Result<QJsonObject> &r) {
        errors.append(r.ok() ? "ok" : errorCodeName(r.error().code));
    });
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Offline, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 2, 2000);
    QCOMPARE(errors, (QList<QString>{"unavailable", "unavailable"}));
    // One request, sent 1 + 2 retries times; the queued one never went out.
    int statusSends = 0;
    for (qsizetype i = before; i < server.requests.size(); ++i)
        statusSends += server.requests[i].value(QStringLiteral("op")) == QLatin1String("status");
    QCOMPARE(statusSends, 3);

    // Offline: requests fail at once instead of queueing behind a dead peer.
    bool failedFast = false;
    client.request(QStringLiteral("kinds"), {}, this,
                   [&failedFast](const Result<QJsonObject> &r) { failedFast = !r.ok(); });
    QTRY_VERIFY_WITH_TIMEOUT(failedFast, 1000);

    // The backend answers again: a probe ping notices.
    silent = false;
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 2, 5000);
    QCOMPARE(client.state(), ConnectionState::Connected);
}

void TestBackendClient::errorsComeBackAsValues()
{
    FakeControlServer server;
    server.answer = [](const QJsonObject &r) -> QJsonObject {
        if (r.value(QStringLiteral("op")) == QLatin1String("ping"))
            return pingReply(r);
        return QJsonObject{
            {QStringLiteral("ok"), false},
            {QStringLiteral("id"), r.value(QStringLiteral("id"))},
            {QStringLiteral("error"),
             QJsonObject{
                 {QStringLiteral("code"), QStringLiteral("invalid_params")},
                 {QStringLiteral("message"), QStringLiteral("params are invalid")},
                 {QStringLiteral("errors"),
                  QJsonArray{QJsonObject{
                      {QStringLiteral("field"), QStringLiteral("params.duration_s")},
                      {QStringLiteral("message"), QStringLiteral("must be at least 0")}}}}}}};
    };
    BackendClient client;
    client.connectTo({server.endpoint(), {}, {}, {}});
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Connected, 5000);
    std::optional<ApiError> error;
    client.submit({}, this, [&error](const Result<QJsonObject> &r) {
        if (!r.ok())
            error = r.error();
    });
    QTRY_VERIFY_WITH_TIMEOUT(error.has_value(), 5000);
    QCOMPARE(error->code, ErrorCode::InvalidParams);
    QCOMPARE(error->detail, QStringLiteral("params are invalid"));
    QCOMPARE(error->fieldErrors.size(), 1);
    QCOMPARE(error->fieldErrors[0].field, QStringLiteral("params.duration_s"));
    QCOMPARE(client.state(), ConnectionState::Connected); // an error is an answer
}

void TestBackendClient::repliesLargerThanOneMebibyteAreRead()
{
    // A `list` page of jobs with large params: the backend does not bound its
    // replies by the 1 MiB it accepts from outside.
    const QString bigParam(300 * 1024, QLatin1Char('x'));
    constexpr int kJobs = 8; // ~2.4 MiB in all
    FakeControlServer server;
    server.answer = [&bigParam](const QJsonObject &r) -> QJsonObject {
        if (r.value(QStringLiteral("op")) == QLatin1String("ping"))
            return pingReply(r);
        QJsonArray items;
        for (int i = 0; i < kJobs; ++i) {
            QJsonObject job = jobJson(i + 1);
            job.insert(QStringLiteral("params"), QJsonObject{{QStringLiteral("text"), bigParam}});
            items.append(job);
        }
        return QJsonObject{{QStringLiteral("ok"), true},
                           {QStringLiteral("id"), r.value(QStringLiteral("id"))},
                           {QStringLiteral("items"), items}};
    };
    // The default request timeout: building and sending 2.4 MiB on this
    // thread may take longer than a quick test timeout on a loaded machine,
    // and a resend is not what this test is about.
    BackendClient client;
    client.connectTo({server.endpoint(), {}, {}, {}});
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Connected, 5000);
    std::optional<Result<QJsonObject>> reply;
    client.request(QStringLiteral("list"), {}, this,
                   [&reply](const Result<QJsonObject> &r) { reply = r; });
    QTRY_VERIFY_WITH_TIMEOUT(reply.has_value(), 5000);
    QVERIFY2(reply->ok(), reply->ok() ? "" : qPrintable(reply->error().detail));
    const QJsonArray items = reply->value().value(QStringLiteral("items")).toArray();
    QCOMPARE(items.size(), kJobs);
    QCOMPARE(items.last()[QStringLiteral("params")][QStringLiteral("text")].toString().size(),
             bigParam.size());
    QCOMPARE(client.state(), ConnectionState::Connected);
    QCOMPARE(server.requests.size(), 2); // answered at once, not resent
}

void TestBackendClient::tokenIsSentAndReloadedWhenRefused()
{
    QTemporaryDir dir;
    const QString tokenFile = dir.filePath(QStringLiteral("api-token"));
    auto writeToken = [&tokenFile](const QByteArray &token) {
        QFile f(tokenFile);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(token + "\n");
    };
    writeToken("old-token");

    FakeControlServer server;
    server.answer = [](const QJsonObject &r) -> QJsonObject {
        if (r.value(QStringLiteral("token")) != QLatin1String("new-token"))
            return QJsonObject{
                {QStringLiteral("ok"), false},
                {QStringLiteral("id"), r.value(QStringLiteral("id"))},
                {QStringLiteral("error"),
                 QJsonObject{{QStringLiteral("code"), QStringLiteral("unauthorized")},
                             {QStringLiteral("message"), QStringLiteral("no")}}}};
        return pingReply(r);
    };
    BackendClient client;
    makeQuick(client);
    QSignalSpy connected(&client, &BackendClient::connected);
    client.connectTo({server.endpoint(), {}, {}, tokenFile});
    // The ping is refused with the old token: Offline (not "Connecting" for
    // ever), with a reason that names the fix.
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Offline, 5000);
    QCOMPARE(server.requests[0].value(QStringLiteral("token")).toString(),
             QStringLiteral("old-token"));
    QVERIFY2(client.lastError().contains(QLatin1String("--api-token-file")),
             qPrintable(client.lastError()));

    // A refused probe does not stop the probing.
    const qsizetype refused = server.requests.size();
    QTRY_VERIFY_WITH_TIMEOUT(server.requests.size() >= refused + 2, 5000);
    QCOMPARE(client.state(), ConnectionState::Offline);
    QCOMPARE(connected.count(), 0);

    // The backend rewrote its token file: the next refused probe re-reads it
    // and resends, and the client is connected again.
    writeToken("new-token");
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Connected, 5000);
    QCOMPARE(connected.count(), 1);
    QCOMPARE(server.requests.last().value(QStringLiteral("token")).toString(),
             QStringLiteral("new-token"));
    bool ok = false;
    client.request(QStringLiteral("ping"), {}, this,
                   [&ok](const Result<QJsonObject> &r) { ok = r.ok(); });
    QTRY_VERIFY_WITH_TIMEOUT(ok, 5000);
}

void TestBackendClient::eventGapsAndNewEpochsAskForAResync()
{
    zmq::context_t context;
    zmq::socket_t pub(context, zmq::socket_type::pub);
    pub.set(zmq::sockopt::linger, 0);
    pub.bind("tcp://127.0.0.1:*");
    const QString events = QString::fromStdString(pub.get(zmq::sockopt::last_endpoint));
    auto publish = [&pub](const QString &epoch, qint64 seq,
                          const QByteArray &topic = "job.progress") {
        const QByteArray body =
            QJsonDocument(QJsonObject{{QStringLiteral("seq"), seq},
                                      {QStringLiteral("epoch"), epoch},
                                      {QStringLiteral("job"), jobJson(int(seq))}})
                .toJson(QJsonDocument::Compact);
        pub.send(zmq::const_buffer(topic.constData(), size_t(topic.size())),
                 zmq::send_flags::sndmore);
        pub.send(zmq::const_buffer(body.constData(), size_t(body.size())));
    };

    FakeControlServer server;
    server.answer = [](const QJsonObject &r) { return pingReply(r); };
    BackendClient client;
    QSignalSpy jobEvents(&client, &BackendClient::jobEvent);
    QSignalSpy resyncs(&client, &BackendClient::resyncNeeded);
    client.connectTo({server.endpoint(), events, {}, {}});
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Connected, 5000);

    // A subscription takes a moment to reach the publisher (slow joiner):
    // publish until one arrives, each with its own epoch so no gap is seen yet.
    qint64 seq = 1;
    for (int i = 0; i < 100 && jobEvents.isEmpty(); ++i) {
        publish(QStringLiteral("warmup"), seq++);
        QTest::qWait(20);
    }
    QVERIFY(!jobEvents.isEmpty());
    QTest::qWait(100); // let any warm-up message still under way arrive
    resyncs.clear();
    jobEvents.clear();

    seq = 100;
    publish(QStringLiteral("warmup"), seq); // a gap after the warm-up: resync
    QTRY_COMPARE_WITH_TIMEOUT(jobEvents.count(), 1, 2000);
    QCOMPARE(resyncs.count(), 1);
    QCOMPARE(jobEvents.at(0).at(0).toString(), QStringLiteral("job.progress"));
    QCOMPARE(jobEvents.at(0).at(1).value<Job>().progress, std::optional<double>(100.0));

    publish(QStringLiteral("warmup"), 101); // in sequence: no resync
    publish(QStringLiteral("warmup"), 102, "job.completed");
    QTRY_COMPARE_WITH_TIMEOUT(jobEvents.count(), 3, 2000);
    QCOMPARE(resyncs.count(), 1);
    QCOMPARE(jobEvents.at(2).at(0).toString(), QStringLiteral("job.completed"));

    publish(QStringLiteral("restarted"), 1); // a new epoch: resync
    QTRY_COMPARE_WITH_TIMEOUT(jobEvents.count(), 4, 2000);
    QCOMPARE(resyncs.count(), 2);
}

QTEST_MAIN(TestBackendClient)
#include "tst_backendclient.moc"
