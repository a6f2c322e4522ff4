#include "jobrunner.h"

#include "paramsschema.h"

#include <exception>

namespace jobdesk {

namespace {

WorkerMessage failed(qint64 fence, const QString &code, const QString &message, bool retryable,
                     const QString &stderrTail = {})
{
    WorkerMessage m;
    m.type = WorkerMessageType::Failed;
    m.fence = fence;
    m.error = JobError{code, message};
    m.retryable = retryable;
    m.stderrTail = stderrTail;
    return m;
}

QString describe(const QList<FieldError> &errors)
{
    QStringList parts;
    for (const FieldError &e : errors)
        parts.append(e.field + QLatin1Char(' ') + e.message);
    return parts.join(QStringLiteral("; "));
}

} // namespace

JobRunner::JobRunner(KindCatalog catalog, JobKindRegistry registry, QString resultsDir)
    : m_catalog(std::move(catalog))
    , m_registry(std::move(registry))
    , m_resultsDir(std::move(resultsDir))
{
}

WorkerMessage JobRunner::run(const WorkerMessage &assignment, const CancelToken &cancel,
                             const JobContext::ProgressReporter &reportProgress) const
{
    const qint64 fence = assignment.fence;
    const QString invalidParams = QStringLiteral("invalid_params");

    const KindInfo *info = m_catalog.find(assignment.kind);
    if (!info)
        return failed(fence, invalidParams,
                      QStringLiteral("unknown kind \"%1\"").arg(assignment.kind), false);
    const QList<FieldError> errors = validateParams(info->paramsSchema, assignment.params);
    if (!errors.isEmpty())
        return failed(fence, invalidParams, describe(errors), false);
    std::unique_ptr<JobKind> kind = m_registry.create(assignment.kind);
    if (!kind)
        return failed(
            fence, invalidParams,
            QStringLiteral("kind \"%1\" is not available in this worker").arg(assignment.kind),
            false);

    ResultSink sink(m_resultsDir, assignment.jobId, fence);
    JobContext ctx(assignment.jobId, assignment.attempt,
                   withDefaults(info->paramsSchema, assignment.params), cancel, sink,
                   reportProgress);
    ctx.setInputRoots(m_catalog.inputRoots());

    KindOutcome outcome;
    try {
        outcome = kind->run(ctx);
    } catch (const std::exception &e) {
        // Kinds return their errors; an exception is a bug, but it must still
        // end the attempt with a reason instead of taking the worker down.
        outcome = KindOutcome::failure(
            QStringLiteral("job_error"),
            QStringLiteral("internal error: %1").arg(QString::fromUtf8(e.what())), false);
    }

    // The last report the throttle held comes with the end of the attempt.
    const auto withLastReport = [&ctx](WorkerMessage m) {
        if (std::optional<JobContext::Report> last = ctx.takeHeldReport()) {
            m.lastReport = true;
            m.progress = last->pct;
            m.message = last->message;
        }
        return m;
    };
    if (!outcome.ok) {
        sink.discard();
        return withLastReport(failed(fence, outcome.error.code, outcome.error.message,
                                     outcome.retryable, outcome.stderrTail));
    }
    if (!sink.commit()) {
        return withLastReport(
            failed(fence, QStringLiteral("job_error"),
                   QStringLiteral("cannot write result: %1").arg(sink.errorString()), false,
                   outcome.stderrTail));
    }

    WorkerMessage done;
    done.type = WorkerMessageType::Done;
    done.fence = fence;
    done.stderrTail = outcome.stderrTail;
    done.result = sink.info();
    if (sink.isInline())
        done.inlineData = sink.inlineData();
    else
        done.resultFile = sink.fileName();
    return withLastReport(done);
}

} // namespace jobdesk
