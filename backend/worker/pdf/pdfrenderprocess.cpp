#include "pdfrenderprocess.h"

#include "jobcontext.h"
#include "pdfrendermain.h"
#include "program/programrun.h"
#include "program/workfolder.h"

#include <QDir>
#include <QFile>
#include <QProcessEnvironment>
#include <QTemporaryDir>

namespace jobdesk {

PdfRenderProcess::PdfRenderProcess(QString workerProgram)
    : m_workerProgram(std::move(workerProgram))
{
}

KindOutcome PdfRenderProcess::renderInto(JobContext &ctx, const QString &html,
                                         const QString &filename) const
{
    workfolder::sweepAbandoned();
    QTemporaryDir dir(workfolder::templateFor(QStringLiteral("pdf")));
    if (!dir.isValid())
        return KindOutcome::jobError(
            QStringLiteral("cannot create a folder for the PDF: %1").arg(dir.errorString()), true);
    const QString htmlPath = dir.filePath(QStringLiteral("report.html"));
    const QString pdfPath = dir.filePath(QStringLiteral("report.pdf"));
    QFile page(htmlPath);
    if (!page.open(QIODevice::WriteOnly) || page.write(html.toUtf8()) < 0 || !page.flush())
        return KindOutcome::jobError(
            QStringLiteral("cannot write %1: %2").arg(htmlPath, page.errorString()), true);
    page.close();

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    // Qt wants a private runtime folder and complains without one.
    if (!env.contains(QStringLiteral("XDG_RUNTIME_DIR")))
        env.insert(QStringLiteral("XDG_RUNTIME_DIR"), dir.path());
    GuardedProcess::Spec spec;
    spec.program = m_workerProgram;
    spec.arguments = {QString::fromLatin1(kRenderPdfSwitch), htmlPath, pdfPath};
    spec.environment = env.toStringList();

    ctx.setProgress(99.0, QStringLiteral("rendering the PDF"));
    ProgramRun renderer(ctx.cancelToken());
    QString error;
    if (!renderer.run(
            spec, [](std::string_view, bool) {}, &error))
        return KindOutcome::jobError(QStringLiteral("cannot render the PDF: %1").arg(error), true);
    if (renderer.interrupted())
        return ctx.interruptedOutcome();
    const GuardedProcess &process = renderer.process();
    if (process.ending() != GuardedProcess::Ending::Exited || process.exitCode() != 0) {
        QString message =
            QStringLiteral("cannot render the PDF: the renderer %1").arg(process.describeEnding());
        if (const QString last = renderer.lastStderrLine(); !last.isEmpty())
            message += QStringLiteral(": ") + last;
        return KindOutcome::jobError(message, false);
    }

    QFile pdf(pdfPath);
    if (!pdf.open(QIODevice::ReadOnly))
        return KindOutcome::jobError(
            QStringLiteral("cannot read the rendered PDF: %1").arg(pdf.errorString()), false);
    ResultSink &sink = ctx.result();
    sink.setFilename(filename);
    sink.setContentType(QStringLiteral("application/pdf"));
    QByteArray chunk(256 * 1024, Qt::Uninitialized);
    qint64 n;
    while ((n = pdf.read(chunk.data(), chunk.size())) > 0) {
        if (!sink.write(chunk.constData(), std::size_t(n)))
            return KindOutcome::jobError(
                QStringLiteral("cannot write the result: %1").arg(sink.errorString()), false);
    }
    if (n < 0)
        return KindOutcome::jobError(
            QStringLiteral("cannot read the rendered PDF: %1").arg(pdf.errorString()), false);
    return KindOutcome::success();
}

} // namespace jobdesk
