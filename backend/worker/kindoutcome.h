#pragma once

#include "job.h"

#include <QString>

namespace jobdesk {

/// How a job kind's run ended: success (the result is in the sink) or an
/// error the backend records, with whether another attempt may help.
struct KindOutcome
{
    bool ok = true;
    JobError error;
    bool retryable = false;
    /// The end of what the job's program wrote on stderr (admin-defined
    /// kinds), kept for the job's events.
    QString stderrTail;

    static KindOutcome success() { return {}; }
    static KindOutcome failure(QString code, QString message, bool retryable)
    {
        KindOutcome outcome;
        outcome.ok = false;
        outcome.error = JobError{std::move(code), std::move(message)};
        outcome.retryable = retryable;
        return outcome;
    }
    /// A job_error: the input or the job's own work failed.
    static KindOutcome jobError(QString message, bool retryable)
    {
        return failure(QStringLiteral("job_error"), std::move(message), retryable);
    }
    /// The params passed the schema but cannot work (a query that writes, a
    /// missing column): never retried.
    static KindOutcome invalidParams(QString message)
    {
        return failure(QStringLiteral("invalid_params"), std::move(message), false);
    }
    /// The answer of a job that stopped because it was asked to.
    static KindOutcome cancelled()
    {
        return failure(QStringLiteral("cancelled"), QStringLiteral("cancelled"), false);
    }
};

} // namespace jobdesk
