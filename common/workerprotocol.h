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
///
/// Besides the attempt it runs, a busy worker may hold a few offers: jobs to
/// start, in order, as soon as its current attempt ends, without waiting
/// for the backend (prefetch, with the job still PENDING until it starts).
/// Every offer ends in exactly one Started or Returned.
enum class WorkerMessageType
{
    // worker -> backend
    Ready,     // secret, pid: the worker is up and idle
    Heartbeat, // both ways
    Progress,  // fence, progress (null = indeterminate), message
    Done,      // fence, result, and inline bytes or a result file name; stderr?; next_fence?
    Failed,    // fence, error, retryable; stderr?; next_fence?
    Started,   // fence: an offer is now the running attempt
    Returned,  // fence: an offer given back unstarted (after Revoke)
               // backend -> worker
    Run,       // fence, job id, kind, params, timeout, attempt
    Offer,     // the fields of Run: start it once the current attempt ends
    Revoke,    // fence: give an offer back if it has not started
    Cancel,    // fence: stop cooperatively
};

struct WorkerMessage
{
    WorkerMessageType type = WorkerMessageType::Heartbeat;
    qint64 fence = 0;

    QString secret; // Ready
    qint64 pid = 0; // Ready

    QString jobId;      // Run, Offer
    QString kind;       // Run, Offer
    QJsonObject params; // Run, Offer
    /// Run, Offer: `params` as compact JSON, when known; encoded as is.
    QByteArray paramsJson;
    int timeoutS = 0; // Run, Offer
    int attempt = 0;  // Run, Offer

    std::optional<double> progress; // Progress; Done, Failed if lastReport
    QString message;                // Progress; Done, Failed if lastReport
    /// Done, Failed: the attempt's last progress report, held back by the
    /// throttle, comes with its end instead of in a message of its own.
    bool lastReport = false;
    /// Done, Failed: the offer the worker started as this attempt ended (a
    /// Started folded into the end); 0 when none.
    qint64 nextFence = 0;

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
