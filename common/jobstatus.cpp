#include "jobstatus.h"

#include <array>

namespace jobdesk {

namespace {

constexpr int kCount = 6;
constexpr int idx(JobStatus s) { return static_cast<int>(s); }

// Rows are "from", columns "to", in enum order:
// PENDING PROCESSING RETRYING COMPLETED FAILED CANCELLED
constexpr std::array<std::array<bool, kCount>, kCount> kTransitions = {{
    /* PENDING    */ {false, true, false, false, false, true},
    // A running attempt can fail into a retry, end, or be cancelled. It can go
    // back to PENDING when the backend restarts or stops gracefully under it.
    /* PROCESSING */ {true, false, true, true, true, true},
    /* RETRYING   */ {true, false, false, false, false, true},
    /* COMPLETED  */ {false, false, false, false, false, false},
    // A re-drive (explicit retry) is the only way out of FAILED or CANCELLED.
    /* FAILED     */ {true, false, false, false, false, false},
    /* CANCELLED  */ {true, false, false, false, false, false},
}};

} // namespace

QString statusName(JobStatus status)
{
    switch (status) {
    case JobStatus::Pending: return QStringLiteral("PENDING");
    case JobStatus::Processing: return QStringLiteral("PROCESSING");
    case JobStatus::Retrying: return QStringLiteral("RETRYING");
    case JobStatus::Completed: return QStringLiteral("COMPLETED");
    case JobStatus::Failed: return QStringLiteral("FAILED");
    case JobStatus::Cancelled: return QStringLiteral("CANCELLED");
    }
    return {};
}

std::optional<JobStatus> statusFromName(const QString &name)
{
    for (JobStatus s : kAllStatuses) {
        if (statusName(s) == name)
            return s;
    }
    return std::nullopt;
}

bool isTerminal(JobStatus status)
{
    return status == JobStatus::Completed || status == JobStatus::Failed ||
           status == JobStatus::Cancelled;
}

bool canTransition(JobStatus from, JobStatus to)
{
    return kTransitions[idx(from)][idx(to)];
}

} // namespace jobdesk
