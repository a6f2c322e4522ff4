// Runs the real jobdesk-worker as a child process; the test plays the
// backend with its own ROUTER socket.

#include "version.h"
#include "workerprotocol.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <zmq.hpp>

using namespace jobdesk;

namespace {

QString workerProgram()
{
    return qEnvironmentVariable("JOBDESK_BIN_DIR") + QStringLiteral("/jobdesk-worker");
}

struct Received
{
    QByteArray identity;
    WorkerMessage message;
};

/// "done 1", "started 2": what a message says, about which fence, so that
/// sequences compare (and print) as lists.
QString eventOf(const WorkerMessage &m)
{
    const char *name = "?";
    switch (m.type) {
    case WorkerMessageType::Ready:
        name = "ready";
        break;
    case WorkerMessageType::Heartbeat:
        name = "heartbeat";
        break;
    case WorkerMessageType::Progress:
        name = "progress";
        break;
    case WorkerMessageType::Done:
        name = "done";
        break;
    case WorkerMessageType::Failed:
        name = "failed";
        break;
    case WorkerMessageType::Started:
        name = "started";
        break;
    case WorkerMessageType::Returned:
        name = "returned";
        break;
    case WorkerMessageType::Run:
        name = "run";
        break;
    case WorkerMessageType::Offer:
        name = "offer";
        break;
    case WorkerMessageType::Revoke:
        name = "revoke";
        break;
    case WorkerMessageType::Cancel:
        name = "cancel";
        break;
    }
    return QStringLiteral("%1 %2").arg(QLatin1String(name)).arg(m.fence);
}

} // namespace

class tst_WorkerProgram : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void answersHelpAndVersion_data();
    void answersHelpAndVersion();
    void rejectsBadInvocations_data();
    void rejectsBadInvocations();
    void saysReadyWithItsSecretAndPid();
    void runsAJobAndHeartbeats();
    void stopsAJobOnCancel();
    void ignoresACancelForAnotherFence();
    void rejectsInvalidParams();
    void offersStartInOrderOnceTheRunEnds();
    void revokeGivesBackAnOfferNotStarted();
    void revokeOfAStartedOfferIsAnsweredByItsStart();
    void runWhileOffersWaitIsRefused();
    void cancelOfAWaitingOfferStopsItAsItStarts();
    void exitsCleanlyOnSigterm_data();
    void exitsCleanlyOnSigterm();
    void exitsWhenTheBackendFallsSilent();

private:
    void startWorker(const QByteArray &secret = "s3cret");
    std::optional<Received> receive(int timeoutMs, bool skipHeartbeats = true);
    void send(const WorkerMessage &message);
    WorkerMessage runMessage(qint64 fence, const QJsonObject &params);
    WorkerMessage offerMessage(qint64 fence, const QJsonObject &params);
    /// A Revoke or a Cancel.
    WorkerMessage fenceMessage(WorkerMessageType type, qint64 fence);
    /// The events (eventOf) the worker sends, Heartbeat and Progress left
    /// out, up to and including `last`; all that came within `timeoutMs` if
    /// `last` did not. The messages themselves go to `messages`.
    QStringList eventsUntil(const QString &last, int timeoutMs,
                            std::vector<WorkerMessage> *messages = nullptr);
    void expectReady();

    zmq::context_t m_context;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<zmq::socket_t> m_router;
    std::unique_ptr<QProcess> m_worker;
    QByteArray m_identity = "0-1";
};

void tst_WorkerProgram::initTestCase()
{
    QVERIFY2(QFileInfo(workerProgram()).isExecutable(), qPrintable(workerProgram()));
}

void tst_WorkerProgram::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_router = std::make_unique<zmq::socket_t>(m_context, zmq::socket_type::router);
    m_router->set(zmq::sockopt::linger, 0);
    m_router->bind("ipc://" + m_dir->filePath(QStringLiteral("workers")).toStdString());
}

void tst_WorkerProgram::cleanup()
{
    if (m_worker) {
        m_worker->kill();
        m_worker->waitForFinished(5000);
        m_worker.reset();
    }
    m_router.reset();
    m_dir.reset();
}

void tst_WorkerProgram::startWorker(const QByteArray &secret)
{
    m_worker = std::make_unique<QProcess>();
    m_worker->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("JOBDESK_WORKER_SECRET"), QString::fromLatin1(secret));
    m_worker->setProcessEnvironment(env);
    m_worker->start(workerProgram(),
                    {QStringLiteral("--endpoint"),
                     QStringLiteral("ipc://") + m_dir->filePath(QStringLiteral("workers")),
                     QStringLiteral("--identity"), QString::fromLatin1(m_identity),
                     QStringLiteral("--epoch"), QStringLiteral("test"),
                     QStringLiteral("--results-dir"), m_dir->path()});
    QVERIFY(m_worker->waitForStarted(5000));
}

std::optional<Received> tst_WorkerProgram::receive(int timeoutMs, bool skipHeartbeats)
{
    QElapsedTimer clock;
    clock.start();
    for (;;) {
        const qint64 left = timeoutMs - clock.elapsed();
        if (left <= 0)
            return std::nullopt;
        std::vector<zmq_pollitem_t> items{{m_router->handle(), 0, ZMQ_POLLIN, 0}};
        zmq::poll(items, std::chrono::milliseconds(left));
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        zmq::message_t identity;
        zmq::message_t body;
        if (!m_router->recv(identity) || !m_router->recv(body))
            return std::nullopt;
        const auto message =
            decodeWorkerMessage(QByteArray(body.data<char>(), qsizetype(body.size())));
        if (!message)
            return std::nullopt;
        if (skipHeartbeats && message->type == WorkerMessageType::Heartbeat)
            continue;
        return Received{QByteArray(identity.data<char>(), qsizetype(identity.size())), *message};
    }
}

void tst_WorkerProgram::send(const WorkerMessage &message)
{
    const QByteArray frame = encodeWorkerMessage(message);
    m_router->send(zmq::buffer(m_identity.constData(), std::size_t(m_identity.size())),
                   zmq::send_flags::sndmore);
    m_router->send(zmq::buffer(frame.constData(), std::size_t(frame.size())));
}

WorkerMessage tst_WorkerProgram::runMessage(qint64 fence, const QJsonObject &params)
{
    WorkerMessage run;
    run.type = WorkerMessageType::Run;
    run.fence = fence;
    run.jobId = QStringLiteral("0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b");
    run.kind = QStringLiteral("demo.sleep");
    run.params = params;
    run.attempt = 1;
    return run;
}

WorkerMessage tst_WorkerProgram::offerMessage(qint64 fence, const QJsonObject &params)
{
    WorkerMessage offer = runMessage(fence, params);
    offer.type = WorkerMessageType::Offer;
    return offer;
}

WorkerMessage tst_WorkerProgram::fenceMessage(WorkerMessageType type, qint64 fence)
{
    WorkerMessage m;
    m.type = type;
    m.fence = fence;
    return m;
}

QStringList tst_WorkerProgram::eventsUntil(const QString &last, int timeoutMs,
                                           std::vector<WorkerMessage> *messages)
{
    QStringList events;
    QElapsedTimer clock;
    clock.start();
    for (;;) {
        const qint64 left = timeoutMs - clock.elapsed();
        if (left <= 0)
            return events;
        const auto r = receive(int(left));
        if (!r)
            return events;
        if (r->message.type == WorkerMessageType::Progress)
            continue;
        events.append(eventOf(r->message));
        if (messages)
            messages->push_back(r->message);
        // An end announces the offer started right after it (next_fence):
        // listed as the Started it stands for.
        if (r->message.nextFence != 0)
            events.append(QStringLiteral("started %1").arg(r->message.nextFence));
        if (events.contains(last))
            return events;
    }
}

void tst_WorkerProgram::expectReady()
{
    const auto ready = receive(5000);
    QVERIFY(ready);
    QCOMPARE(ready->message.type, WorkerMessageType::Ready);
}

void tst_WorkerProgram::answersHelpAndVersion_data()
{
    QTest::addColumn<QString>("flag");
    QTest::addColumn<QString>("expected");
    QTest::newRow("help") << QStringLiteral("--help") << QStringLiteral("--results-dir");
    QTest::newRow("version") << QStringLiteral("--version")
                             << QStringLiteral("jobdesk-worker " JOBDESK_VERSION);
}

void tst_WorkerProgram::answersHelpAndVersion()
{
    QFETCH(QString, flag);
    QFETCH(QString, expected);
    QProcess process;
    process.start(workerProgram(), {flag});
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    QVERIFY(QString::fromUtf8(process.readAllStandardOutput()).contains(expected));
}

void tst_WorkerProgram::rejectsBadInvocations_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<bool>("withSecret");
    QTest::addColumn<QString>("named");
    const QStringList good{QStringLiteral("--endpoint"),    QStringLiteral("ipc:///nonexistent/x"),
                           QStringLiteral("--identity"),    QStringLiteral("0-1"),
                           QStringLiteral("--epoch"),       QStringLiteral("e"),
                           QStringLiteral("--results-dir"), QStringLiteral("/")};
    QTest::newRow("unknown flag") << (QStringList(good) << QStringLiteral("--frobnicate")) << true
                                  << QStringLiteral("frobnicate");
    QTest::newRow("missing endpoint") << good.mid(2) << true << QStringLiteral("--endpoint");
    QTest::newRow("flag without value") << (good.mid(0, 6) << QStringLiteral("--results-dir"))
                                        << true << QStringLiteral("results-dir");
    QStringList notAFolder = good;
    notAFolder[7] = QStringLiteral("/nonexistent/results");
    QTest::newRow("results dir missing") << notAFolder << true << QStringLiteral("--results-dir");
    QStringList badEndpoint = good;
    badEndpoint[1] = QStringLiteral("carrier-pigeon://x");
    QTest::newRow("unusable endpoint") << badEndpoint << true << QStringLiteral("--endpoint");
    QTest::newRow("no secret") << good << false << QStringLiteral("JOBDESK_WORKER_SECRET");
}

void tst_WorkerProgram::rejectsBadInvocations()
{
    QFETCH(QStringList, arguments);
    QFETCH(bool, withSecret);
    QFETCH(QString, named);
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("JOBDESK_WORKER_SECRET"));
    if (withSecret)
        env.insert(QStringLiteral("JOBDESK_WORKER_SECRET"), QStringLiteral("x"));
    process.setProcessEnvironment(env);
    process.start(workerProgram(), arguments);
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 2);
    const QString stderrText = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(stderrText.contains(named), qPrintable(stderrText));
}

void tst_WorkerProgram::saysReadyWithItsSecretAndPid()
{
    startWorker("per-spawn-secret");
    const auto ready = receive(5000);
    QVERIFY(ready);
    QCOMPARE(ready->identity, m_identity);
    QCOMPARE(ready->message.type, WorkerMessageType::Ready);
    QCOMPARE(ready->message.secret, QStringLiteral("per-spawn-secret"));
    QCOMPARE(ready->message.pid, m_worker->processId());
    // The secret must not be visible in the process's arguments.
    QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(m_worker->processId()));
    QVERIFY(cmdline.open(QIODevice::ReadOnly));
    QVERIFY(!cmdline.readAll().contains("per-spawn-secret"));
}

void tst_WorkerProgram::runsAJobAndHeartbeats()
{
    startWorker();
    expectReady();

    send(runMessage(5, {{QStringLiteral("duration_s"), 0.3}, {QStringLiteral("steps"), 3}}));
    std::vector<WorkerMessage> progress;
    std::optional<Received> end;
    while (const auto r = receive(5000)) {
        if (r->message.type == WorkerMessageType::Progress) {
            progress.push_back(r->message);
            continue;
        }
        end = r;
        break;
    }
    QVERIFY(end);
    QCOMPARE(end->message.type, WorkerMessageType::Done);
    QCOMPARE(end->message.fence, qint64(5));
    // The final report comes on its own, or with the end if the throttle
    // still held it.
    QVERIFY(end->message.lastReport || !progress.empty());
    const WorkerMessage last = end->message.lastReport ? end->message : progress.back();
    QCOMPARE(last.fence, qint64(5));
    QCOMPARE(last.progress, std::optional<double>(100.0));
    QCOMPARE(last.message, QStringLiteral("step 3 of 3"));
    const QByteArray data = end->message.inlineData;
    QCOMPARE(
        end->message.result.sha256,
        QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex()));
    QCOMPARE(QJsonDocument::fromJson(data).object().value(QStringLiteral("steps")).toInt(), 3);

    // Heartbeats come about once a second, whatever the job thread does.
    const auto heartbeat = receive(2500, false);
    QVERIFY(heartbeat);
    QCOMPARE(heartbeat->message.type, WorkerMessageType::Heartbeat);
}

void tst_WorkerProgram::stopsAJobOnCancel()
{
    startWorker();
    expectReady();
    send(runMessage(8, {{QStringLiteral("duration_s"), 30}, {QStringLiteral("steps"), 1}}));
    WorkerMessage cancel;
    cancel.type = WorkerMessageType::Cancel;
    cancel.fence = 8;
    QElapsedTimer clock;
    clock.start();
    send(cancel);
    const auto reply = receive(3000);
    QVERIFY(reply);
    QVERIFY(clock.elapsed() < 2000);
    QCOMPARE(reply->message.type, WorkerMessageType::Failed);
    QCOMPARE(reply->message.fence, qint64(8));
    QCOMPARE(reply->message.error.code, QStringLiteral("cancelled"));

    // The worker is idle again and takes the next job.
    send(runMessage(9, {{QStringLiteral("duration_s"), 0}}));
    const auto done2 = receive(3000);
    QVERIFY(done2);
    QCOMPARE(done2->message.type, WorkerMessageType::Done);
    QCOMPARE(done2->message.fence, qint64(9));
    // Over within one throttle window: its final 100 % came with its end.
    QVERIFY(done2->message.lastReport);
    QCOMPARE(done2->message.progress, std::optional<double>(100.0));
}

void tst_WorkerProgram::ignoresACancelForAnotherFence()
{
    startWorker();
    expectReady();
    send(runMessage(3, {{QStringLiteral("duration_s"), 0.4}, {QStringLiteral("steps"), 1}}));
    WorkerMessage cancel;
    cancel.type = WorkerMessageType::Cancel;
    cancel.fence = 2; // a previous attempt's
    send(cancel);
    std::optional<Received> end;
    while (const auto r = receive(5000)) {
        if (r->message.type != WorkerMessageType::Progress) {
            end = r;
            break;
        }
    }
    QVERIFY(end);
    QCOMPARE(end->message.type, WorkerMessageType::Done);
    QCOMPARE(end->message.fence, qint64(3));
}

void tst_WorkerProgram::rejectsInvalidParams()
{
    startWorker();
    expectReady();
    send(runMessage(4, {{QStringLiteral("duration_s"), QStringLiteral("long")}}));
    const auto reply = receive(3000);
    QVERIFY(reply);
    QCOMPARE(reply->message.type, WorkerMessageType::Failed);
    QCOMPARE(reply->message.error.code, QStringLiteral("invalid_params"));
    QVERIFY(!reply->message.retryable);
}

void tst_WorkerProgram::offersStartInOrderOnceTheRunEnds()
{
    startWorker();
    expectReady();
    send(runMessage(1, {{QStringLiteral("duration_s"), 0.3}, {QStringLiteral("steps"), 1}}));
    send(offerMessage(2, {{QStringLiteral("duration_s"), 0}}));
    send(offerMessage(3, {{QStringLiteral("duration_s"), 0}}));
    // Each offer starts only once the attempt ahead has reported its end.
    QCOMPARE(eventsUntil(QStringLiteral("done 3"), 10000),
             (QStringList{QStringLiteral("done 1"), QStringLiteral("started 2"),
                          QStringLiteral("done 2"), QStringLiteral("started 3"),
                          QStringLiteral("done 3")}));
}

void tst_WorkerProgram::revokeGivesBackAnOfferNotStarted()
{
    startWorker();
    expectReady();
    send(runMessage(1, {{QStringLiteral("duration_s"), 1}, {QStringLiteral("steps"), 1}}));
    send(offerMessage(2, {{QStringLiteral("duration_s"), 0}}));
    send(fenceMessage(WorkerMessageType::Revoke, 2));
    QCOMPARE(eventsUntil(QStringLiteral("done 1"), 10000),
             (QStringList{QStringLiteral("returned 2"), QStringLiteral("done 1")}));
    // Given back means gone: nothing starts once the attempt has ended.
    QCOMPARE(eventsUntil(QStringLiteral("done 2"), 500), QStringList());

    // Nothing waits any more, so a Run is taken, not refused as busy.
    send(runMessage(3, {{QStringLiteral("duration_s"), 0}}));
    QCOMPARE(eventsUntil(QStringLiteral("done 3"), 5000), QStringList{QStringLiteral("done 3")});
}

void tst_WorkerProgram::revokeOfAStartedOfferIsAnsweredByItsStart()
{
    startWorker();
    expectReady();
    send(runMessage(1, {{QStringLiteral("duration_s"), 0}}));
    send(offerMessage(2, {{QStringLiteral("duration_s"), 0.5}, {QStringLiteral("steps"), 1}}));
    QCOMPARE(eventsUntil(QStringLiteral("started 2"), 5000),
             (QStringList{QStringLiteral("done 1"), QStringLiteral("started 2")}));
    // Too late: the Started already said so, and the attempt runs its course.
    send(fenceMessage(WorkerMessageType::Revoke, 2));
    std::vector<WorkerMessage> messages;
    QCOMPARE(eventsUntil(QStringLiteral("done 2"), 5000, &messages),
             QStringList{QStringLiteral("done 2")});
    QCOMPARE(QJsonDocument::fromJson(messages.back().inlineData)
                 .object()
                 .value(QStringLiteral("slept_s"))
                 .toDouble(),
             0.5);
    QCOMPARE(eventsUntil(QStringLiteral("returned 2"), 500), QStringList());
}

void tst_WorkerProgram::runWhileOffersWaitIsRefused()
{
    startWorker();
    expectReady();
    send(runMessage(1, {{QStringLiteral("duration_s"), 1}, {QStringLiteral("steps"), 1}}));
    send(offerMessage(2, {{QStringLiteral("duration_s"), 0}}));
    send(runMessage(3, {{QStringLiteral("duration_s"), 0}}));
    std::vector<WorkerMessage> messages;
    QCOMPARE(eventsUntil(QStringLiteral("done 2"), 10000, &messages),
             (QStringList{QStringLiteral("failed 3"), QStringLiteral("done 1"),
                          QStringLiteral("started 2"), QStringLiteral("done 2")}));
    // Refused, not dropped: the backend can dispatch the job again.
    const WorkerMessage &refused = messages.front();
    QCOMPARE(refused.error.code, QStringLiteral("job_error"));
    QVERIFY(refused.retryable);
}

void tst_WorkerProgram::cancelOfAWaitingOfferStopsItAsItStarts()
{
    startWorker();
    expectReady();
    send(runMessage(1, {{QStringLiteral("duration_s"), 0.5}, {QStringLiteral("steps"), 1}}));
    send(offerMessage(2, {{QStringLiteral("duration_s"), 30}, {QStringLiteral("steps"), 1}}));
    send(fenceMessage(WorkerMessageType::Cancel, 2));
    // The cancel waits for its attempt instead of stopping the one running.
    std::vector<WorkerMessage> messages;
    QCOMPARE(eventsUntil(QStringLiteral("failed 2"), 10000, &messages),
             (QStringList{QStringLiteral("done 1"), QStringLiteral("started 2"),
                          QStringLiteral("failed 2")}));
    QCOMPARE(messages.back().error.code, QStringLiteral("cancelled"));
}

void tst_WorkerProgram::exitsCleanlyOnSigterm_data()
{
    QTest::addColumn<bool>("busy");
    QTest::newRow("idle") << false;
    QTest::newRow("running a job that ignores cancel") << true;
}

void tst_WorkerProgram::exitsCleanlyOnSigterm()
{
    QFETCH(bool, busy);
    startWorker();
    expectReady();
    if (busy) {
        send(runMessage(6, {{QStringLiteral("duration_s"), 60},
                            {QStringLiteral("steps"), 1},
                            {QStringLiteral("ignore_cancel"), true}}));
    }
    QElapsedTimer clock;
    clock.start();
    m_worker->terminate();
    QVERIFY(m_worker->waitForFinished(5000));
    QVERIFY(clock.elapsed() < 2000);
    QCOMPARE(m_worker->exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_worker->exitCode(), 0);
}

void tst_WorkerProgram::exitsWhenTheBackendFallsSilent()
{
    startWorker();
    expectReady();
    // Never answer: after liveness x interval (5 s) the worker gives up.
    QVERIFY(m_worker->waitForFinished(10000));
    QCOMPARE(m_worker->exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_worker->exitCode(), 3);
}

QTEST_GUILESS_MAIN(tst_WorkerProgram)
#include "tst_workerprogram.moc"
