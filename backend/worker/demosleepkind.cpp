#include "demosleepkind.h"

#include "jobcontext.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace jobdesk {

namespace {

std::optional<double> optionalNumber(const QJsonObject &params, const QString &key)
{
    const QJsonValue v = params.value(key);
    if (!v.isDouble())
        return std::nullopt;
    return v.toDouble();
}

[[noreturn]] void crashOnPurpose(double pct)
{
    // A real crash, as a buggy job would cause: no reply, no cleanup. _exit
    // rather than abort() so that tests do not leave core files around.
    std::fprintf(stderr, "demo.sleep: crashing on purpose at %g%% (crash_at)\n", pct);
    std::fflush(stderr);
    ::_exit(DemoSleepKind::kCrashExitCode);
}

} // namespace

KindOutcome DemoSleepKind::run(JobContext &ctx)
{
    const QJsonObject &params = ctx.params();
    const double durationS =
        std::max(0.0, params.value(QStringLiteral("duration_s")).toDouble(5.0));
    const int steps = std::max(1, params.value(QStringLiteral("steps")).toInt(20));
    const std::optional<double> failAt = optionalNumber(params, QStringLiteral("fail_at"));
    const std::optional<double> crashAt = optionalNumber(params, QStringLiteral("crash_at"));
    const bool ignoreCancel = params.value(QStringLiteral("ignore_cancel")).toBool(false);

    const auto stepDuration = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(durationS / steps));

    // Checked at 0 % too, so that fail_at 0 fails before any work.
    const auto checkTriggers = [&](double pct) -> std::optional<KindOutcome> {
        if (crashAt && pct >= *crashAt)
            crashOnPurpose(*crashAt);
        if (failAt && pct >= *failAt) {
            return KindOutcome::failure(
                QStringLiteral("job_error"),
                QStringLiteral("failed at %1% (fail_at)").arg(QString::number(*failAt)), true);
        }
        return std::nullopt;
    };

    if (auto failed = checkTriggers(0.0))
        return *failed;

    for (int step = 1; step <= steps; ++step) {
        const bool sleptFully =
            ignoreCancel ? ctx.sleepIgnoringCancel(stepDuration) : ctx.sleepFor(stepDuration);
        if (!sleptFully) {
            if (ctx.stopping()) {
                return KindOutcome::failure(QStringLiteral("job_error"),
                                            QStringLiteral("the worker is shutting down"), true);
            }
            return KindOutcome::cancelled();
        }
        const double pct = 100.0 * step / steps;
        if (auto failed = checkTriggers(pct))
            return *failed;
        ctx.setProgress(pct, QStringLiteral("step %1 of %2").arg(step).arg(steps));
    }

    const QJsonObject summary{
        {QStringLiteral("slept_s"), durationS},
        {QStringLiteral("steps"), steps},
        {QStringLiteral("attempt"), ctx.attempt()},
    };
    ResultSink &result = ctx.result();
    result.setFilename(QStringLiteral("result.json"));
    result.setContentType(QStringLiteral("application/json"));
    if (!result.write(QJsonDocument(summary).toJson(QJsonDocument::Compact)))
        return KindOutcome::failure(
            QStringLiteral("job_error"),
            QStringLiteral("cannot write result: %1").arg(result.errorString()), false);
    return KindOutcome::success();
}

} // namespace jobdesk
