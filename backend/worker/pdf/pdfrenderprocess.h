#pragma once

#include "kindoutcome.h"

#include <QString>

namespace jobdesk {

class JobContext;

/// PDF output for a worker that has no GUI: QPdfWriter and QTextDocument
/// need a QGuiApplication, which a long-lived worker should not carry (nor
/// could it create one beside its QCoreApplication). So the PDF is drawn by
/// a short-lived child, `jobdesk-worker --render-pdf IN.html OUT.pdf`, on
/// the offscreen platform (see pdfrendermain.h), run like any job program:
/// in its own process group, stopped by a cancel.
class PdfRenderProcess
{
public:
    /// `workerProgram`: the jobdesk-worker executable.
    explicit PdfRenderProcess(QString workerProgram);

    /// Renders `html` and writes the PDF to the context's result sink
    /// (with `filename`). Returns the job's outcome.
    KindOutcome renderInto(JobContext &ctx, const QString &html, const QString &filename) const;

private:
    QString m_workerProgram;
};

} // namespace jobdesk
