// bench_polls: figures for docs/api.md, not a test. Starts a real jobdeskd
// (one worker, a temporary data dir) and measures
//   1. status polls per second over keep-alive connections, without and
//      with If-None-Match (200 with the body vs 304 without one);
//   2. long-poll wake-up latency: a long poll waits on a PENDING job, another
//      connection cancels the job; the time from sending the cancel to the
//      long poll's answer (p50/p99), beside the cancel's own round trip.
//
// Usage: bench_polls [--seconds S] [--connections N] [--wakeups K]
// JOBDESK_BIN_DIR must name the folder holding jobdeskd (the build's bin/).

#include "backendprocess.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Answer
{
    int status = 0;
    QByteArray etag;
    QByteArray body;
};

/// One keep-alive HTTP/1.1 connection, blocking, for one thread.
class Connection
{
public:
    bool open(quint16 port)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        return m_socket.waitForConnected(5000);
    }

    Answer exchange(const QByteArray &request)
    {
        m_socket.write(request);
        m_socket.waitForBytesWritten(5000);
        return read();
    }

    Answer read()
    {
        Answer a;
        for (;;) {
            const int end = m_pending.indexOf("\r\n\r\n");
            if (end >= 0) {
                const QList<QByteArray> lines = m_pending.left(end).split('\n');
                a.status = lines.value(0).mid(9, 3).toInt();
                qsizetype length = 0;
                for (const QByteArray &raw : lines) {
                    const QByteArray line = raw.trimmed();
                    if (line.toLower().startsWith("content-length:"))
                        length = line.mid(15).trimmed().toLongLong();
                    else if (line.toLower().startsWith("etag:"))
                        a.etag = line.mid(5).trimmed();
                }
                if (m_pending.size() >= end + 4 + length) {
                    a.body = m_pending.mid(end + 4, length);
                    m_pending.remove(0, end + 4 + length);
                    return a;
                }
            }
            if (!m_socket.waitForReadyRead(65000))
                return {};
            m_pending += m_socket.readAll();
        }
    }

private:
    QTcpSocket m_socket;
    QByteArray m_pending;
};

QByteArray request(const QByteArray &method, const QString &path, const QString &token,
                   const QByteArray &extra = {}, const QByteArray &body = {})
{
    QByteArray r = method + ' ' + path.toUtf8() +
                   " HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + token.toUtf8() + "\r\n" +
                   extra;
    if (!body.isEmpty())
        r +=
            "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
            "\r\n";
    return r + "\r\n" + body;
}

QString submit(Connection &c, const QString &token, double seconds)
{
    const QByteArray body =
        QJsonDocument(
            QJsonObject{{"kind", "demo.sleep"}, {"params", QJsonObject{{"duration_s", seconds}}}})
            .toJson(QJsonDocument::Compact);
    const Answer a = c.exchange(request("POST", QStringLiteral("/api/v1/jobs"), token, {}, body));
    return QJsonDocument::fromJson(a.body).object().value("id").toString();
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const auto at = static_cast<std::size_t>(p / 100.0 * double(v.size() - 1) + 0.5);
    return v[std::min(at, v.size() - 1)];
}

double pollsPerSecond(quint16 port, const QString &token, const QString &path,
                      const QByteArray &ifNoneMatch, int connections, double seconds,
                      int *expectedStatusSeen)
{
    std::atomic<long> total{0};
    std::atomic<int> wrongStatus{0};
    std::vector<std::thread> threads;
    const auto until = Clock::now() + std::chrono::duration<double>(seconds);
    const QByteArray extra =
        ifNoneMatch.isEmpty() ? QByteArray() : "If-None-Match: " + ifNoneMatch + "\r\n";
    const int expected = ifNoneMatch.isEmpty() ? 200 : 304;
    for (int i = 0; i < connections; ++i) {
        threads.emplace_back([&] {
            Connection c;
            if (!c.open(port))
                return;
            const QByteArray r = request("GET", path, token, extra);
            long n = 0;
            while (Clock::now() < until) {
                if (c.exchange(r).status != expected)
                    ++wrongStatus;
                ++n;
            }
            total += n;
        });
    }
    for (std::thread &t : threads)
        t.join();
    *expectedStatusSeen = wrongStatus.load() == 0;
    return double(total.load()) / seconds;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    double seconds = 3;
    int connections = 4;
    int wakeups = 200;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QLatin1String("--seconds"))
            seconds = args[i + 1].toDouble();
        else if (args[i] == QLatin1String("--connections"))
            connections = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--wakeups"))
            wakeups = args[i + 1].toInt();
    }

    BackendProcess backend;
    if (!backend.start(1)) {
        std::fprintf(stderr, "bench_polls: jobdeskd did not start: %s\n",
                     qPrintable(backend.errorText()));
        return 1;
    }
    const QString token = backend.token();
    const quint16 port = static_cast<quint16>(backend.httpBase().section(':', -1).toUInt());
    Connection control;
    if (!control.open(port))
        return 1;

    // 1. Polls of a finished job.
    const QString done = submit(control, token, 0.05);
    Answer finished;
    do {
        finished = control.exchange(request("GET", "/api/v1/jobs/" + done + "?wait=10", token));
    } while (QJsonDocument::fromJson(finished.body).object().value("status").toString() !=
             "COMPLETED");
    const QString path = "/api/v1/jobs/" + done;
    int ok200 = 0, ok304 = 0;
    const double plain = pollsPerSecond(port, token, path, {}, connections, seconds, &ok200);
    const double conditional =
        pollsPerSecond(port, token, path, finished.etag, connections, seconds, &ok304);
    std::printf("polls/s, %d keep-alive connections, %.0f s each:\n", connections, seconds);
    std::printf("  GET job, 200 with the body (%lld bytes): %.0f/s%s\n",
                static_cast<long long>(finished.body.size()), plain,
                ok200 ? "" : " (unexpected statuses)");
    std::printf("  GET job with If-None-Match, 304:        %.0f/s%s\n", conditional,
                ok304 ? "" : " (unexpected statuses)");

    // 2. Long-poll wake-up latency. The worker is kept busy, so each probe
    // job stays PENDING until the cancel.
    const QString blocker = submit(control, token, 3600);
    std::vector<double> wakeMs, cancelMs;
    for (int i = 0; i < wakeups; ++i) {
        const QString probe = submit(control, token, 1);
        const Answer now = control.exchange(request("GET", "/api/v1/jobs/" + probe, token));
        std::atomic<bool> sent{false};
        Clock::time_point answeredAt;
        int status = 0;
        std::thread poller([&] {
            Connection c;
            if (!c.open(port))
                return;
            const QByteArray r = request("GET", "/api/v1/jobs/" + probe + "?wait=30", token,
                                         "If-None-Match: " + now.etag + "\r\n");
            sent = true;
            status = c.exchange(r).status;
            answeredAt = Clock::now();
        });
        while (!sent)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        std::this_thread::sleep_for(std::chrono::milliseconds(20)); // let it register
        const Clock::time_point cancelSent = Clock::now();
        control.exchange(request("POST", "/api/v1/jobs/" + probe + "/cancel", token));
        const Clock::time_point cancelAnswered = Clock::now();
        poller.join();
        if (status != 200) {
            std::fprintf(stderr, "bench_polls: long poll answered %d\n", status);
            continue;
        }
        wakeMs.push_back(
            std::chrono::duration<double, std::milli>(answeredAt - cancelSent).count());
        cancelMs.push_back(
            std::chrono::duration<double, std::milli>(cancelAnswered - cancelSent).count());
    }
    control.exchange(request("POST", "/api/v1/jobs/" + blocker + "/cancel", token));
    std::printf(
        "long-poll wake-up, %zu probes (from sending the change to the long poll's answer):\n",
        wakeMs.size());
    std::printf("  woken long poll: p50 %.2f ms, p99 %.2f ms\n", percentile(wakeMs, 50),
                percentile(wakeMs, 99));
    std::printf("  the cancel's own answer: p50 %.2f ms, p99 %.2f ms\n", percentile(cancelMs, 50),
                percentile(cancelMs, 99));
    return backend.stop() == 0 ? 0 : 1;
}
