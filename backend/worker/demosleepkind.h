#pragma once

#include "jobkind.h"

namespace jobdesk {

/// `demo.sleep`: sleeps `duration_s` in `steps` equal steps, reporting
/// progress after each. On request it fails at `fail_at` percent (retryable
/// job_error), kills its own process at `crash_at` percent, or ignores
/// cooperative cancellation. Writes `result.json`. For demos and tests.
class DemoSleepKind final : public JobKind
{
public:
    /// The exit code of the deliberate crash at `crash_at`.
    static constexpr int kCrashExitCode = 70;

    QString name() const override { return QStringLiteral("demo.sleep"); }
    KindOutcome run(JobContext &ctx) override;
};

} // namespace jobdesk
