#pragma once

#include "jobservice.h"

#include <QJsonObject>
#include <QScopeGuard>
#include <QTest>
#include <memory>
#include <optional>

/// Submits a demo.sleep job straight to an in-process JobService and waits
/// (up to 5 s) for the commit that holds it: its id, or empty if refused.
inline QString submitSleepJob(jobdesk::JobService &service, const QJsonObject &params,
                              int priority = 0, int maxAttempts = 3)
{
    using namespace jobdesk;
    Result<SubmitCommand> command =
        service.parseSubmit(QJsonObject{{QStringLiteral("kind"), QStringLiteral("demo.sleep")},
                                        {QStringLiteral("params"), params},
                                        {QStringLiteral("priority"), priority},
                                        {QStringLiteral("max_attempts"), maxAttempts}},
                            IdempotencyKeySource::Header);
    if (!command)
        return {};
    // Shared, not on this frame: after a timeout the answer may still come.
    auto answer = std::make_shared<std::optional<Result<SubmitOutcome>>>();
    service.submit(std::move(command).value(), [answer](Result<SubmitOutcome> r) { *answer = r; });
    if (!QTest::qWaitFor([&] { return answer->has_value(); }, 5000))
        return {};
    return (*answer)->ok() ? (*answer)->value().jobId : QString();
}

/// Stops the service as the calling test function returns, passed or failed:
/// the callbacks that function handed the service capture its locals, and
/// the stop answers those still waiting. Declare it after those locals.
[[nodiscard]] inline auto stopAtReturn(const std::unique_ptr<jobdesk::JobService> &service)
{
    return qScopeGuard([&service] {
        if (service)
            service->stop();
    });
}
