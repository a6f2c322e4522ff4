// The HTTP API of the real jobdeskd, end to end: every status code and
// header of the contract, bad input of every kind, idempotency across a
// restart and shared with ZeroMQ, conditional and long polls (with their
// wake-up latency), result ranges, readiness, metrics, OpenAPI, rate
// limiting and admission control.

#include "backendprocess.h"
#include "controltestclient.h"
#include "httptestclient.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace std::chrono_literals;

class tst_HttpApi : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void submitAnswers202WithLocationETagAndRetryAfter();
    void idempotencyKeyReplaysTheFirstAnswer();
    void idempotencyKeyIsSharedWithZeroMq();
    void conditionalPolls();
    void longPollAnswersAtOnceWhenBehindOrTerminal();
    void longPollWakesOnTheChange();
    void longPollTimesOut_data();
    void longPollTimesOut();
    void resultWithRanges();
    void retryRedrivesAFailedJob();
    void eventsTimeline();
    void readinessAndMetricsWithoutToken();
    void openApiServed();
    void problems_data();
    void problems();
    void rawProblems_data();
    void rawProblems();
    void idempotencyAcrossARestart();
    void pollsAreRateLimitedWhenAsked();
    void fullQueueAnswers503();
    void nonLoopbackWithoutAuthRefused_data();
    void nonLoopbackWithoutAuthRefused();

private:
    QString submit(const QJsonObject &body, HttpReply *reply = nullptr,
                   const QList<QPair<QByteArray, QByteArray>> &headers = {});
    QJsonObject waitForStatus(const QString &id, const QString &status);
    quint16 port() const;

    std::unique_ptr<BackendProcess> m_backend;
    std::unique_ptr<HttpTestClient> m_http;
};

namespace {

QByteArray toJson(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonObject sleepJob(double seconds, QJsonObject extraParams = {}, QJsonObject extra = {})
{
    QJsonObject params{{"duration_s", seconds}, {"steps", 4}};
    for (auto it = extraParams.begin(); it != extraParams.end(); ++it)
        params.insert(it.key(), it.value());
    QJsonObject body{{"kind", "demo.sleep"}, {"params", params}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        body.insert(it.key(), it.value());
    return body;
}

void verifyProblem(const HttpReply &reply, int status)
{
    QCOMPARE(reply.status, status);
    QVERIFY2(reply.header("Content-Type").startsWith("application/problem+json"),
             reply.header("Content-Type").constData());
    const QJsonObject problem = reply.json();
    QCOMPARE(problem.value("status").toInt(), status);
    QVERIFY(problem.value("type").toString().startsWith("https://"));
    QVERIFY(!problem.value("title").toString().isEmpty());
    QVERIFY(!problem.value("detail").toString().isEmpty());
}

// One request over a plain socket, exactly as written (no client rewriting
// the path or the headers); returns the status line's code and the body.
QPair<int, QByteArray> rawExchange(quint16 port, const QByteArray &request)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return {0, {}};
    socket.write(request);
    socket.waitForBytesWritten(5000);
    QByteArray in;
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        if (!socket.waitForReadyRead(200) && socket.state() != QAbstractSocket::ConnectedState)
            break;
        in += socket.readAll();
        const int end = in.indexOf("\r\n\r\n");
        if (end >= 0) {
            const QRegularExpression length(QStringLiteral("(?i)content-length: *(\\d+)"));
            const auto m = length.match(QString::fromLatin1(in.left(end)));
            if (m.hasMatch() && in.size() >= end + 4 + m.captured(1).toInt())
                break;
        }
    }
    in += socket.readAll();
    const int end = in.indexOf("\r\n\r\n");
    return {in.mid(9, 3).toInt(), end < 0 ? QByteArray() : in.mid(end + 4)};
}

QByteArray sha256Hex(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

} // namespace

void tst_HttpApi::initTestCase()
{
    m_backend = std::make_unique<BackendProcess>();
    QVERIFY2(m_backend->start(1), qPrintable(m_backend->errorText()));
    m_http = std::make_unique<HttpTestClient>(m_backend->httpBase(), m_backend->token());
}

void tst_HttpApi::cleanupTestCase()
{
    m_http.reset();
    if (m_backend)
        QCOMPARE(m_backend->stop(), 0);
}

quint16 tst_HttpApi::port() const
{
    return static_cast<quint16>(m_backend->httpBase().section(QLatin1Char(':'), -1).toUInt());
}

QString tst_HttpApi::submit(const QJsonObject &body, HttpReply *replyOut,
                            const QList<QPair<QByteArray, QByteArray>> &headers)
{
    const HttpReply reply =
        m_http->post(QStringLiteral("/api/v1/jobs"), toJson(body), "application/json", headers);
    if (replyOut)
        *replyOut = reply;
    return reply.json().value("id").toString();
}

QJsonObject tst_HttpApi::waitForStatus(const QString &id, const QString &status)
{
    QJsonObject job;
    QDeadlineTimer deadline(30000);
    while (!deadline.hasExpired()) {
        // Long polls, so the test follows the job as a careful client would.
        job = m_http->get(QStringLiteral("/api/v1/jobs/%1?wait=10").arg(id)).json();
        if (job.value("status").toString() == status)
            return job;
        if (job.value("status").toString().isEmpty())
            return job;
    }
    return job;
}

void tst_HttpApi::submitAnswers202WithLocationETagAndRetryAfter()
{
    HttpReply reply;
    const QString id = submit(sleepJob(0.3), &reply);
    QCOMPARE(reply.status, 202);
    QCOMPARE(reply.header("Location"), ("/api/v1/jobs/" + id).toLatin1());
    const QJsonObject job = reply.json();
    QCOMPARE(reply.header("ETag"), "\"r" + QByteArray::number(job.value("rev").toInteger()) + '"');
    QVERIFY(reply.header("Retry-After").toInt() >= 1);
    QVERIFY(reply.header("Idempotent-Replayed").isEmpty());
    QCOMPARE(job.value("status_url").toString(), "/api/v1/jobs/" + id);
    waitForStatus(id, QStringLiteral("COMPLETED"));
}

void tst_HttpApi::idempotencyKeyReplaysTheFirstAnswer()
{
    const QList<QPair<QByteArray, QByteArray>> key = {{"Idempotency-Key", "\"http-key-1\""}};
    HttpReply first, second, other;
    const QString id = submit(sleepJob(0.2), &first, key);
    QCOMPARE(first.status, 202);
    waitForStatus(id, QStringLiteral("COMPLETED"));

    // Fields in another order, the key unquoted: the same request, the same key.
    const QByteArray reordered = R"({"params":{"steps":4,"duration_s":0.2},"kind":"demo.sleep"})";
    second = m_http->post(QStringLiteral("/api/v1/jobs"), reordered, "application/json",
                          {{"Idempotency-Key", "http-key-1"}});
    QCOMPARE(second.status, 202);
    QCOMPARE(second.header("Idempotent-Replayed"), QByteArray("true"));
    QCOMPARE(second.header("Location"), first.header("Location"));
    QCOMPARE(second.header("ETag"), first.header("ETag"));
    QCOMPARE(second.body, first.body); // as first sent, though the job has completed since
    QCOMPARE(second.json().value("status").toString(), first.json().value("status").toString());

    submit(sleepJob(9), &other, key);
    verifyProblem(other, 422);
    QCOMPARE(other.json().value("errors").toArray().first().toObject().value("field").toString(),
             QStringLiteral("Idempotency-Key"));

    HttpReply bad;
    submit(sleepJob(1), &bad, {{"Idempotency-Key", QByteArray(300, 'k')}});
    verifyProblem(bad, 400);
}

void tst_HttpApi::idempotencyKeyIsSharedWithZeroMq()
{
    ControlTestClient control(m_backend->controlEndpoint(), m_backend->token());
    const QJsonObject fields = sleepJob(0.2);
    QJsonObject withKey = fields;
    withKey.insert("idempotency_key", "shared-key");
    const QJsonObject first = control.request("submit", withKey);
    QVERIFY2(first.value("ok").toBool(), toJson(first).constData());
    const QString id = first.value("job").toObject().value("id").toString();
    QVERIFY(!first.contains("replayed"));

    // A Lazy Pirate resend gets the same job.
    const QJsonObject resent = control.request("submit", withKey);
    QVERIFY(resent.value("ok").toBool());
    QVERIFY(resent.value("replayed").toBool());
    QCOMPARE(resent.value("job").toObject(), first.value("job").toObject());

    // The same key over HTTP: the same job.
    HttpReply reply;
    QCOMPARE(submit(fields, &reply, {{"Idempotency-Key", "shared-key"}}), id);
    QCOMPARE(reply.header("Idempotent-Replayed"), QByteArray("true"));

    // Another request under that key: the same code as HTTP's 422.
    QJsonObject other = sleepJob(3);
    other.insert("idempotency_key", "shared-key");
    const QJsonObject refused = control.request("submit", other);
    QVERIFY(!refused.value("ok").toBool());
    QCOMPARE(refused.value("error").toObject().value("code").toString(),
             QStringLiteral("invalid_params"));
    waitForStatus(id, QStringLiteral("COMPLETED"));
}

void tst_HttpApi::conditionalPolls()
{
    const QString id = submit(sleepJob(1.5, {{"steps", 3}}));
    const HttpReply first = m_http->get("/api/v1/jobs/" + id);
    QCOMPARE(first.status, 200);
    const QByteArray etag = first.header("ETag");
    QVERIFY(etag.startsWith("\"r"));
    QVERIFY(first.header("Retry-After").toInt() >= 1);

    const HttpReply same = m_http->get("/api/v1/jobs/" + id, {{"If-None-Match", etag}});
    if (same.status == 304) { // unless the job moved in between
        QCOMPARE(same.header("ETag"), etag);
        QVERIFY(same.body.isEmpty());
        QVERIFY(same.header("Retry-After").toInt() >= 1);
    }
    const HttpReply weak = m_http->get("/api/v1/jobs/" + id, {{"If-None-Match", "W/" + etag}});
    QVERIFY(weak.status == 304 || weak.header("ETag") != etag);
    const HttpReply stale = m_http->get("/api/v1/jobs/" + id, {{"If-None-Match", "\"r0\""}});
    QCOMPARE(stale.status, 200);

    const QJsonObject done = waitForStatus(id, QStringLiteral("COMPLETED"));
    QCOMPARE(done.value("status").toString(), QStringLiteral("COMPLETED"));
    const HttpReply terminal = m_http->get("/api/v1/jobs/" + id);
    QVERIFY(terminal.header("Retry-After").isEmpty()); // nothing more to wait for
    const HttpReply unchanged =
        m_http->get("/api/v1/jobs/" + id, {{"If-None-Match", terminal.header("ETag")}});
    QCOMPARE(unchanged.status, 304);
}

void tst_HttpApi::longPollAnswersAtOnceWhenBehindOrTerminal()
{
    const QString id = submit(sleepJob(0.1));
    waitForStatus(id, QStringLiteral("COMPLETED"));
    QElapsedTimer timer;
    timer.start();
    const HttpReply terminal = m_http->get("/api/v1/jobs/" + id + "?wait=30");
    QCOMPARE(terminal.status, 200);
    const HttpReply current = m_http->get("/api/v1/jobs/" + id + "?wait=30",
                                          {{"If-None-Match", terminal.header("ETag")}});
    QCOMPARE(current.status, 304); // terminal: at once, even when current
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));

    const QString running = submit(sleepJob(3));
    timer.restart();
    const HttpReply behind =
        m_http->get("/api/v1/jobs/" + running + "?wait=30", {{"If-None-Match", "\"r1\""}});
    QCOMPARE(behind.status, 200);
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    m_http->post("/api/v1/jobs/" + running + "/cancel", {});
}

void tst_HttpApi::longPollWakesOnTheChange()
{
    // One worker, kept busy: the second job stays PENDING until cancelled.
    const QString blocker = submit(sleepJob(20));
    const QString queued = submit(sleepJob(1));
    const HttpReply now = m_http->get("/api/v1/jobs/" + queued);
    QCOMPARE(now.json().value("status").toString(), QStringLiteral("PENDING"));

    QNetworkAccessManager nam;
    QNetworkRequest request(QUrl(m_backend->httpBase() + "/api/v1/jobs/" + queued + "?wait=30"));
    request.setRawHeader("Authorization", "Bearer " + m_backend->token().toUtf8());
    request.setRawHeader("If-None-Match", now.header("ETag"));
    QElapsedTimer clock;
    clock.start();
    QNetworkReply *poll = nam.get(request);
    qint64 polledAt = -1;
    connect(poll, &QNetworkReply::finished, this, [&] { polledAt = clock.elapsed(); });
    QTest::qWait(300);
    QCOMPARE(polledAt, qint64(-1)); // still waiting

    const HttpReply cancelled = m_http->post("/api/v1/jobs/" + queued + "/cancel", {});
    const qint64 cancelledAt = clock.elapsed();
    QCOMPARE(cancelled.status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(polledAt >= 0, 5000);
    // Woken by the commit that answered the cancel: within milliseconds of it.
    qInfo() << "long poll answered" << (polledAt - cancelledAt) << "ms after the cancel's answer";
    QVERIFY2(polledAt - cancelledAt < 300, qPrintable(QString::number(polledAt - cancelledAt)));
    QCOMPARE(poll->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const QJsonObject job = QJsonDocument::fromJson(poll->readAll()).object();
    QCOMPARE(job.value("status").toString(), QStringLiteral("CANCELLED"));
    poll->deleteLater();
    m_http->post("/api/v1/jobs/" + blocker + "/cancel", {});
}

void tst_HttpApi::longPollTimesOut_data()
{
    QTest::addColumn<bool>("withETag");
    QTest::addColumn<int>("status");
    QTest::newRow("with If-None-Match: 304") << true << 304;
    QTest::newRow("without: 200") << false << 200;
}

void tst_HttpApi::longPollTimesOut()
{
    QFETCH(bool, withETag);
    QFETCH(int, status);
    const QString blocker = submit(sleepJob(20));
    const QString queued = submit(sleepJob(1));
    const QByteArray etag = m_http->get("/api/v1/jobs/" + queued).header("ETag");
    QElapsedTimer timer;
    timer.start();
    QList<QPair<QByteArray, QByteArray>> headers;
    if (withETag)
        headers.append({"If-None-Match", etag});
    const HttpReply reply = m_http->get("/api/v1/jobs/" + queued + "?wait=1", headers);
    const qint64 took = timer.elapsed();
    QCOMPARE(reply.status, status);
    QCOMPARE(reply.header("ETag"), etag);
    QVERIFY(reply.header("Retry-After").toInt() >= 1);
    QVERIFY2(took >= 950 && took < 3000, qPrintable(QString::number(took)));
    m_http->post("/api/v1/jobs/" + queued + "/cancel", {});
    m_http->post("/api/v1/jobs/" + blocker + "/cancel", {});
}

void tst_HttpApi::resultWithRanges()
{
    const QString id = submit(sleepJob(0.1));
    const HttpReply early = m_http->get("/api/v1/jobs/" + id + "/result");
    if (early.status != 200) // unless it was already done
        verifyProblem(early, 409);
    const QJsonObject done = waitForStatus(id, QStringLiteral("COMPLETED"));
    const QJsonObject info = done.value("result").toObject();

    const HttpReply whole = m_http->get("/api/v1/jobs/" + id + "/result");
    QCOMPARE(whole.status, 200);
    QCOMPARE(whole.header("Content-Type"), info.value("content_type").toString().toLatin1());
    QVERIFY(whole.header("Content-Disposition").startsWith("attachment; filename=\"result.json\""));
    QCOMPARE(whole.header("ETag"), "\"" + sha256Hex(whole.body) + "\"");
    QCOMPARE(whole.header("ETag"), "\"" + info.value("sha256").toString().toLatin1() + "\"");
    QCOMPARE(whole.header("Accept-Ranges"), QByteArray("bytes"));
    QCOMPARE(whole.body.size(), info.value("size").toInteger());
    const QByteArray etag = whole.header("ETag");

    const HttpReply part = m_http->get("/api/v1/jobs/" + id + "/result", {{"Range", "bytes=2-6"}});
    QCOMPARE(part.status, 206);
    QCOMPARE(part.body, whole.body.mid(2, 5));
    QCOMPARE(part.header("Content-Range"), "bytes 2-6/" + QByteArray::number(whole.body.size()));

    const HttpReply tail = m_http->get("/api/v1/jobs/" + id + "/result", {{"Range", "bytes=-3"}});
    QCOMPARE(tail.status, 206);
    QCOMPARE(tail.body, whole.body.right(3));

    const HttpReply beyond =
        m_http->get("/api/v1/jobs/" + id + "/result", {{"Range", "bytes=100000-"}});
    verifyProblem(beyond, 416);
    QCOMPARE(beyond.header("Content-Range"), "bytes */" + QByteArray::number(whole.body.size()));

    const HttpReply stale = m_http->get("/api/v1/jobs/" + id + "/result",
                                        {{"Range", "bytes=0-1"}, {"If-Range", "\"other\""}});
    QCOMPARE(stale.status, 200);
    QCOMPARE(stale.body, whole.body);
    const HttpReply fresh =
        m_http->get("/api/v1/jobs/" + id + "/result", {{"Range", "bytes=0-1"}, {"If-Range", etag}});
    QCOMPARE(fresh.status, 206);
    const HttpReply cached =
        m_http->get("/api/v1/jobs/" + id + "/result", {{"If-None-Match", etag}});
    QCOMPARE(cached.status, 304);

    const HttpReply unknown =
        m_http->get("/api/v1/jobs/0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b/result");
    verifyProblem(unknown, 404);
}

void tst_HttpApi::retryRedrivesAFailedJob()
{
    const QString id = submit(sleepJob(0.2, {{"fail_at", 50}}, {{"max_attempts", 1}}));
    const QJsonObject failed = waitForStatus(id, QStringLiteral("FAILED"));
    QCOMPARE(failed.value("status").toString(), QStringLiteral("FAILED"));
    QVERIFY(failed.value("dead_letter").toBool());

    const HttpReply retried = m_http->post("/api/v1/jobs/" + id + "/retry", {});
    QCOMPARE(retried.status, 202);
    QCOMPARE(retried.header("Location"), ("/api/v1/jobs/" + id).toLatin1());
    QVERIFY(!retried.header("ETag").isEmpty());
    QVERIFY(
        QStringList({"PENDING", "PROCESSING"}).contains(retried.json().value("status").toString()));
    waitForStatus(id, QStringLiteral("FAILED"));

    const QString ok = submit(sleepJob(0.1));
    waitForStatus(ok, QStringLiteral("COMPLETED"));
    verifyProblem(m_http->post("/api/v1/jobs/" + ok + "/retry", {}), 409);
    verifyProblem(m_http->post("/api/v1/jobs/" + ok + "/cancel", {}), 409);
    verifyProblem(m_http->post("/api/v1/jobs/0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b/retry", {}), 404);
}

void tst_HttpApi::eventsTimeline()
{
    const QString id = submit(sleepJob(0.1));
    waitForStatus(id, QStringLiteral("COMPLETED"));
    const HttpReply reply = m_http->get("/api/v1/jobs/" + id + "/events");
    QCOMPARE(reply.status, 200);
    const QJsonArray items = reply.json().value("items").toArray();
    QVERIFY(items.size() >= 3);
    for (int i = 0; i < items.size(); ++i) {
        const QJsonObject e = items.at(i).toObject();
        QCOMPARE(e.value("seq").toInt(), i + 1);
        QVERIFY(!e.value("at").toString().isEmpty());
        QCOMPARE(e.value("type").toString(), QStringLiteral("state"));
    }
    QCOMPARE(items.last().toObject().value("to").toString(), QStringLiteral("COMPLETED"));
}

void tst_HttpApi::readinessAndMetricsWithoutToken()
{
    HttpTestClient anonymous(m_backend->httpBase());
    QTRY_COMPARE_WITH_TIMEOUT(anonymous.get("/readyz").status, 200, 10000);
    const HttpReply ready = anonymous.get("/readyz");
    QCOMPARE(ready.json().value("status").toString(), QStringLiteral("ready"));
    QVERIFY(ready.json().value("workers_ready").toInt() >= 1);

    const HttpReply metrics = anonymous.get("/metrics");
    QCOMPARE(metrics.status, 200);
    QVERIFY(metrics.header("Content-Type").startsWith("text/plain; version=0.0.4"));
    for (const char *expected :
         {"# TYPE jobdesk_jobs_submitted_total counter",
          "jobdesk_jobs_submitted_total{kind=\"demo.sleep\"}",
          "jobdesk_jobs_finished_total{kind=\"demo.sleep\",status=\"COMPLETED\"}",
          "# TYPE jobdesk_queue_depth gauge", "jobdesk_queue_depth ",
          "# TYPE jobdesk_workers_busy gauge", "# TYPE jobdesk_job_duration_seconds histogram",
          "jobdesk_job_duration_seconds_bucket{le=\"+Inf\"}",
          "jobdesk_http_requests_total{route=\"/api/v1/jobs\",code=\"202\"}",
          "jobdesk_http_requests_total{route=\"/api/v1/jobs/{id}\",code=\"304\"}",
          "# TYPE jobdesk_http_request_duration_seconds histogram"}) {
        QVERIFY2(metrics.body.contains(expected), expected);
    }
    verifyProblem(anonymous.get("/api/v1/stats"), 401);
    QCOMPARE(anonymous.get("/api/v1/stats").header("WWW-Authenticate"),
             QByteArray("Bearer realm=\"jobdesk\""));
}

void tst_HttpApi::openApiServed()
{
    const HttpReply reply = m_http->get("/api/v1/openapi.json");
    QCOMPARE(reply.status, 200);
    QVERIFY(reply.header("Content-Type").startsWith("application/json"));
    const QJsonObject doc = reply.json();
    QCOMPARE(doc.value("openapi").toString(), QStringLiteral("3.1.0"));
    QVERIFY(doc.value("paths").toObject().contains("/api/v1/jobs/{id}"));
}

void tst_HttpApi::problems_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("field"); // the field named in `errors`, if any

    const QString jobs = QStringLiteral("/api/v1/jobs");
    const QByteArray json = "application/json";
    QTest::newRow("malformed JSON")
        << QByteArray("POST") << jobs << QByteArray("{\"kind\":") << json << 400 << QString();
    QTest::newRow("deep nesting") << QByteArray("POST") << jobs
                                  << QByteArray(200, '[') + QByteArray(200, ']') << json << 400
                                  << QString();
    QTest::newRow("invalid UTF-8")
        << QByteArray("POST") << jobs << QByteArray("{\"kind\":\"demo.sleep\xff\"}") << json << 400
        << QString();
    QTest::newRow("not an object")
        << QByteArray("POST") << jobs << QByteArray("[1]") << json << 400 << QString();
    QTest::newRow("wrong type") << QByteArray("POST") << jobs
                                << QByteArray(R"({"kind":"demo.sleep","priority":"high"})") << json
                                << 422 << QStringLiteral("priority");
    QTest::newRow("unknown field")
        << QByteArray("POST") << jobs << QByteArray(R"({"kind":"demo.sleep","colour":"red"})")
        << json << 422 << QStringLiteral("colour");
    QTest::newRow("unknown kind") << QByteArray("POST") << jobs
                                  << QByteArray(R"({"kind":"no.such"})") << json << 422
                                  << QStringLiteral("kind");
    QTest::newRow("invalid params")
        << QByteArray("POST") << jobs << QByteArray(R"({"kind":"demo.sleep","params":{"steps":0}})")
        << json << 422 << QStringLiteral("params.steps");
    QTest::newRow("callback not allowed")
        << QByteArray("POST") << jobs
        << QByteArray(R"({"kind":"demo.sleep","callback_url":"http://example.com/h"})") << json
        << 422 << QStringLiteral("callback_url");
    QTest::newRow("callback to metadata")
        << QByteArray("POST") << jobs
        << QByteArray(R"({"kind":"demo.sleep","callback_url":"http://169.254.169.254/"})") << json
        << 422 << QStringLiteral("callback_url");
    QTest::newRow("form body") << QByteArray("POST") << jobs << QByteArray("kind=demo.sleep")
                               << QByteArray("application/x-www-form-urlencoded") << 415
                               << QString();
    QTest::newRow("wait over 60") << QByteArray("GET")
                                  << "/api/v1/jobs/0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b?wait=61"
                                  << QByteArray() << QByteArray() << 400 << QStringLiteral("wait");
    QTest::newRow("wait not a number")
        << QByteArray("GET") << "/api/v1/jobs/0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b?wait=soon"
        << QByteArray() << QByteArray() << 400 << QStringLiteral("wait");
    QTest::newRow("unknown query parameter")
        << QByteArray("GET") << "/api/v1/jobs/0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b?fields=all"
        << QByteArray() << QByteArray() << 400 << QStringLiteral("fields");
    QTest::newRow("unknown job") << QByteArray("GET")
                                 << "/api/v1/jobs/0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b"
                                 << QByteArray() << QByteArray() << 404 << QString();
    QTest::newRow("id not a uuid") << QByteArray("GET") << "/api/v1/jobs/42" << QByteArray()
                                   << QByteArray() << 400 << QStringLiteral("id");
    QTest::newRow("method not allowed")
        << QByteArray("DELETE") << jobs << QByteArray() << QByteArray() << 405 << QString();
}

void tst_HttpApi::problems()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(int, status);
    QFETCH(QString, field);
    HttpReply reply;
    if (method == "GET") {
        reply = m_http->get(path);
    } else if (method == "POST") {
        reply = m_http->post(path, body, contentType);
    } else {
        QNetworkAccessManager nam;
        QNetworkRequest request(QUrl(m_backend->httpBase() + path));
        request.setRawHeader("Authorization", "Bearer " + m_backend->token().toUtf8());
        QNetworkReply *r = nam.deleteResource(request);
        QTRY_VERIFY(r->isFinished());
        reply.status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        reply.body = r->readAll();
        reply.headers = r->rawHeaderPairs();
        delete r;
        QVERIFY(reply.header("Allow").contains("POST"));
    }
    verifyProblem(reply, status);
    if (!field.isEmpty()) {
        QStringList fields;
        for (const QJsonValue &e : reply.json().value("errors").toArray())
            fields << e.toObject().value("field").toString();
        QVERIFY2(fields.contains(field), qPrintable(fields.join(',')));
    }
    QCOMPARE(m_http->get(QStringLiteral("/healthz")).status, 200);
}

void tst_HttpApi::rawProblems_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    const QByteArray auth = "Authorization: Bearer TOKEN\r\n";
    QTest::newRow("body over 1 MiB, refused at header time")
        << "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\n" + auth +
               "Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n"
        << 413;
    QTest::newRow("header over 16 KiB")
        << "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(20000, 'a') + "\r\n\r\n"
        << 431;
    QTest::newRow("dot segments") << "GET /api/v1/jobs/../kinds HTTP/1.1\r\nHost: x\r\n" + auth +
                                         "\r\n"
                                  << 404;
    QTest::newRow("encoded slash in the id")
        << "GET /api/v1/jobs/..%2Fkinds HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"
        << 400;
    QTest::newRow("encoded NUL after the id")
        << "GET /api/v1/jobs/0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b%00 HTTP/1.1\r\nHost: x\r\n" +
               auth + "\r\n"
        << 400;
    QTest::newRow("double slash") << "GET /api/v1//jobs HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"
                                  << 404;
    QTest::newRow("not HTTP") << QByteArray("HELLO\r\n\r\n") << 400;
}

void tst_HttpApi::rawProblems()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    request.replace("TOKEN", m_backend->token().toUtf8());
    const auto [code, body] = rawExchange(port(), request);
    QCOMPARE(code, status);
    const QJsonObject problem = QJsonDocument::fromJson(body).object();
    QCOMPARE(problem.value("status").toInt(), status);
    QVERIFY(!problem.value("detail").toString().isEmpty());
    QCOMPARE(m_http->get(QStringLiteral("/healthz")).status, 200);
}

void tst_HttpApi::idempotencyAcrossARestart()
{
    BackendProcess backend;
    QVERIFY2(backend.start(1), qPrintable(backend.errorText()));
    const QList<QPair<QByteArray, QByteArray>> key = {{"Idempotency-Key", "restart-key"}};
    HttpReply first;
    {
        HttpTestClient http(backend.httpBase(), backend.token());
        first = http.post("/api/v1/jobs", toJson(sleepJob(30)), "application/json", key);
        QCOMPARE(first.status, 202);
    }
    backend.kill(); // no goodbye: the key must already be on disk
    QVERIFY2(backend.start(1), qPrintable(backend.errorText()));
    HttpTestClient http(backend.httpBase(), backend.token());
    const HttpReply again =
        http.post("/api/v1/jobs", toJson(sleepJob(30)), "application/json", key);
    QCOMPARE(again.status, 202);
    QCOMPARE(again.header("Idempotent-Replayed"), QByteArray("true"));
    QCOMPARE(again.body, first.body);
    QCOMPARE(again.header("Location"), first.header("Location"));
    QCOMPARE(backend.stop(), 0);
}

void tst_HttpApi::pollsAreRateLimitedWhenAsked()
{
    BackendProcess backend;
    // One poll in two seconds, a burst of one: at least five of ten are
    // refused unless the ten take eight seconds, however slow the machine.
    QVERIFY2(backend.start(1, {"--poll-rate-limit", "0.5"}), qPrintable(backend.errorText()));
    HttpTestClient http(backend.httpBase(), backend.token());
    const QString id = http.post("/api/v1/jobs", toJson(sleepJob(0.1)), "application/json")
                           .json()
                           .value("id")
                           .toString();
    QVERIFY(!id.isEmpty());
    int limited = 0;
    HttpReply refused;
    for (int i = 0; i < 10; ++i) {
        const HttpReply r = http.get("/api/v1/jobs/" + id);
        if (r.status == 429) {
            ++limited;
            refused = r;
        } else {
            QCOMPARE(r.status, 200);
        }
    }
    QVERIFY2(limited >= 5, qPrintable(QString::number(limited)));
    verifyProblem(refused, 429);
    QVERIFY(refused.header("Retry-After").toInt() >= 1);
    // Only polls are limited.
    QCOMPARE(http.get("/healthz").status, 200);
    QCOMPARE(http.get("/api/v1/kinds").status, 200);
    QCOMPARE(backend.stop(), 0);

    // Off by default: the main backend never limits.
    for (int i = 0; i < 20; ++i)
        QCOMPARE(m_http->get("/api/v1/jobs?limit=1").status, 200);
}

void tst_HttpApi::fullQueueAnswers503()
{
    BackendProcess backend;
    QVERIFY2(backend.start(1, {"--max-pending", "1"}), qPrintable(backend.errorText()));
    HttpTestClient http(backend.httpBase(), backend.token());
    // The first runs (not pending), the second waits, the third finds the queue full.
    const QString running = http.post("/api/v1/jobs", toJson(sleepJob(30)), "application/json")
                                .json()
                                .value("id")
                                .toString();
    QTRY_COMPARE_WITH_TIMEOUT(http.get("/api/v1/jobs/" + running).json().value("status").toString(),
                              QStringLiteral("PROCESSING"), 10000);
    QCOMPARE(http.post("/api/v1/jobs", toJson(sleepJob(1)), "application/json").status, 202);
    const HttpReply full = http.post("/api/v1/jobs", toJson(sleepJob(1)), "application/json");
    verifyProblem(full, 503);
    QVERIFY(full.header("Retry-After").toInt() >= 1);
    QVERIFY(full.json().value("detail").toString().contains("max-pending"));
    QCOMPARE(backend.stop(), 0);
}

void tst_HttpApi::nonLoopbackWithoutAuthRefused_data()
{
    QTest::addColumn<QString>("listen");
    QTest::newRow("all IPv4 interfaces") << QStringLiteral("0.0.0.0:0");
    QTest::newRow("all IPv6 interfaces") << QStringLiteral("[::]:0");
}

void tst_HttpApi::nonLoopbackWithoutAuthRefused()
{
    QFETCH(QString, listen);
    QTemporaryDir dir;
    QProcess p;
    p.start(BackendProcess::program("jobdeskd"),
            {"--no-auth", "--http-listen", listen, "--data-dir", dir.path(), "--control",
             "tcp://127.0.0.1:0", "--events", "tcp://127.0.0.1:0"});
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(p.readAllStandardError().contains("--no-auth"));
}

QTEST_MAIN(tst_HttpApi)
#include "tst_httpapi.moc"
