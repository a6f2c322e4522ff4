#pragma once

#include "canceltoken.h"
#include "jobcontext.h"
#include "jobkindregistry.h"
#include "kindcatalog.h"
#include "workerprotocol.h"

#include <QString>

namespace jobdesk {

/// Runs one attempt from a Run message to the Done or Failed message that
/// answers it: validates the params again against the kind's schema (the
/// worker trusts nothing it did not check), fills in defaults, runs the
/// kind, and commits its result. Runs on the calling thread (the job thread
/// in the worker, the test thread in tests).
class JobRunner
{
public:
    JobRunner(KindCatalog catalog, JobKindRegistry registry, QString resultsDir);

    WorkerMessage run(const WorkerMessage &assignment, const CancelToken &cancel,
                      const JobContext::ProgressReporter &reportProgress) const;

private:
    KindCatalog m_catalog;
    JobKindRegistry m_registry;
    QString m_resultsDir;
};

} // namespace jobdesk
