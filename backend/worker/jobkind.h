#pragma once

#include "kindoutcome.h"

#include <QString>

namespace jobdesk {

class JobContext;

/// One kind of job the worker can run (demo.sleep, report.csv_summary, ...).
/// run() executes on the worker's job thread, one job at a time: it reads
/// its params from the context, checks ctx.cancelled() at points where it
/// can stop, reports progress, writes its result to ctx.result(), and
/// returns how it ended. Errors are returned, not thrown.
class JobKind
{
public:
    virtual ~JobKind() = default;

    virtual QString name() const = 0;
    virtual KindOutcome run(JobContext &ctx) = 0;
};

} // namespace jobdesk
