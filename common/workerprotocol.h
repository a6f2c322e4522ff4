#pragma once

#include "job.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <optional>

namespace jobdesk {

/// The private channel between jobdeskd (ROUTER) and each jobdesk-worker
/// (DEALER): one JSON frame per message. Every message about a job carries
/// the dispatch's fencing number; the backend ignores any that does not match
/// the job's current dispatch.
enum class WorkerMessageType
{
    // worker -> backend
    Ready,     // secret, pid: the worker is up and idle
    Heartbeat, // both ways
    Progress,  // fence, progress (null = indeterminate), message
    Done,      // fence, result, and inline bytes or a result file name; stderr?
    Failed,    // fence, error, retryable; stderr?
    // backend -> worker
    Run,    // fence, job id, kind, params, timeout, attempt
    Cancel, // fence: stop cooperatively
};

struct WorkerMessage
{
    WorkerMessageType type = WorkerMessageType::Heartbeat;
    qint64 fence = 0;

    QString secret; // Ready
    qint64 pid = 0; // Ready

    QString jobId;      // Run
    QString kind;       // Run
    QJsonObject params; // Run
    int timeoutS = 0;   // Run
    int attempt = 0;    // Run

    std::optional<double> progress; // Progress; Done, Failed if lastReport
    QString message;                // Progress; Done, Failed if lastReport
    /// Done, Failed: the attempt's last progress report, held back by the
    /// throttle, comes with its end instead of in a message of its own.
    bool lastReport = false;

    ResultInfo result;     // Done
    QByteArray inlineData; // Done: small results travel in the message
    QString resultFile;    // Done: large results, a name in the results folder

    JobError error;         // Failed
    bool retryable = false; // Failed

    // Done, Failed: the last bytes (at most 64 KiB) that a job's program
    // wrote on stderr, for the job's events. Absent from the frame when empty.
    QString stderrTail;
};

QByteArray encodeWorkerMessage(const WorkerMessage &message);
/// nullopt when the frame is not a well-formed worker message.
std::optional<WorkerMessage> decodeWorkerMessage(const QByteArray &frame);

} // namespace jobdesk
