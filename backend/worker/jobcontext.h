#pragma once

#include "canceltoken.h"
#include "kindoutcome.h"
#include "reliability.h"
#include "resultsink.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <chrono>
#include <functional>
#include <optional>

namespace jobdesk {

/// What a running job kind sees of the world: its params (defaults filled
/// in), the cancel token, a progress channel and the result sink.
class JobContext
{
public:
    using ProgressReporter = std::function<void(std::optional<double> pct, const QString &message)>;

    JobContext(QString jobId, int attempt, QJsonObject params, const CancelToken &cancel,
               ResultSink &result, ProgressReporter reportProgress,
               std::chrono::milliseconds progressThrottle = reliability::kProgressThrottle);

    const QString &jobId() const { return m_jobId; }
    int attempt() const { return m_attempt; }
    const QJsonObject &params() const { return m_params; }

    /// The backend asked this job to stop (cooperative: the kind decides).
    bool cancelled() const { return m_cancel.isCancelled(); }
    /// The worker process is shutting down: return as soon as possible.
    bool stopping() const { return m_cancel.isStopping(); }
    /// Either of the above: the job should stop now.
    bool interrupted() const { return cancelled() || stopping(); }
    /// How a job that stopped because interrupted() ends: cancelled, or a
    /// retryable error when the worker is going away under it.
    KindOutcome interruptedOutcome() const
    {
        return stopping()
                   ? KindOutcome::jobError(QStringLiteral("the worker is shutting down"), true)
                   : KindOutcome::cancelled();
    }
    /// For work that cannot poll (see ScopedCancelHook).
    const CancelToken &cancelToken() const { return m_cancel; }

    /// The folders file params must lie under (canonical). The params were
    /// checked against them before the run; kinds check again what they
    /// actually open, since a path can change in between.
    const QStringList &inputRoots() const { return m_inputRoots; }
    void setInputRoots(QStringList roots) { m_inputRoots = std::move(roots); }

    /// Sleeps without spinning; false when woken early by a cancel or a stop.
    bool sleepFor(std::chrono::nanoseconds duration) const
    {
        return m_cancel.waitFor(duration, true);
    }
    /// Like sleepFor() but deaf to cancels (only a stop wakes it).
    bool sleepIgnoringCancel(std::chrono::nanoseconds duration) const
    {
        return m_cancel.waitFor(duration, false);
    }

    /// Reports progress (nullopt = indeterminate). Calls closer together than
    /// the throttle interval are dropped but the last, which goes out later
    /// (flushProgress(), or with the attempt's end), and a final 100 %,
    /// which goes out at once; so a kind may call this as often as it likes.
    void setProgress(std::optional<double> pct, const QString &message);
    /// Sends the last report the throttle held back, once the interval has
    /// passed. Kinds that report rarely and then wait (a program that prints
    /// one PROGRESS line and works for minutes) call this while waiting, so
    /// their latest word is not lost.
    void flushProgress();

    ResultSink &result() { return m_result; }

    struct Report
    {
        std::optional<double> pct;
        QString message;
    };
    /// The report the throttle still holds, if any, now no longer its to
    /// send: for the message that ends the attempt.
    std::optional<Report> takeHeldReport();

private:
    QString m_jobId;
    int m_attempt = 0;
    QJsonObject m_params;
    const CancelToken &m_cancel;
    ResultSink &m_result;
    ProgressReporter m_reportProgress;
    std::chrono::milliseconds m_progressThrottle;
    std::chrono::steady_clock::time_point m_lastReportAt;
    std::optional<Report> m_heldBack;
    /// The last report sent said 100 %: more of them are throttled.
    bool m_sentFinal = false;
    bool m_sentAny = false; // a report went out: a final 100 % then goes at once
    QStringList m_inputRoots;
};

} // namespace jobdesk
