#include "programrun.h"

#include "canceltoken.h"
#include "reliability.h"

#include <array>
#include <cerrno>
#include <poll.h>
#include <unistd.h>

namespace jobdesk {

static_assert(ProgramRun::kTerminateGrace < reliability::kCancelGracePeriod,
              "a cancelled program must be gone before the backend kills its worker");

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadChunk = 64 * 1024;
// Per wake-up, so that a flood on one pipe cannot starve the cancel check.
constexpr std::size_t kMaxBytesPerWake = 1024 * 1024;
constexpr int kPollIntervalMs = 50;

} // namespace

ProgramRun::ProgramRun(const CancelToken &cancel, std::chrono::milliseconds terminateGrace)
    : m_cancel(cancel)
    , m_terminateGrace(terminateGrace)
{
}

ProgramRun::Drain ProgramRun::drain(int fd, const LineHandler &onStdoutLine, std::size_t maxBytes)
{
    std::array<char, kReadChunk> buffer;
    std::size_t total = 0;
    while (total < maxBytes) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n == 0)
            return Drain::Closed;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN ? Drain::Open : Drain::Closed;
        }
        total += std::size_t(n);
        if (fd == m_process.stdoutFd())
            m_stdoutLines.feed(buffer.data(), std::size_t(n), onStdoutLine);
        else
            m_stderr.append(buffer.data(), std::size_t(n));
    }
    return Drain::Open;
}

bool ProgramRun::run(const GuardedProcess::Spec &spec, const LineHandler &onStdoutLine,
                     QString *error, const std::function<void()> &onTick)
{
    if (!m_process.start(spec, error))
        return false;

    bool stdoutOpen = true;
    bool stderrOpen = true;
    bool killed = false;
    Clock::time_point killAt;

    for (;;) {
        if (!m_interrupted && (m_cancel.isCancelled() || m_cancel.isStopping())) {
            m_interrupted = true;
            m_process.terminate();
            killAt = Clock::now() + m_terminateGrace;
        }
        if (m_interrupted && !killed && Clock::now() >= killAt) {
            m_process.kill();
            killed = true;
        }

        std::array<pollfd, 2> fds{};
        nfds_t count = 0;
        if (stdoutOpen)
            fds[count++] = pollfd{m_process.stdoutFd(), POLLIN, 0};
        if (stderrOpen)
            fds[count++] = pollfd{m_process.stderrFd(), POLLIN, 0};
        const int ready = ::poll(count ? fds.data() : nullptr, count, kPollIntervalMs);
        if (ready > 0) {
            for (nfds_t i = 0; i < count; ++i) {
                if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                    continue;
                if (drain(fds[i].fd, onStdoutLine, kMaxBytesPerWake) == Drain::Closed) {
                    if (fds[i].fd == m_process.stdoutFd())
                        stdoutOpen = false;
                    else
                        stderrOpen = false;
                }
            }
        }
        if (m_process.tryReap())
            break;
        if (onTick)
            onTick();
    }

    // The group is gone; what it wrote before is still in the pipes. Bounded,
    // in case something that left the group still holds them open.
    if (stdoutOpen)
        drain(m_process.stdoutFd(), onStdoutLine, 4 * kMaxBytesPerWake);
    if (stderrOpen)
        drain(m_process.stderrFd(), onStdoutLine, 4 * kMaxBytesPerWake);
    m_stdoutLines.finish(onStdoutLine);
    m_process.closeOutput();
    return true;
}

QString ProgramRun::lastStderrLine() const
{
    const QByteArray tail = m_stderr.contents();
    const QList<QByteArray> lines = tail.split('\n');
    for (auto it = lines.crbegin(); it != lines.crend(); ++it) {
        const QByteArray line = it->trimmed();
        if (!line.isEmpty())
            return QString::fromUtf8(line.left(500));
    }
    return {};
}

} // namespace jobdesk
