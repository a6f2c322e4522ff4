#pragma once

#include "jobstatus.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <optional>

namespace jobdesk {

/// Why an attempt or a job failed: a stable machine code plus a human message.
struct JobError
{
    QString code; // timeout, worker_crashed, invalid_params, job_error, cancelled, ...
    QString message;

    bool operator==(const JobError &o) const { return code == o.code && message == o.message; }
};

/// What a completed job produced. The bytes live in the store (small results)
/// or in the results folder (large ones); this is the description clients see.
struct ResultInfo
{
    QString filename;
    QString contentType;
    qint64 size = 0;
    QString sha256; // lower-case hex

    bool operator==(const ResultInfo &o) const
    {
        return filename == o.filename && contentType == o.contentType && size == o.size &&
               sha256 == o.sha256;
    }
};

/// One job, as stored and as served. Times are milliseconds since the Unix
/// epoch, 0 meaning "not yet". Fields below the marker are internal: they are
/// stored but never serialized to clients.
struct Job
{
    QString id;
    QString kind;
    QJsonObject params;
    JobStatus status = JobStatus::Pending;
    std::optional<double> progress = 0.0; // nullopt = indeterminate
    QString message;
    std::optional<double> etaS;
    int priority = 0;
    int attempt = 0;
    int maxAttempts = 3;
    int timeoutS = 300;
    qint64 nextAttemptAtMs = 0;
    bool cancelRequested = false;
    bool deadLetter = false;
    std::optional<JobError> error;
    qint64 createdAtMs = 0;
    qint64 startedAtMs = 0;
    qint64 updatedAtMs = 0;
    qint64 finishedAtMs = 0;
    std::optional<ResultInfo> result;
    qint64 rev = 0;

    // --- internal ---
    QString callbackUrl;
    /// The fencing number of the current or last dispatch; never reused.
    qint64 fence = 0;
    /// Attempts this job may reach before it is dead-lettered (grows on re-drive).
    int attemptLimit = 3;
    /// How many times a backend restart interrupted this job's attempts.
    int interruptions = 0;
    /// Where the result bytes live: empty = in the store, else a file name
    /// relative to the results folder.
    QString resultFile;
    /// `params` as compact JSON when already known (set once at submit; a
    /// job's params never change), so that each change of the job does not
    /// serialize them again. Empty = not known. Not compared by ==.
    QByteArray paramsJson;

    bool operator==(const Job &o) const;
    bool operator!=(const Job &o) const { return !(*this == o); }
};

} // namespace jobdesk
