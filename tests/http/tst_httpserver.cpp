#include "http/httpserver.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryFile>
#include <QTest>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using namespace jobdesk;
using namespace std::chrono_literals;

namespace {

struct RawResponse
{
    QByteArray version; // "HTTP/1.1"
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
    bool hasHeader(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return true;
        }
        return false;
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

// A client that speaks HTTP byte by byte, so the test sees exactly what the
// server sends and when it closes.
class RawHttpClient
{
public:
    bool connectTo(quint16 port)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        return m_socket.waitForConnected(5000);
    }

    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        while (m_socket.bytesToWrite() > 0 && m_socket.waitForBytesWritten(5000)) {
        }
    }

    /// Reads one response; `bodiless` for answers to HEAD.
    std::optional<RawResponse> read(bool bodiless = false, int timeoutMs = 5000)
    {
        QDeadlineTimer deadline(timeoutMs);
        for (;;) {
            m_pending += m_socket.readAll();
            if (auto response = takeResponse(bodiless))
                return response;
            if (m_socket.state() != QAbstractSocket::ConnectedState || deadline.hasExpired())
                return std::nullopt;
            m_socket.waitForReadyRead(static_cast<int>(deadline.remainingTime()));
        }
    }

    /// Whether the server closed the connection within the time.
    bool waitForClosed(int timeoutMs = 5000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (m_socket.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired()) {
            m_socket.waitForReadyRead(static_cast<int>(deadline.remainingTime()));
            m_pending += m_socket.readAll();
        }
        return m_socket.state() != QAbstractSocket::ConnectedState;
    }

    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    void abort() { m_socket.abort(); }
    QByteArray pending() const { return m_pending; }

private:
    std::optional<RawResponse> takeResponse(bool bodiless)
    {
        const int end = m_pending.indexOf("\r\n\r\n");
        if (end < 0)
            return std::nullopt;
        const QList<QByteArray> lines = m_pending.left(end).split('\n');
        RawResponse r;
        const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
        r.version = statusLine.value(0);
        r.status = statusLine.value(1).toInt();
        for (int i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const int colon = line.indexOf(':');
            r.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
        }
        const bool noBody = bodiless || r.status == 304 || r.status == 204 || r.status / 100 == 1;
        const qsizetype length = noBody ? 0 : r.header("Content-Length").toLongLong();
        if (m_pending.size() < end + 4 + length)
            return std::nullopt;
        r.body = m_pending.mid(end + 4, length);
        m_pending.remove(0, end + 4 + length);
        return r;
    }

    QTcpSocket m_socket;
    QByteArray m_pending;
};

QByteArray get(const QByteArray &target, const QByteArray &version = "HTTP/1.1",
               const QByteArray &extraHeaders = {})
{
    return "GET " + target + ' ' + version + "\r\nHost: localhost\r\n" + extraHeaders + "\r\n";
}

} // namespace

class tst_HttpServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void keepAlive_data();
    void keepAlive();
    void closesWhenAsked_data();
    void closesWhenAsked();
    void pipelinedRequestsAnsweredInOrder();
    void answersHeaderFieldsItOwns();
    void headRequestSendsNoBody();
    void postBodyReachesHandler();
    void expectContinueAnsweredAtOnce();
    void tooLargeBodyRefusedAtHeaderTime();
    void tooLargeChunkedBodyRefused();
    void oversizedHeaderRefused();
    void malformedRequest_data();
    void malformedRequest();
    void deferredAnswerFromAnotherThread();
    void droppedResponderAnswers500();
    void answerAfterClientLeftIsDropped();
    void answerAfterStopIsDropped();
    void fileBodyStreamedIntact();
    void missingFileAnswers500();
    void filePartStreamed_data();
    void filePartStreamed();
    void idleConnectionClosed();
    void slowHeaderClosed();
    void connectionsOverLimitGet503();
    void stopClosesIdleConnectionsPromptly();
    void stopLetsOwedAnswerOut();
    void listenFailsOnTakenPort();

private:
    void startServer(HttpServerOptions options = {});
    RawHttpClient &connectClient();
    void handle(HttpRequest &&request, HttpResponder respond);

    std::unique_ptr<HttpServer> m_server;
    std::vector<std::unique_ptr<RawHttpClient>> m_clients;
    QByteArray m_filePath;

    // Written by the handler on the I/O thread.
    std::mutex m_mutex;
    std::vector<HttpResponder> m_parked;
    std::vector<std::thread> m_answerThreads;
};

void tst_HttpServer::init()
{
    startServer();
}

void tst_HttpServer::cleanup()
{
    m_clients.clear();
    if (m_server)
        m_server->stop();
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(m_mutex);
        threads.swap(m_answerThreads);
        m_parked.clear(); // after stop(): the unanswered responders go nowhere
    }
    for (std::thread &t : threads)
        t.join();
    m_server.reset();
}

void tst_HttpServer::startServer(HttpServerOptions options)
{
    if (m_server)
        m_server->stop();
    m_server = std::make_unique<HttpServer>(
        [this](HttpRequest &&request, HttpResponder respond) {
            handle(std::move(request), std::move(respond));
        },
        options);
    std::string error;
    QVERIFY2(m_server->listen("127.0.0.1", 0, &error), error.c_str());
    QVERIFY(m_server->port() != 0);
    m_server->start();
}

RawHttpClient &tst_HttpServer::connectClient()
{
    m_clients.push_back(std::make_unique<RawHttpClient>());
    RawHttpClient &client = *m_clients.back();
    [&] { QVERIFY(client.connectTo(m_server->port())); }();
    return client;
}

// Runs on the server's I/O thread.
void tst_HttpServer::handle(HttpRequest &&request, HttpResponder respond)
{
    const std::string_view path = request.path();
    HttpResponse response;
    if (path == "/echo") {
        response.setHeader("Content-Type", "text/plain");
        response.setHeader("X-Request-Version", std::to_string(request.version));
        response.setHeader("X-Request-Keep-Alive", request.keepAlive ? "yes" : "no");
        response.setHeader("X-Probe", std::string(request.header("x-PROBE")));
        response.body = request.method + ' ' + request.target + '\n' + request.body;
        respond(std::move(response));
    } else if (path == "/later") {
        // Answers from another thread, a little later, as a commit would.
        std::lock_guard lock(m_mutex);
        m_answerThreads.emplace_back([respond = std::move(respond)] {
            std::this_thread::sleep_for(20ms);
            HttpResponse late;
            late.body = "later";
            respond(std::move(late));
        });
    } else if (path == "/park") {
        std::lock_guard lock(m_mutex);
        m_parked.push_back(std::move(respond));
    } else if (path == "/file") {
        response.setHeader("Content-Type", "application/octet-stream");
        response.filePath = m_filePath.toStdString();
        respond(std::move(response));
    } else if (path == "/filepart") {
        // ?OFFSET,LENGTH: a part of the file, as a Range answer sends it.
        const std::string_view query = request.query();
        const auto comma = query.find(',');
        response.filePath = m_filePath.toStdString();
        response.fileOffset = std::stoull(std::string(query.substr(0, comma)));
        response.fileLength = std::stoll(std::string(query.substr(comma + 1)));
        respond(std::move(response));
    } else if (path == "/drop") {
        // The responder goes out of scope unanswered.
    } else {
        response.status = 404;
        respond(std::move(response));
    }
}

void tst_HttpServer::keepAlive_data()
{
    QTest::addColumn<QByteArray>("version");
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<QByteArray>("connectionField");
    QTest::newRow("http11_by_default") << QByteArray("HTTP/1.1") << QByteArray() << QByteArray();
    QTest::newRow("http10_with_keep_alive")
        << QByteArray("HTTP/1.0") << QByteArray("Connection: keep-alive\r\n")
        << QByteArray("keep-alive");
}

void tst_HttpServer::keepAlive()
{
    QFETCH(QByteArray, version);
    QFETCH(QByteArray, headers);
    QFETCH(QByteArray, connectionField);

    RawHttpClient &client = connectClient();
    for (int i = 0; i < 2; ++i) {
        const QByteArray target = "/echo?n=" + QByteArray::number(i);
        client.send(get(target, version, headers));
        const auto response = client.read();
        QVERIFY(response);
        QCOMPARE(response->version, version);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->body, "GET " + target + '\n');
        QCOMPARE(response->header("X-Request-Keep-Alive"), QByteArray("yes"));
        QCOMPARE(response->header("Connection").toLower(), connectionField);
        QVERIFY(client.isConnected());
    }
    QCOMPARE(m_server->connectionCount(), 1);
}

void tst_HttpServer::closesWhenAsked_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("version");
    QTest::newRow("http11_connection_close")
        << get("/echo", "HTTP/1.1", "Connection: close\r\n") << QByteArray("HTTP/1.1");
    QTest::newRow("http10_without_keep_alive")
        << get("/echo", "HTTP/1.0") << QByteArray("HTTP/1.0");
}

void tst_HttpServer::closesWhenAsked()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, version);

    RawHttpClient &client = connectClient();
    client.send(request);
    const auto response = client.read();
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(response->version, version);
    QCOMPARE(response->header("X-Request-Keep-Alive"), QByteArray("no"));
    if (version == "HTTP/1.1")
        QCOMPARE(response->header("Connection").toLower(), QByteArray("close"));
    QVERIFY(client.waitForClosed(3000));
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 0, 3000);
}

void tst_HttpServer::pipelinedRequestsAnsweredInOrder()
{
    RawHttpClient &client = connectClient();
    // The first is answered later from another thread; the second at once.
    client.send(get("/later") + get("/echo?second") + get("/echo?third"));
    const auto first = client.read();
    const auto second = client.read();
    const auto third = client.read();
    QVERIFY(first && second && third);
    QCOMPARE(first->body, QByteArray("later"));
    QCOMPARE(second->body, QByteArray("GET /echo?second\n"));
    QCOMPARE(third->body, QByteArray("GET /echo?third\n"));
}

void tst_HttpServer::answersHeaderFieldsItOwns()
{
    RawHttpClient &client = connectClient();
    client.send(get("/echo", "HTTP/1.1", "X-Probe: one\r\nx-probe: two\r\n"));
    const auto response = client.read();
    QVERIFY(response);
    QCOMPARE(response->header("Server"), QByteArray("jobdeskd"));
    QCOMPARE(response->header("Content-Length"), QByteArray::number(response->body.size()));
    QVERIFY(!response->hasHeader("Date"));
    // Repeated fields reach the handler joined, whatever their case.
    QCOMPARE(response->header("X-Probe"), QByteArray("one, two"));
}

void tst_HttpServer::headRequestSendsNoBody()
{
    RawHttpClient &client = connectClient();
    client.send("HEAD /echo HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto head = client.read(true);
    QVERIFY(head);
    QCOMPARE(head->status, 200);
    QCOMPARE(head->header("Content-Length"), QByteArray::number(QByteArray("HEAD /echo\n").size()));
    // Were a body sent, it would be read as the start of the next answer.
    client.send(get("/echo"));
    const auto next = client.read();
    QVERIFY(next);
    QCOMPARE(next->status, 200);
    QCOMPARE(next->body, QByteArray("GET /echo\n"));
}

void tst_HttpServer::postBodyReachesHandler()
{
    RawHttpClient &client = connectClient();
    client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
    const auto fixed = client.read();
    QVERIFY(fixed);
    QCOMPARE(fixed->body, QByteArray("POST /echo\nhello world"));
    client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    const auto chunked = client.read();
    QVERIFY(chunked);
    QCOMPARE(chunked->body, QByteArray("POST /echo\nhello world"));
}

void tst_HttpServer::expectContinueAnsweredAtOnce()
{
    RawHttpClient &client = connectClient();
    client.send(
        "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    const auto interim = client.read(false, 1000);
    QVERIFY(interim);
    QCOMPARE(interim->status, 100);
    client.send("ping");
    const auto response = client.read();
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(response->body, QByteArray("POST /echo\nping"));
}

void tst_HttpServer::tooLargeBodyRefusedAtHeaderTime()
{
    RawHttpClient &client = connectClient();
    // Only the header: the 413 must not wait for a body that never comes.
    client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 2097152\r\n\r\n");
    QElapsedTimer timer;
    timer.start();
    const auto response = client.read(false, 3000);
    QVERIFY(response);
    QVERIFY(timer.elapsed() < 2000);
    QCOMPARE(response->status, 413);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
    QCOMPARE(response->json().value("status").toInt(), 413);
    QCOMPARE(response->header("Connection").toLower(), QByteArray("close"));
    QVERIFY(client.waitForClosed(3000));
}

void tst_HttpServer::tooLargeChunkedBodyRefused()
{
    HttpServerOptions options;
    options.maxBodyBytes = 1000;
    startServer(options);
    RawHttpClient &client = connectClient();
    client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                QByteArray::number(2000, 16) + "\r\n" + QByteArray(2000, 'x') + "\r\n");
    const auto response = client.read();
    QVERIFY(response);
    QCOMPARE(response->status, 413);
    QVERIFY(client.waitForClosed(3000));
}

void tst_HttpServer::oversizedHeaderRefused()
{
    RawHttpClient &client = connectClient();
    const QByteArray big(20 * 1024, 'a');
    client.send(get("/echo", "HTTP/1.1", "X-Big: " + big + "\r\n"));
    const auto response = client.read();
    QVERIFY(response);
    QCOMPARE(response->status, 431);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
    QCOMPARE(response->json().value("status").toInt(), 431);
    QVERIFY(client.waitForClosed(3000));
}

void tst_HttpServer::malformedRequest_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::newRow("not_http") << QByteArray("hello there\r\n\r\n");
    QTest::newRow("bad_version") << QByteArray("GET / HTTP/x.y\r\n\r\n");
    QTest::newRow("header_without_colon") << QByteArray("GET / HTTP/1.1\r\nHost x\r\n\r\n");
    QTest::newRow("bad_content_length")
        << QByteArray("POST /echo HTTP/1.1\r\nContent-Length: abc\r\n\r\n");
    QTest::newRow("bad_chunk") << QByteArray(
        "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
}

void tst_HttpServer::malformedRequest()
{
    QFETCH(QByteArray, request);
    RawHttpClient &client = connectClient();
    client.send(request);
    const auto response = client.read();
    QVERIFY(response);
    QCOMPARE(response->status, 400);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
    QCOMPARE(response->json().value("code").toString(), QStringLiteral("invalid_request"));
    QVERIFY(client.waitForClosed(3000));
}

void tst_HttpServer::deferredAnswerFromAnotherThread()
{
    RawHttpClient &client = connectClient();
    client.send(get("/later"));
    const auto response = client.read();
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(response->body, QByteArray("later"));
    QVERIFY(client.isConnected());
}

void tst_HttpServer::droppedResponderAnswers500()
{
    RawHttpClient &client = connectClient();
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("was dropped unanswered"));
    client.send(get("/drop"));
    const auto response = client.read();
    QVERIFY(response);
    QCOMPARE(response->status, 500);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
}

void tst_HttpServer::answerAfterClientLeftIsDropped()
{
    RawHttpClient &client = connectClient();
    client.send(get("/park"));
    QTRY_COMPARE_WITH_TIMEOUT(
        [this] {
            std::lock_guard lock(m_mutex);
            return m_parked.size();
        }(),
        std::size_t(1), 3000);
    client.abort();

    HttpResponder parked;
    {
        std::lock_guard lock(m_mutex);
        parked = m_parked.front();
        m_parked.clear();
    }
    QTest::ignoreMessage(QtWarningMsg,
                         "a request was answered twice; the second answer is dropped");
    std::thread answering([parked] {
        HttpResponse response;
        response.body = std::string(256 * 1024, 'x'); // more than a socket buffer takes
        parked(response);
        parked(response); // a second answer is ignored
    });
    answering.join();
    parked = nullptr;

    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 0, 5000);
    RawHttpClient &next = connectClient();
    next.send(get("/echo"));
    const auto response = next.read();
    QVERIFY(response);
    QCOMPARE(response->status, 200);
}

void tst_HttpServer::answerAfterStopIsDropped()
{
    RawHttpClient &client = connectClient();
    client.send(get("/park"));
    QTRY_COMPARE_WITH_TIMEOUT(
        [this] {
            std::lock_guard lock(m_mutex);
            return m_parked.size();
        }(),
        std::size_t(1), 3000);
    HttpResponder parked;
    {
        std::lock_guard lock(m_mutex);
        parked = m_parked.front();
        m_parked.clear();
    }
    m_server->stop();
    m_server.reset(); // the io_context is gone
    parked(HttpResponse{});
    parked = nullptr;
    QVERIFY(client.waitForClosed(3000));
}

void tst_HttpServer::fileBodyStreamedIntact()
{
    QTemporaryFile file;
    QVERIFY(file.open());
    QByteArray content;
    content.reserve(3 * 1024 * 1024 + 7);
    for (int i = 0; content.size() < 3 * 1024 * 1024 + 7; ++i)
        content.append(QByteArray::number(i)).append(' ');
    content.truncate(3 * 1024 * 1024 + 7);
    QCOMPARE(file.write(content), content.size());
    file.flush();
    m_filePath = file.fileName().toLocal8Bit();

    RawHttpClient &client = connectClient();
    client.send(get("/file"));
    const auto response = client.read(false, 10000);
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(response->header("Content-Length"), QByteArray::number(content.size()));
    QVERIFY(response->body == content);

    client.send("HEAD /file HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto head = client.read(true);
    QVERIFY(head);
    QCOMPARE(head->header("Content-Length"), QByteArray::number(content.size()));
    client.send(get("/echo"));
    const auto next = client.read();
    QVERIFY(next);
    QCOMPARE(next->body, QByteArray("GET /echo\n"));
}

void tst_HttpServer::missingFileAnswers500()
{
    m_filePath = "/nonexistent/jobdesk/result.bin";
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("cannot open .*result.bin"));
    RawHttpClient &client = connectClient();
    client.send(get("/file"));
    const auto response = client.read();
    QVERIFY(response);
    QCOMPARE(response->status, 500);
    QCOMPARE(response->header("Content-Type"), QByteArray("application/problem+json"));
}

void tst_HttpServer::filePartStreamed_data()
{
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<qint64>("length");
    QTest::addColumn<int>("status");
    QTest::newRow("a middle part") << qint64(100000) << qint64(70001) << 200;
    QTest::newRow("from an offset to the end") << qint64(200000) << qint64(-1) << 200;
    QTest::newRow("the last byte") << qint64(262143) << qint64(1) << 200;
    QTest::newRow("nothing at the end") << qint64(262144) << qint64(0) << 200;
    QTest::newRow("past the end") << qint64(262000) << qint64(1000) << 500;
    QTest::newRow("offset past the end") << qint64(262145) << qint64(-1) << 500;
}

void tst_HttpServer::filePartStreamed()
{
    QFETCH(qint64, offset);
    QFETCH(qint64, length);
    QFETCH(int, status);
    QTemporaryFile file;
    QVERIFY(file.open());
    QByteArray content(256 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < content.size(); ++i)
        content[i] = static_cast<char>((i * 7919) % 251);
    QCOMPARE(file.write(content), content.size());
    file.flush();
    m_filePath = file.fileName().toLocal8Bit();
    if (status == 500)
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression("past its end"));

    RawHttpClient &client = connectClient();
    const QByteArray target =
        "/filepart?" + QByteArray::number(offset) + ',' + QByteArray::number(length);
    client.send(get(target));
    const auto response = client.read(false, 10000);
    QVERIFY(response);
    QCOMPARE(response->status, status);
    if (status != 200)
        return;
    const QByteArray expected = content.mid(offset, length < 0 ? -1 : length);
    QCOMPARE(response->header("Content-Length"), QByteArray::number(expected.size()));
    QVERIFY(response->body == expected);

    client.send("HEAD " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto head = client.read(true);
    QVERIFY(head);
    QCOMPARE(head->header("Content-Length"), QByteArray::number(expected.size()));
}

void tst_HttpServer::idleConnectionClosed()
{
    HttpServerOptions options;
    options.idleTimeout = 300ms;
    startServer(options);
    RawHttpClient &client = connectClient();
    QElapsedTimer timer;
    timer.start(); // before the request, so the idle time is all inside
    client.send(get("/echo"));
    QVERIFY(client.read());
    QVERIFY(client.waitForClosed(3000));
    QVERIFY2(timer.elapsed() >= 300, qPrintable(QString::number(timer.elapsed())));
}

void tst_HttpServer::slowHeaderClosed()
{
    HttpServerOptions options;
    options.headerTimeout = 300ms;
    startServer(options);
    RawHttpClient &client = connectClient();
    client.send("GET /echo HTTP/1.1\r\nHost: x\r\n"); // never finished
    QVERIFY(client.waitForClosed(3000));
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 0, 3000);
}

void tst_HttpServer::connectionsOverLimitGet503()
{
    HttpServerOptions options;
    options.maxConnections = 2;
    startServer(options);
    RawHttpClient &first = connectClient();
    RawHttpClient &second = connectClient();
    for (RawHttpClient *c : {&first, &second}) {
        c->send(get("/echo"));
        QVERIFY(c->read());
    }
    RawHttpClient &third = connectClient();
    const auto refused = third.read();
    QVERIFY(refused);
    QCOMPARE(refused->status, 503);
    QCOMPARE(refused->header("Retry-After"), QByteArray("1"));
    QVERIFY(third.waitForClosed(3000));

    // A freed place can be taken again.
    first.abort();
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 1, 3000);
    RawHttpClient &fourth = connectClient();
    fourth.send(get("/echo"));
    const auto served = fourth.read();
    QVERIFY(served);
    QCOMPARE(served->status, 200);
}

void tst_HttpServer::stopClosesIdleConnectionsPromptly()
{
    std::vector<RawHttpClient *> clients;
    for (int i = 0; i < 5; ++i) {
        RawHttpClient &c = connectClient();
        c.send(get("/echo"));
        QVERIFY(c.read());
        clients.push_back(&c);
    }
    RawHttpClient &silent = connectClient(); // connected, never sent a byte
    QTRY_COMPARE_WITH_TIMEOUT(m_server->connectionCount(), 6, 3000);

    QElapsedTimer timer;
    timer.start();
    m_server->stop();
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
    for (RawHttpClient *c : clients)
        QVERIFY(c->waitForClosed(3000));
    QVERIFY(silent.waitForClosed(3000));

    // No longer accepting.
    QTcpSocket late;
    late.connectToHost(QHostAddress::LocalHost, m_server->port());
    QVERIFY(!late.waitForConnected(1000));
}

void tst_HttpServer::stopLetsOwedAnswerOut()
{
    RawHttpClient &client = connectClient();
    client.send(get("/park"));
    QTRY_COMPARE_WITH_TIMEOUT(
        [this] {
            std::lock_guard lock(m_mutex);
            return m_parked.size();
        }(),
        std::size_t(1), 3000);
    HttpResponder parked;
    {
        std::lock_guard lock(m_mutex);
        parked = std::move(m_parked.front());
        m_parked.clear();
    }
    // The answer comes from another thread while stop() waits for it, as
    // the last commits' answers do when jobdeskd shuts down.
    std::thread answering([parked = std::move(parked)] {
        std::this_thread::sleep_for(100ms);
        HttpResponse response;
        response.body = "last";
        parked(std::move(response));
    });
    m_server->stop();
    answering.join();
    const auto response = client.read();
    QVERIFY(response);
    QCOMPARE(response->body, QByteArray("last"));
    QCOMPARE(response->header("Connection").toLower(), QByteArray("close"));
    QVERIFY(client.waitForClosed(3000));
}

void tst_HttpServer::listenFailsOnTakenPort()
{
    HttpServer other([](HttpRequest &&, HttpResponder) {});
    std::string error;
    QVERIFY(!other.listen("127.0.0.1", m_server->port(), &error));
    QVERIFY(!error.empty());
}

QTEST_GUILESS_MAIN(tst_HttpServer)
#include "tst_httpserver.moc"
