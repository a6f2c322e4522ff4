#pragma once

#include "jobkind.h"
#include "kindcatalog.h"

namespace jobdesk {

/// An admin-defined kind: runs the program of its ProgramSpec with the
/// job's params as arguments (never through a shell), in a process group of
/// its own (GuardedProcess).
///
/// The program talks back on stdout: `PROGRESS <pct> [message]` lines
/// report progress, `RESULT <path>` names the result file (relative paths
/// are taken from its working directory). Other stdout lines are ignored;
/// the last 64 KiB of stderr go with the outcome into the job's events. A
/// non-zero exit fails the attempt (retryable); a cancel or a timeout stops
/// the whole group. Without a RESULT line the result is a small JSON
/// document with the exit code.
///
/// The program's environment is the worker's plus JOBDESK_JOB_ID,
/// JOBDESK_ATTEMPT, JOBDESK_PARAMS (the params as JSON), JOBDESK_WORK_DIR (a
/// fresh folder for this attempt, removed afterwards) and the spec's own
/// variables.
class AdminProgramKind final : public JobKind
{
public:
    AdminProgramKind(QString name, ProgramSpec spec);

    QString name() const override { return m_name; }
    KindOutcome run(JobContext &ctx) override;

private:
    QString m_name;
    ProgramSpec m_spec;
};

} // namespace jobdesk
