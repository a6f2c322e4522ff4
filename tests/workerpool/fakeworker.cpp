// A stand-in for jobdesk-worker that speaks the protocol but misbehaves in
// the way JOBDESK_FAKEWORKER_MODE asks:
//   stale-fence   on Run, first reports progress and an end for another
//                 fence, then answers correctly for the real one
//   wrong-secret  says READY with a secret that is not the one it was given
//   leaves-a-child  starts a helper process in its group (its pid written to
//                 JOBDESK_FAKEWORKER_PIDFILE), then dies on the first Run

#include "workerprotocol.h"

#include <QByteArray>
#include <QFile>
#include <QString>
#include <cstdio>
#include <string>
#include <unistd.h>
#include <zmq.hpp>

using namespace jobdesk;

namespace {

void send(zmq::socket_t &dealer, const WorkerMessage &m)
{
    const QByteArray frame = encodeWorkerMessage(m);
    dealer.send(zmq::buffer(frame.constData(), std::size_t(frame.size())),
                zmq::send_flags::dontwait);
}

WorkerMessage progress(qint64 fence, double pct, const QString &message)
{
    WorkerMessage m;
    m.type = WorkerMessageType::Progress;
    m.fence = fence;
    m.progress = pct;
    m.message = message;
    return m;
}

WorkerMessage done(qint64 fence, const QByteArray &bytes)
{
    WorkerMessage m;
    m.type = WorkerMessageType::Done;
    m.fence = fence;
    m.inlineData = bytes;
    m.result = ResultInfo{QStringLiteral("fake.txt"), QStringLiteral("text/plain"), bytes.size(),
                          QString()};
    return m;
}

} // namespace

int main(int argc, char *argv[])
{
    std::string endpoint;
    std::string identity;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--endpoint")
            endpoint = argv[i + 1];
        else if (flag == "--identity")
            identity = argv[i + 1];
    }
    const QString mode = qEnvironmentVariable("JOBDESK_FAKEWORKER_MODE");
    if (endpoint.empty() || identity.empty() || mode.isEmpty()) {
        std::fprintf(stderr,
                     "fakeworker: needs --endpoint, --identity and JOBDESK_FAKEWORKER_MODE\n");
        return 2;
    }

    if (mode == QLatin1String("leaves-a-child")) {
        // Before any thread exists: the helper inherits our process group but
        // not our PR_SET_PDEATHSIG (fork clears it).
        const pid_t helper = ::fork();
        if (helper == 0) {
            for (;;)
                ::pause();
        }
        QFile pidFile(qEnvironmentVariable("JOBDESK_FAKEWORKER_PIDFILE"));
        if (helper < 0 || !pidFile.open(QIODevice::WriteOnly) ||
            pidFile.write(QByteArray::number(qint64(helper))) < 0) {
            std::fprintf(stderr, "fakeworker: cannot start or record the helper\n");
            return 1;
        }
    }

    zmq::context_t context(1);
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.set(zmq::sockopt::routing_id, identity);
    dealer.connect(endpoint);

    WorkerMessage ready;
    ready.type = WorkerMessageType::Ready;
    ready.pid = ::getpid();
    ready.secret = mode == QLatin1String("wrong-secret")
                       ? QStringLiteral("not-the-secret")
                       : qEnvironmentVariable("JOBDESK_WORKER_SECRET");
    send(dealer, ready);

    // Runs until the supervisor kills it (it is in our process group and has
    // PR_SET_PDEATHSIG from the supervisor's spawn).
    for (;;) {
        zmq::message_t frame;
        if (!dealer.recv(frame))
            continue;
        const auto m = decodeWorkerMessage(QByteArray(frame.data<char>(), qsizetype(frame.size())));
        if (!m)
            continue;
        if (m->type == WorkerMessageType::Heartbeat) {
            WorkerMessage beat;
            beat.type = WorkerMessageType::Heartbeat;
            send(dealer, beat);
        } else if (m->type == WorkerMessageType::Run && mode == QLatin1String("leaves-a-child")) {
            ::_exit(3);
        } else if (m->type == WorkerMessageType::Run && mode == QLatin1String("stale-fence")) {
            const qint64 stale = m->fence - 1;
            send(dealer, progress(stale, 99, QStringLiteral("stale")));
            send(dealer, done(stale, "stale result"));
            send(dealer, progress(m->fence, 50, QStringLiteral("real")));
            send(dealer, done(m->fence, "real result"));
        }
    }
}
