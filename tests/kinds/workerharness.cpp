#include "workerharness.h"

#include <QElapsedTimer>
#include <QFile>
#include <chrono>

using namespace jobdesk;

WorkerHarness::WorkerHarness()
{
    m_router = std::make_unique<zmq::socket_t>(m_context, zmq::socket_type::router);
    m_router->set(zmq::sockopt::linger, 0);
    m_router->bind("ipc://" + m_dir.filePath(QStringLiteral("workers")).toStdString());
}

WorkerHarness::~WorkerHarness()
{
    if (m_worker) {
        m_worker->kill();
        m_worker->waitForFinished(5000);
    }
}

QString WorkerHarness::workerProgram()
{
    return qEnvironmentVariable("JOBDESK_BIN_DIR") + QStringLiteral("/jobdesk-worker");
}

bool WorkerHarness::start(const QString &catalogFile)
{
    m_worker = std::make_unique<QProcess>();
    m_worker->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("JOBDESK_WORKER_SECRET"), QStringLiteral("harness"));
    m_worker->setProcessEnvironment(env);
    QStringList args{QStringLiteral("--endpoint"),
                     QStringLiteral("ipc://") + m_dir.filePath(QStringLiteral("workers")),
                     QStringLiteral("--identity"),
                     QString::fromLatin1(m_identity),
                     QStringLiteral("--epoch"),
                     QStringLiteral("harness"),
                     QStringLiteral("--results-dir"),
                     m_dir.path()};
    if (!catalogFile.isEmpty())
        args << QStringLiteral("--catalog") << catalogFile;
    m_worker->start(workerProgram(), args);
    if (!m_worker->waitForStarted(5000)) {
        m_error = m_worker->errorString();
        return false;
    }
    const std::optional<WorkerMessage> ready = receive(10000);
    if (!ready || ready->type != WorkerMessageType::Ready) {
        m_error = QStringLiteral("no READY from the worker");
        return false;
    }
    return true;
}

std::optional<WorkerMessage> WorkerHarness::receive(int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    for (;;) {
        const qint64 left = timeoutMs - clock.elapsed();
        if (left <= 0)
            return std::nullopt;
        std::vector<zmq_pollitem_t> items{{m_router->handle(), 0, ZMQ_POLLIN, 0}};
        zmq::poll(items, std::chrono::milliseconds(std::min<qint64>(left, 500)));
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        zmq::message_t identity, body;
        if (!m_router->recv(identity) || !m_router->recv(body))
            return std::nullopt;
        const auto message =
            decodeWorkerMessage(QByteArray(body.data<char>(), qsizetype(body.size())));
        if (message && message->type != WorkerMessageType::Heartbeat)
            return message;
    }
}

void WorkerHarness::send(const WorkerMessage &message)
{
    const QByteArray frame = encodeWorkerMessage(message);
    m_router->send(zmq::buffer(m_identity.constData(), std::size_t(m_identity.size())),
                   zmq::send_flags::sndmore);
    m_router->send(zmq::buffer(frame.constData(), std::size_t(frame.size())));
}

std::optional<WorkerMessage>
WorkerHarness::run(const QString &kind, const QJsonObject &params, int timeoutMs,
                   const std::function<void(const WorkerMessage &)> &onProgress)
{
    WorkerMessage run;
    run.type = WorkerMessageType::Run;
    run.fence = ++m_fence;
    run.jobId = QStringLiteral("0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b");
    run.kind = kind;
    run.params = params;
    run.attempt = 1;
    run.timeoutS = timeoutMs / 1000 + 1;
    send(run);

    WorkerMessage heartbeat;
    heartbeat.type = WorkerMessageType::Heartbeat;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        if (m_worker->waitForFinished(0) || m_worker->state() == QProcess::NotRunning)
            return std::nullopt; // it died: no answer will come
        // The worker leaves when the backend falls silent: heartbeat it.
        send(heartbeat);
        const std::optional<WorkerMessage> m = receive(500);
        if (!m)
            continue;
        if (m->type == WorkerMessageType::Progress && onProgress)
            onProgress(*m);
        if (m->type == WorkerMessageType::Done || m->type == WorkerMessageType::Failed)
            return m;
    }
    return std::nullopt;
}

void WorkerHarness::cancel()
{
    WorkerMessage cancel;
    cancel.type = WorkerMessageType::Cancel;
    cancel.fence = m_fence;
    send(cancel);
}

qint64 WorkerHarness::pid() const
{
    return m_worker ? m_worker->processId() : 0;
}

qint64 WorkerHarness::peakRssBytes() const
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid()));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return -1;
}
