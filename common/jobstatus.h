#pragma once

#include <QString>

#include <optional>

namespace jobdesk {

/// The lifecycle of a job. The legal moves between these live in one table
/// (jobstatus.cpp); every write checks it.
enum class JobStatus { Pending, Processing, Retrying, Completed, Failed, Cancelled };

inline constexpr JobStatus kAllStatuses[] = {JobStatus::Pending,   JobStatus::Processing,
                                             JobStatus::Retrying,  JobStatus::Completed,
                                             JobStatus::Failed,    JobStatus::Cancelled};

QString statusName(JobStatus status);
std::optional<JobStatus> statusFromName(const QString &name);
bool isTerminal(JobStatus status);
/// Whether a job may move from `from` to `to`. Staying put is not a transition.
bool canTransition(JobStatus from, JobStatus to);

} // namespace jobdesk
