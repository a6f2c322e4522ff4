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

    static KindOutcome success() { return {}; }
    static KindOutcome failure(QString code, QString message, bool retryable)
    {
        return {false, JobError{std::move(code), std::move(message)}, retryable};
    }
    /// The answer of a job that stopped because it was asked to.
    static KindOutcome cancelled()
    {
        return failure(QStringLiteral("cancelled"), QStringLiteral("cancelled"), false);
    }
};

} // namespace jobdesk
