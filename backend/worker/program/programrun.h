#pragma once

#include "guardedprocess.h"
#include "linesplitter.h"
#include "tailbuffer.h"

#include <QByteArray>
#include <QString>
#include <chrono>
#include <functional>
#include <string_view>

namespace jobdesk {

class CancelToken;

/// Runs one program to its end for a job: reads its stdout as lines and
/// keeps the tail of its stderr, both in bounded memory, and stops the
/// whole process group when the job is cancelled or the worker stops
/// (SIGTERM, then SIGKILL after `terminateGrace`).
class ProgramRun
{
public:
    /// Longest stdout line kept whole; the rest of a longer one is dropped.
    static constexpr std::size_t kMaxLineBytes = 64 * 1024;
    /// How much of the end of stderr is kept.
    static constexpr std::size_t kStderrTailBytes = 64 * 1024;
    /// After SIGTERM, how long the program has before SIGKILL. Shorter than
    /// the backend's cancel grace period, so the worker answers before it
    /// would be killed itself.
    static constexpr std::chrono::milliseconds kTerminateGrace{2000};

    using LineHandler = std::function<void(std::string_view line, bool truncated)>;

    explicit ProgramRun(const CancelToken &cancel,
                        std::chrono::milliseconds terminateGrace = kTerminateGrace);

    /// Starts `spec` and returns once it has ended. False (with `error`)
    /// only when it could not be forked; how it ended is in process().
    /// `onTick`, if set, is called at least every 50 ms meanwhile.
    bool run(const GuardedProcess::Spec &spec, const LineHandler &onStdoutLine, QString *error,
             const std::function<void()> &onTick = {});

    const GuardedProcess &process() const { return m_process; }
    /// The program was stopped because the token asked for it.
    bool interrupted() const { return m_interrupted; }
    QByteArray stderrTail() const { return m_stderr.contents(); }
    long long stderrBytes() const { return m_stderr.totalBytes(); }
    /// The last non-empty line of the stderr tail, for error messages.
    QString lastStderrLine() const;

private:
    enum class Drain
    {
        Open,
        Closed
    };
    Drain drain(int fd, const LineHandler &onStdoutLine, std::size_t maxBytes);

    const CancelToken &m_cancel;
    std::chrono::milliseconds m_terminateGrace;
    GuardedProcess m_process;
    LineSplitter m_stdoutLines{kMaxLineBytes};
    TailBuffer m_stderr{kStderrTailBytes};
    bool m_interrupted = false;
};

} // namespace jobdesk
