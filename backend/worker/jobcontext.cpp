#include "jobcontext.h"

namespace jobdesk {

JobContext::JobContext(QString jobId, int attempt, QJsonObject params, const CancelToken &cancel,
                       ResultSink &result, ProgressReporter reportProgress,
                       std::chrono::milliseconds progressThrottle)
    : m_jobId(std::move(jobId))
    , m_attempt(attempt)
    , m_params(std::move(params))
    , m_cancel(cancel)
    , m_result(result)
    , m_reportProgress(std::move(reportProgress))
    , m_progressThrottle(progressThrottle)
    // Counting the throttle from the start keeps a job that finishes within
    // one interval down to its final report: the backend gets no burst of
    // intermediate steps nobody could see.
    , m_lastReportAt(std::chrono::steady_clock::now())
{
}

void JobContext::setProgress(std::optional<double> pct, const QString &message)
{
    const auto now = std::chrono::steady_clock::now();
    // A final 100 % goes out at once (a kind may still work a while after
    // it), unless nothing has been sent yet and the attempt is younger than
    // one throttle window: a short job's whole story then travels with its
    // end. Any other report held back goes with the attempt's end
    // (takeHeldReport) if nothing sends it sooner: how far a failed attempt
    // got is not lost.
    const bool final = pct && *pct >= 100.0 && !m_sentFinal && m_sentAny;
    if (!final && now - m_lastReportAt < m_progressThrottle) {
        m_heldBack = Report{pct, message};
        return;
    }
    m_heldBack.reset();
    m_lastReportAt = now;
    m_sentAny = true;
    m_sentFinal = pct && *pct >= 100.0;
    if (m_reportProgress)
        m_reportProgress(pct, message);
}

std::optional<JobContext::Report> JobContext::takeHeldReport()
{
    return std::exchange(m_heldBack, std::nullopt);
}

void JobContext::flushProgress()
{
    if (!m_heldBack || std::chrono::steady_clock::now() - m_lastReportAt < m_progressThrottle)
        return;
    const Report report = *m_heldBack;
    setProgress(report.pct, report.message);
}

} // namespace jobdesk
