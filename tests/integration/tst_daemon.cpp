// The real jobdeskd, end to end: HTTP and ZeroMQ submit, poll, events,
// cancel, results, auth, bad input, restarts.

#include "backendprocess.h"
#include "controltestclient.h"
#include "httptestclient.h"

#include <QCryptographicHash>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTest>

#include <csignal>

using namespace std::chrono_literals;

class tst_Daemon : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void helpAndVersion();
    void allocatesWithJemalloc();
    void badFlagsExitTwo_data();
    void badFlagsExitTwo();
    void httpSubmitPollDownload();
    void endedJobKeepsItsLastReport_data();
    void endedJobKeepsItsLastReport();
    void conditionalGet();
    void zmqSubmitStatusList();
    void eventsHaveConsecutiveSeq();
    void cancelRunningJob();
    void cancelPendingJobAtOnce();
    void cancelFinishedJobConflicts();
    void unauthorized();
    void secondDaemonRefused();
    void badHttpInput_data();
    void badHttpInput();
    void badControlInput();
    void jobsSurviveRestart();
    void ownDataIsNeverAnInput();

private:
    QString submitHttp(const QJsonObject &body, HttpReply *replyOut = nullptr);
    QString statusOf(const QString &id);

    std::unique_ptr<BackendProcess> m_backend;
    std::unique_ptr<HttpTestClient> m_http;
};

namespace {

QByteArray toJson(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonObject sleepJob(double seconds, int steps = 4, QJsonObject extra = {})
{
    QJsonObject params{{QStringLiteral("duration_s"), seconds}, {QStringLiteral("steps"), steps}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        params.insert(it.key(), it.value());
    return QJsonObject{{QStringLiteral("kind"), QStringLiteral("demo.sleep")},
                       {QStringLiteral("params"), params}};
}

// Child processes of this test process that are still alive.
QStringList childProcesses()
{
    QStringList found;
    const QString self = QString::number(QCoreApplication::applicationPid());
    for (const QString &pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        const int close = line.lastIndexOf(')');
        const QList<QByteArray> fields = line.mid(close + 2).split(' ');
        if (fields.size() > 1 && fields.at(1) == self.toUtf8() && fields.at(0) != "Z")
            found.append(pid + QLatin1Char(' ') + QString::fromUtf8(line.mid(0, close + 1)));
    }
    return found;
}

} // namespace

void tst_Daemon::initTestCase()
{
    m_backend = std::make_unique<BackendProcess>();
    QVERIFY2(m_backend->start(2), qPrintable(m_backend->errorText()));
    QVERIFY(!m_backend->token().isEmpty());
    m_http = std::make_unique<HttpTestClient>(m_backend->httpBase(), m_backend->token());
}

void tst_Daemon::cleanupTestCase()
{
    m_http.reset();
    if (m_backend)
        QCOMPARE(m_backend->stop(), 0);
    m_backend.reset();
    QTRY_VERIFY2_WITH_TIMEOUT(childProcesses().isEmpty(),
                              qPrintable(childProcesses().join(QLatin1Char('\n'))), 5000);
}

QString tst_Daemon::submitHttp(const QJsonObject &body, HttpReply *replyOut)
{
    const HttpReply reply = m_http->post(QStringLiteral("/api/v1/jobs"), toJson(body));
    if (replyOut)
        *replyOut = reply;
    return reply.json().value(QStringLiteral("id")).toString();
}

QString tst_Daemon::statusOf(const QString &id)
{
    return m_http->get(QStringLiteral("/api/v1/jobs/") + id).json().value(QStringLiteral("status")).toString();
}

void tst_Daemon::helpAndVersion()
{
    for (const QString &program : {QStringLiteral("jobdeskd"), QStringLiteral("jobdesk-worker")}) {
        QProcess p;
        p.start(BackendProcess::program(program), {QStringLiteral("--version")});
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(p.readAllStandardOutput().contains(program.toUtf8()));
        p.start(BackendProcess::program(program), {QStringLiteral("--help")});
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(p.readAllStandardOutput().contains("--"));
    }
}

void tst_Daemon::allocatesWithJemalloc()
{
#ifndef JOBDESK_JEMALLOC
    QSKIP("built with JOBDESK_JEMALLOC off");
#endif
    // A linker that drops libraries nothing names would silently leave
    // jobdeskd on glibc's malloc, at a fifth more CPU per job.
    QFile maps(QStringLiteral("/proc/%1/maps").arg(m_backend->pid()));
    QVERIFY(maps.open(QIODevice::ReadOnly));
    QVERIFY(maps.readAll().contains("/libjemalloc.so"));
}

void tst_Daemon::badFlagsExitTwo_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("unknown flag") << QStringList{QStringLiteral("--frobnicate")} << QStringLiteral("frobnicate");
    QTest::newRow("workers not a number")
        << QStringList{QStringLiteral("--workers"), QStringLiteral("many")} << QStringLiteral("--workers");
    QTest::newRow("worker-nice above 19")
        << QStringList{QStringLiteral("--worker-nice"), QStringLiteral("20")} << QStringLiteral("--worker-nice");
    QTest::newRow("worker-nice below 0")
        << QStringList{QStringLiteral("--worker-nice"), QStringLiteral("-1")} << QStringLiteral("--worker-nice");
    QTest::newRow("listen without port")
        << QStringList{QStringLiteral("--http-listen"), QStringLiteral("127.0.0.1")} << QStringLiteral("--http-listen");
    QTest::newRow("bad endpoint")
        << QStringList{QStringLiteral("--control"), QStringLiteral("udp://x")} << QStringLiteral("--control");
    QTest::newRow("no-auth on all interfaces")
        << QStringList{QStringLiteral("--no-auth"), QStringLiteral("--http-listen"), QStringLiteral("0.0.0.0:0")}
        << QStringLiteral("--no-auth");
    QTest::newRow("missing config file")
        << QStringList{QStringLiteral("--config"), QStringLiteral("/nonexistent/jobdeskd.conf")}
        << QStringLiteral("--config");
}

void tst_Daemon::badFlagsExitTwo()
{
    QFETCH(QStringList, args);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    QProcess p;
    p.start(BackendProcess::program(QStringLiteral("jobdeskd")),
            QStringList{QStringLiteral("--data-dir"), dir.path()} + args);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 2);
    const QByteArray err = p.readAllStandardError();
    QVERIFY2(err.contains(mentions.toUtf8()), err.constData());
}

void tst_Daemon::httpSubmitPollDownload()
{
    HttpReply accepted;
    const QString id = submitHttp(sleepJob(0.3, 3), &accepted);
    QCOMPARE(accepted.status, 202);
    QCOMPARE(accepted.header("Location"), (QStringLiteral("/api/v1/jobs/") + id).toUtf8());
    QVERIFY(!accepted.header("Retry-After").isEmpty());
    QVERIFY(accepted.header("Content-Type").startsWith("application/json"));
    const QJsonObject job = accepted.json();
    QCOMPARE(job.value(QStringLiteral("kind")).toString(), QStringLiteral("demo.sleep"));
    QCOMPARE(job.value(QStringLiteral("attempt")).toInt() <= 1, true);
    QVERIFY(job.value(QStringLiteral("rev")).toInteger() > 0);

    // Follow the Location until the job is done, seeing progress on the way.
    double lastProgress = -1;
    QJsonObject final;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            final = m_http->get(QString::fromUtf8(accepted.header("Location"))).json();
            lastProgress = std::max(lastProgress, final.value(QStringLiteral("progress")).toDouble());
            return final.value(QStringLiteral("status")).toString() == QLatin1String("COMPLETED");
        }(),
        15000);
    QCOMPARE(final.value(QStringLiteral("progress")).toDouble(), 100.0);
    QCOMPARE(final.value(QStringLiteral("attempt")).toInt(), 1);
    QVERIFY(!final.value(QStringLiteral("finished_at")).isNull());
    const QJsonObject result = final.value(QStringLiteral("result")).toObject();
    QCOMPARE(final.value(QStringLiteral("result_url")).toString(),
             QStringLiteral("/api/v1/jobs/%1/result").arg(id));

    const HttpReply download = m_http->get(final.value(QStringLiteral("result_url")).toString());
    QCOMPARE(download.status, 200);
    QCOMPARE(download.body.size(), result.value(QStringLiteral("size")).toInteger());
    QCOMPARE(QString::fromLatin1(QCryptographicHash::hash(download.body, QCryptographicHash::Sha256).toHex()),
             result.value(QStringLiteral("sha256")).toString());
    QCOMPARE(QString::fromUtf8(download.header("Content-Type")),
             result.value(QStringLiteral("content_type")).toString());
    QVERIFY(download.header("Content-Disposition").contains(result.value(QStringLiteral("filename")).toString().toUtf8()));
    QVERIFY(QJsonDocument::fromJson(download.body).isObject());
}

void tst_Daemon::endedJobKeepsItsLastReport_data()
{
    QTest::addColumn<QJsonObject>("body");
    QTest::addColumn<QString>("status");
    QTest::addColumn<double>("progress");
    QTest::addColumn<QString>("message");
    // Within one throttle window: the last report comes with the outcome.
    QTest::newRow("quick") << sleepJob(0, 20) << QStringLiteral("COMPLETED") << 100.0
                           << QStringLiteral("step 20 of 20");
    // Reports on its own first, then the last with the outcome or alone.
    QTest::newRow("slower") << sleepJob(0.7, 7) << QStringLiteral("COMPLETED") << 100.0
                            << QStringLiteral("step 7 of 7");
    // A failed job shows how far it got: the report the worker's throttle
    // held when it failed comes with the failure.
    QJsonObject failingLater = sleepJob(0.5, 10, {{QStringLiteral("fail_at"), 80}});
    failingLater.insert(QStringLiteral("max_attempts"), 1);
    QTest::newRow("failed later") << failingLater << QStringLiteral("FAILED") << 70.0
                                  << QStringLiteral("step 7 of 10");
    QJsonObject failing = sleepJob(0, 4, {{QStringLiteral("fail_at"), 50}});
    failing.insert(QStringLiteral("max_attempts"), 1);
    QTest::newRow("failed") << failing << QStringLiteral("FAILED") << 25.0
                            << QStringLiteral("step 1 of 4");
}

void tst_Daemon::endedJobKeepsItsLastReport()
{
    QFETCH(QJsonObject, body);
    QFETCH(QString, status);
    QFETCH(double, progress);
    QFETCH(QString, message);
    const QString id = submitHttp(body);
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(id), status, 15000);
    const QJsonObject job = m_http->get(QStringLiteral("/api/v1/jobs/") + id).json();
    QCOMPARE(job.value(QStringLiteral("progress")).toDouble(), progress);
    QCOMPARE(job.value(QStringLiteral("message")).toString(), message);
}

void tst_Daemon::conditionalGet()
{
    const QString id = submitHttp(sleepJob(0));
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(id), QStringLiteral("COMPLETED"), 10000);
    const HttpReply first = m_http->get(QStringLiteral("/api/v1/jobs/") + id);
    const QByteArray etag = first.header("ETag");
    QCOMPARE(etag, QByteArray("\"r") + QByteArray::number(first.json().value(QStringLiteral("rev")).toInteger()) + '"');
    const HttpReply again = m_http->get(QStringLiteral("/api/v1/jobs/") + id, {{"If-None-Match", etag}});
    QCOMPARE(again.status, 304);
    QVERIFY(again.body.isEmpty());
    QCOMPARE(again.header("ETag"), etag);
    const HttpReply other = m_http->get(QStringLiteral("/api/v1/jobs/") + id, {{"If-None-Match", "\"r1\""}});
    QCOMPARE(other.status, 200);
    QVERIFY(first.header("Retry-After").isEmpty()); // terminal: nothing to wait for
}

void tst_Daemon::zmqSubmitStatusList()
{
    ControlTestClient control(m_backend->controlEndpoint(), m_backend->token());
    const QJsonObject ping = control.request(QStringLiteral("ping"));
    QVERIFY(ping.value(QStringLiteral("ok")).toBool());
    QCOMPARE(ping.value(QStringLiteral("http")).toString(), m_backend->httpBase());
    QCOMPARE(ping.value(QStringLiteral("events")).toString(), m_backend->eventsEndpoint());
    QVERIFY(ping.value(QStringLiteral("auth_required")).toBool());
    QVERIFY(!ping.value(QStringLiteral("epoch")).toString().isEmpty());

    const QJsonObject before = control.request(QStringLiteral("list"), {{QStringLiteral("changed_since"), 0}, {QStringLiteral("limit"), 1000}});
    QVERIFY(before.value(QStringLiteral("ok")).toBool());
    const qint64 rev = before.value(QStringLiteral("rev")).toInteger();

    QJsonObject submit = sleepJob(0);
    submit.insert(QStringLiteral("priority"), 5);
    const QJsonObject submitted = control.request(QStringLiteral("submit"), submit);
    QVERIFY2(submitted.value(QStringLiteral("ok")).toBool(), toJson(submitted).constData());
    const QJsonObject job = submitted.value(QStringLiteral("job")).toObject();
    const QString id = job.value(QStringLiteral("id")).toString();
    QCOMPARE(job.value(QStringLiteral("priority")).toInt(), 5);
    QCOMPARE(submitted.value(QStringLiteral("id")).toInt() > 0, true); // the request id is echoed

    QTRY_COMPARE_WITH_TIMEOUT(control.request(QStringLiteral("status"), {{QStringLiteral("id"), id}})
                                  .value(QStringLiteral("job")).toObject()
                                  .value(QStringLiteral("status")).toString(),
                              QStringLiteral("COMPLETED"), 10000);

    // The change feed holds the new job, oldest change first, and its rev.
    const QJsonObject changes = control.request(QStringLiteral("list"), {{QStringLiteral("changed_since"), rev}});
    QVERIFY(changes.value(QStringLiteral("ok")).toBool());
    bool seen = false;
    qint64 previous = rev;
    for (const QJsonValue &item : changes.value(QStringLiteral("items")).toArray()) {
        const qint64 itemRev = item.toObject().value(QStringLiteral("rev")).toInteger();
        QVERIFY(itemRev > previous);
        previous = itemRev;
        seen |= item.toObject().value(QStringLiteral("id")).toString() == id;
    }
    QVERIFY(seen);
    QCOMPARE(changes.value(QStringLiteral("rev")).toInteger(), previous);
    const QJsonObject none = control.request(QStringLiteral("list"), {{QStringLiteral("changed_since"), previous}});
    QCOMPARE(none.value(QStringLiteral("items")).toArray().size(), 0);
    QCOMPARE(none.value(QStringLiteral("rev")).toInteger(), previous);

    // The filtered list, newest first.
    const QJsonObject completed = control.request(
        QStringLiteral("list"), {{QStringLiteral("status"), QJsonArray{QStringLiteral("COMPLETED")}},
                                 {QStringLiteral("kind"), QStringLiteral("demo.sleep")}});
    QVERIFY(completed.value(QStringLiteral("ok")).toBool());
    const QJsonArray items = completed.value(QStringLiteral("items")).toArray();
    QVERIFY(!items.isEmpty());
    QCOMPARE(items.first().toObject().value(QStringLiteral("id")).toString(), id);
    for (const QJsonValue &item : items)
        QCOMPARE(item.toObject().value(QStringLiteral("status")).toString(), QStringLiteral("COMPLETED"));

    const QJsonObject kinds = control.request(QStringLiteral("kinds"));
    QCOMPARE(kinds.value(QStringLiteral("kinds")).toArray().first().toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("demo.sleep"));
    const QJsonObject stats = control.request(QStringLiteral("stats"));
    QCOMPARE(stats.value(QStringLiteral("workers")).toObject().value(QStringLiteral("total")).toInt(), 2);
    QVERIFY(stats.value(QStringLiteral("counts")).toObject().value(QStringLiteral("COMPLETED")).toInt() >= 1);

    const QJsonObject events = control.request(QStringLiteral("events"), {{QStringLiteral("id"), id}});
    QVERIFY(events.value(QStringLiteral("items")).toArray().size() >= 3); // PENDING, PROCESSING, COMPLETED
}

void tst_Daemon::eventsHaveConsecutiveSeq()
{
    EventTestSubscriber sub(m_backend->eventsEndpoint());
    // PUB/SUB joins asynchronously: publish until the subscription is live.
    QString id;
    std::optional<EventTestSubscriber::Event> first;
    for (int i = 0; i < 50 && !first; ++i) {
        id = submitHttp(sleepJob(0.2, 2));
        first = sub.next(200ms);
    }
    QVERIFY(first);
    qint64 seq = first->body.value(QStringLiteral("seq")).toInteger();
    const QString epoch = first->body.value(QStringLiteral("epoch")).toString();
    QVERIFY(!epoch.isEmpty());

    bool completed = false;
    while (!completed) {
        const auto event = sub.next(10s);
        QVERIFY2(event, "no job.completed within 10 s");
        QVERIFY(event->topic.startsWith(QLatin1String("job.")));
        QCOMPARE(event->body.value(QStringLiteral("seq")).toInteger(), seq + 1);
        QCOMPARE(event->body.value(QStringLiteral("epoch")).toString(), epoch);
        seq = event->body.value(QStringLiteral("seq")).toInteger();
        const QJsonObject job = event->body.value(QStringLiteral("job")).toObject();
        if (event->topic == QLatin1String("job.completed") &&
            job.value(QStringLiteral("id")).toString() == id) {
            QCOMPARE(job.value(QStringLiteral("status")).toString(), QStringLiteral("COMPLETED"));
            completed = true;
        }
    }
}

void tst_Daemon::cancelRunningJob()
{
    const QString id = submitHttp(sleepJob(30, 300));
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(id), QStringLiteral("PROCESSING"), 10000);
    const HttpReply cancel = m_http->post(QStringLiteral("/api/v1/jobs/%1/cancel").arg(id), {});
    QCOMPARE(cancel.status, 202);
    QCOMPARE(cancel.json().value(QStringLiteral("cancel_requested")).toBool(), true);
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(id), QStringLiteral("CANCELLED"), 5000);
    // Cancel is idempotent once cancelled.
    const HttpReply again = m_http->post(QStringLiteral("/api/v1/jobs/%1/cancel").arg(id), {});
    QCOMPARE(again.status, 200);
    QCOMPARE(again.json().value(QStringLiteral("status")).toString(), QStringLiteral("CANCELLED"));
}

void tst_Daemon::cancelPendingJobAtOnce()
{
    // Two long jobs occupy both workers; the third waits and is cancelled at once.
    const QString a = submitHttp(sleepJob(30, 300));
    const QString b = submitHttp(sleepJob(30, 300));
    const QString c = submitHttp(sleepJob(30, 300));
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(b), QStringLiteral("PROCESSING"), 10000);
    QCOMPARE(statusOf(c), QStringLiteral("PENDING"));
    const HttpReply cancel = m_http->post(QStringLiteral("/api/v1/jobs/%1/cancel").arg(c), {});
    QCOMPARE(cancel.status, 200);
    QCOMPARE(cancel.json().value(QStringLiteral("status")).toString(), QStringLiteral("CANCELLED"));
    for (const QString &id : {a, b}) {
        QCOMPARE(m_http->post(QStringLiteral("/api/v1/jobs/%1/cancel").arg(id), {}).status, 202);
        QTRY_COMPARE_WITH_TIMEOUT(statusOf(id), QStringLiteral("CANCELLED"), 5000);
    }
}

void tst_Daemon::cancelFinishedJobConflicts()
{
    const QString id = submitHttp(sleepJob(0));
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(id), QStringLiteral("COMPLETED"), 10000);
    const HttpReply cancel = m_http->post(QStringLiteral("/api/v1/jobs/%1/cancel").arg(id), {});
    QCOMPARE(cancel.status, 409);
    QVERIFY(cancel.header("Content-Type").startsWith("application/problem+json"));
    QCOMPARE(statusOf(id), QStringLiteral("COMPLETED"));
}

void tst_Daemon::unauthorized()
{
    HttpTestClient anonymous(m_backend->httpBase());
    const HttpReply denied = anonymous.post(QStringLiteral("/api/v1/jobs"), toJson(sleepJob(0)));
    QCOMPARE(denied.status, 401);
    QVERIFY(denied.header("Content-Type").startsWith("application/problem+json"));
    QCOMPARE(denied.json().value(QStringLiteral("status")).toInt(), 401);
    HttpTestClient wrong(m_backend->httpBase(), QStringLiteral("not-the-token"));
    QCOMPARE(wrong.get(QStringLiteral("/api/v1/jobs")).status, 401);
    QCOMPARE(anonymous.get(QStringLiteral("/healthz")).status, 200);

    ControlTestClient control(m_backend->controlEndpoint());
    const QJsonObject reply = control.request(QStringLiteral("ping"));
    QCOMPARE(reply.value(QStringLiteral("ok")).toBool(true), false);
    QCOMPARE(reply.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
             QStringLiteral("unauthorized"));
}

void tst_Daemon::secondDaemonRefused()
{
    QProcess second;
    second.start(BackendProcess::program(QStringLiteral("jobdeskd")),
                 {QStringLiteral("--data-dir"), m_backend->dataDir(), QStringLiteral("--http-listen"),
                  QStringLiteral("127.0.0.1:0"), QStringLiteral("--control"),
                  QStringLiteral("tcp://127.0.0.1:0"), QStringLiteral("--events"),
                  QStringLiteral("tcp://127.0.0.1:0")});
    QVERIFY(second.waitForFinished(10000));
    QCOMPARE(second.exitCode(), 2);
    QVERIFY(second.readAllStandardError().contains("another jobdeskd"));
    // The first one is unharmed.
    QCOMPARE(m_http->get(QStringLiteral("/healthz")).status, 200);
}

void tst_Daemon::badHttpInput_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("status");

    QTest::newRow("malformed json") << QByteArray("POST") << QStringLiteral("/api/v1/jobs") << QByteArray("{\"kind\":") << QByteArray("application/json") << 400;
    QTest::newRow("json array") << QByteArray("POST") << QStringLiteral("/api/v1/jobs") << QByteArray("[]") << QByteArray("application/json") << 400;
    QTest::newRow("not json content type") << QByteArray("POST") << QStringLiteral("/api/v1/jobs") << QByteArray("kind=demo.sleep") << QByteArray("application/x-www-form-urlencoded") << 415;
    QTest::newRow("unknown kind") << QByteArray("POST") << QStringLiteral("/api/v1/jobs") << QByteArray(R"({"kind":"no.such"})") << QByteArray("application/json") << 422;
    QTest::newRow("invalid params") << QByteArray("POST") << QStringLiteral("/api/v1/jobs") << QByteArray(R"({"kind":"demo.sleep","params":{"duration_s":"x"}})") << QByteArray("application/json") << 422;
    QTest::newRow("unknown id") << QByteArray("GET") << QStringLiteral("/api/v1/jobs/0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b") << QByteArray() << QByteArray() << 404;
    QTest::newRow("id not a uuid") << QByteArray("GET") << QStringLiteral("/api/v1/jobs/nope") << QByteArray() << QByteArray() << 400;
    QTest::newRow("cancel unknown id") << QByteArray("POST") << QStringLiteral("/api/v1/jobs/0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b/cancel") << QByteArray() << QByteArray() << 404;
    QTest::newRow("bad status filter") << QByteArray("GET") << QStringLiteral("/api/v1/jobs?status=DONE") << QByteArray() << QByteArray() << 400;
    QTest::newRow("limit too big") << QByteArray("GET") << QStringLiteral("/api/v1/jobs?limit=5000") << QByteArray() << QByteArray() << 400;
    QTest::newRow("unknown route") << QByteArray("GET") << QStringLiteral("/api/v1/nothing") << QByteArray() << QByteArray() << 404;
}

void tst_Daemon::badHttpInput()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(int, status);
    const HttpReply reply = method == "GET" ? m_http->get(path) : m_http->post(path, body, contentType);
    QCOMPARE(reply.status, status);
    QVERIFY2(reply.header("Content-Type").startsWith("application/problem+json"), reply.header("Content-Type").constData());
    const QJsonObject problem = reply.json();
    QCOMPARE(problem.value(QStringLiteral("status")).toInt(), status);
    QVERIFY(!problem.value(QStringLiteral("title")).toString().isEmpty());
    QVERIFY(!problem.value(QStringLiteral("detail")).toString().isEmpty());
    QVERIFY(problem.contains(QStringLiteral("type")));
    if (status == 422)
        QVERIFY(!problem.value(QStringLiteral("errors")).toArray().isEmpty());
    // The server is still there.
    QCOMPARE(m_http->get(QStringLiteral("/healthz")).status, 200);
}

void tst_Daemon::badControlInput()
{
    ControlTestClient control(m_backend->controlEndpoint(), m_backend->token());
    const QByteArray malformed = control.requestRaw("{\"op\": ");
    QVERIFY(!malformed.isEmpty());
    const QJsonObject err = QJsonDocument::fromJson(malformed).object();
    QCOMPARE(err.value(QStringLiteral("ok")).toBool(true), false);
    QCOMPARE(err.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
             QStringLiteral("invalid_request"));
    // The next request is served.
    QVERIFY(control.request(QStringLiteral("ping")).value(QStringLiteral("ok")).toBool());

    const QJsonObject unknownOp = control.request(QStringLiteral("explode"));
    QCOMPARE(unknownOp.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
             QStringLiteral("invalid_request"));
    const QJsonObject unknownKind = control.request(QStringLiteral("submit"), {{QStringLiteral("kind"), QStringLiteral("no.such")}});
    QCOMPARE(unknownKind.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
             QStringLiteral("invalid_params"));
    const QJsonObject unknownId = control.request(
        QStringLiteral("status"), {{QStringLiteral("id"), QStringLiteral("0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b")}});
    QCOMPARE(unknownId.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
             QStringLiteral("not_found"));
    const QJsonObject badId = control.request(QStringLiteral("cancel"), {{QStringLiteral("id"), QStringLiteral("../x")}});
    QCOMPARE(badId.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
             QStringLiteral("invalid_request"));
    QVERIFY(control.request(QStringLiteral("ping")).value(QStringLiteral("ok")).toBool());
}

void tst_Daemon::jobsSurviveRestart()
{
    BackendProcess backend;
    QVERIFY2(backend.start(1), qPrintable(backend.errorText()));
    HttpTestClient http(backend.httpBase(), backend.token());
    // One job finishes, one is left waiting behind a long one.
    HttpReply r = http.post(QStringLiteral("/api/v1/jobs"), toJson(sleepJob(0)));
    const QString done = r.json().value(QStringLiteral("id")).toString();
    QTRY_COMPARE_WITH_TIMEOUT(http.get(QStringLiteral("/api/v1/jobs/") + done).json().value(QStringLiteral("status")).toString(),
                              QStringLiteral("COMPLETED"), 10000);
    const QString busy = http.post(QStringLiteral("/api/v1/jobs"), toJson(sleepJob(30, 30))).json().value(QStringLiteral("id")).toString();
    const QString waiting = http.post(QStringLiteral("/api/v1/jobs"), toJson(sleepJob(0))).json().value(QStringLiteral("id")).toString();
    const qint64 revBefore = http.get(QStringLiteral("/api/v1/jobs?changed_since=0&limit=1000")).json().value(QStringLiteral("rev")).toInteger();
    QCOMPARE(backend.stop(), 0);

    QVERIFY2(backend.start(1), qPrintable(backend.errorText()));
    HttpTestClient again(backend.httpBase(), backend.token());
    QCOMPARE(again.get(QStringLiteral("/api/v1/jobs/") + done).json().value(QStringLiteral("status")).toString(),
             QStringLiteral("COMPLETED"));
    QCOMPARE(again.get(QStringLiteral("/api/v1/jobs/%1/result").arg(done)).status, 200);
    // The interrupted job runs again, without losing an attempt; the waiting one runs too.
    QTRY_COMPARE_WITH_TIMEOUT(again.get(QStringLiteral("/api/v1/jobs/") + busy).json().value(QStringLiteral("status")).toString(),
                              QStringLiteral("PROCESSING"), 10000);
    QCOMPARE(again.get(QStringLiteral("/api/v1/jobs/") + busy).json().value(QStringLiteral("attempt")).toInt(), 1);
    QCOMPARE(again.post(QStringLiteral("/api/v1/jobs/%1/cancel").arg(busy), {}).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(again.get(QStringLiteral("/api/v1/jobs/") + waiting).json().value(QStringLiteral("status")).toString(),
                              QStringLiteral("COMPLETED"), 15000);
    const qint64 revAfter = again.get(QStringLiteral("/api/v1/jobs?changed_since=0&limit=1000")).json().value(QStringLiteral("rev")).toInteger();
    QVERIFY2(revAfter > revBefore, "rev keeps growing across restarts");
    QCOMPARE(backend.stop(), 0);
}

void tst_Daemon::ownDataIsNeverAnInput()
{
    // Even with an input root that holds the data dir, a job may not read
    // the token, the webhook secret or the database.
    QTemporaryDir parent;
    const QString dataDir = parent.filePath(QStringLiteral("data"));
    BackendProcess backend(dataDir);
    QVERIFY2(backend.start(1, {QStringLiteral("--input-root"), parent.path()}),
             qPrintable(backend.errorText()));
    HttpTestClient http(backend.httpBase(), backend.token());
    QFile csv(parent.filePath(QStringLiteral("ok.csv")));
    QVERIFY(csv.open(QIODevice::WriteOnly));
    csv.write("a,b\n1,2\n");
    csv.close();
    for (const QString &name : {QStringLiteral("api-token"), QStringLiteral("webhook-secret"),
                                QStringLiteral("jobdesk.db")}) {
        const QJsonObject body{{QStringLiteral("kind"), QStringLiteral("report.csv_summary")},
                               {QStringLiteral("params"),
                                QJsonObject{{QStringLiteral("input"), dataDir + QLatin1Char('/') + name}}}};
        const HttpReply reply = http.post(QStringLiteral("/api/v1/jobs"), toJson(body));
        QCOMPARE(reply.status, 422);
        QVERIFY2(reply.body.contains("own data"), reply.body.constData());
    }
    // A file beside it, under the same root, is fine.
    const QJsonObject good{{QStringLiteral("kind"), QStringLiteral("report.csv_summary")},
                           {QStringLiteral("params"),
                            QJsonObject{{QStringLiteral("input"), csv.fileName()}}}};
    QCOMPARE(http.post(QStringLiteral("/api/v1/jobs"), toJson(good)).status, 202);
    QCOMPARE(backend.stop(), 0);
}

QTEST_GUILESS_MAIN(tst_Daemon)
#include "tst_daemon.moc"
