#pragma once

#include "job.h"

#include <QColor>
#include <QIcon>
#include <QString>
#include <optional>

namespace jobdesk {

/// How a job is shown to a person: the texts, colours and icons the table,
/// the details pane and the notifications share, so they never disagree.

/// The last 8 hex digits of the id: a UUIDv7 starts with its timestamp, so
/// jobs submitted close together share their first digits but not their last.
QString shortJobId(const QString &id);
/// "Pending", "Processing", ... (the contract's names in title case).
QString statusTitle(JobStatus status);
/// The status as the table shows it, e.g. "Cancelling" or "Retrying (2/3)".
QString statusLabel(const Job &job);
QColor statusColor(JobStatus status);
/// The status icon from the resources (":/icons/status-*.svg").
QIcon statusIcon(JobStatus status);

/// Wall time the current or last attempt has run: started → finished or now.
/// 0 when the job has not started.
qint64 jobDurationMs(const Job &job, qint64 nowMs);
/// Seconds left as the backend estimated them, less the time since that
/// estimate; nullopt when the job is not running or cannot tell.
std::optional<double> remainingSeconds(const Job &job, qint64 nowMs);

/// "850 ms", "4.2 s", "3 min 12 s", "2 h 05 min".
QString formatDuration(qint64 ms);
/// Local time: "14:03:27" today, "26 Nov 14:03" this year, else with the year.
QString formatWhen(qint64 msSinceEpoch, qint64 nowMs);
/// Local date and time with milliseconds, for the details pane.
QString formatWhenPrecise(qint64 msSinceEpoch);
/// "12.3 MiB"
QString formatBytes(qint64 bytes);

/// What the text filter matches: id, kind, params (compact JSON) and message,
/// lower-cased.
QString jobSearchText(const Job &job);

} // namespace jobdesk
