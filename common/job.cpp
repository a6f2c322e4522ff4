#include "job.h"

namespace jobdesk {

bool Job::operator==(const Job &o) const
{
    return id == o.id && kind == o.kind && params == o.params && status == o.status &&
           progress == o.progress && message == o.message && etaS == o.etaS &&
           priority == o.priority && attempt == o.attempt && maxAttempts == o.maxAttempts &&
           timeoutS == o.timeoutS && nextAttemptAtMs == o.nextAttemptAtMs &&
           cancelRequested == o.cancelRequested && deadLetter == o.deadLetter &&
           error == o.error && createdAtMs == o.createdAtMs && startedAtMs == o.startedAtMs &&
           updatedAtMs == o.updatedAtMs && finishedAtMs == o.finishedAtMs &&
           result == o.result && rev == o.rev && callbackUrl == o.callbackUrl &&
           fence == o.fence && attemptLimit == o.attemptLimit &&
           interruptions == o.interruptions && resultFile == o.resultFile;
}

} // namespace jobdesk
