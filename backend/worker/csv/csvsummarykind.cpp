#include "csvsummarykind.h"

#include "inputfile.h"
#include "jobcontext.h"
#include "output/sinkwriter.h"
#include "pdf/pdfrenderprocess.h"
#include "summaryformats.h"

#include <QFileInfo>
#include <QJsonDocument>

namespace jobdesk {

namespace {

QString megabytes(qint64 bytes)
{
    return QString::number(double(bytes) / 1.0e6, 'f', bytes < 10'000'000 ? 1 : 0);
}

} // namespace

CsvSummaryKind::CsvSummaryKind(QString workerProgram, CsvSummarizer::Options options)
    : m_workerProgram(std::move(workerProgram))
    , m_options(std::move(options))
{
}

KindOutcome CsvSummaryKind::run(JobContext &ctx)
{
    const QJsonObject &params = ctx.params();
    const QString path = params.value(QStringLiteral("input")).toString();
    const QString format = params.value(QStringLiteral("format")).toString(QStringLiteral("json"));

    InputFile input;
    KindOutcome failure;
    if (!input.open(QStringLiteral("input"), path, ctx.inputRoots(), &failure))
        return failure;

    CsvSummarizer::Options options = m_options;
    const QString delimiter = params.value(QStringLiteral("delimiter")).toString();
    if (delimiter.size() == 1 && delimiter.at(0).unicode() < 0x80)
        options.delimiter = char(delimiter.at(0).unicode());
    options.groupBy = params.value(QStringLiteral("group_by")).toString();

    const qint64 size = input.size();
    const QString total = megabytes(size);
    ctx.setProgress(0.0, QStringLiteral("reading %1 MB").arg(total));
    CsvSummarizer summarizer(options);
    const std::optional<QJsonObject> summary = summarizer.run(
        input.fd(),
        [&](long long done) {
            // 99 at most: the result still has to be written.
            const double pct = size > 0 ? std::min(99.0, 100.0 * double(done) / double(size)) : 0.0;
            ctx.setProgress(pct, QStringLiteral("%1 of %2 MB").arg(megabytes(done), total));
        },
        [&] { return ctx.interrupted(); });
    if (!summary) {
        switch (summarizer.failure()) {
        case CsvSummarizer::Failure::Interrupted:
            return ctx.interruptedOutcome();
        case CsvSummarizer::Failure::ReadError:
            return KindOutcome::jobError(
                QStringLiteral("%1: %2").arg(path, summarizer.errorString()), true);
        default:
            return KindOutcome::invalidParams(
                QStringLiteral("%1: %2").arg(QFileInfo(path).fileName(), summarizer.errorString()));
        }
    }

    const QString title = QStringLiteral("Summary of %1").arg(QFileInfo(path).fileName());
    ResultSink &sink = ctx.result();
    if (format == QLatin1String("pdf")) {
        return PdfRenderProcess(m_workerProgram)
            .renderInto(ctx,
                        summaryformats::html(*summary, title, summaryformats::HtmlFlavor::Print),
                        QStringLiteral("summary.pdf"));
    }
    SinkWriter out(sink);
    if (format == QLatin1String("csv")) {
        sink.setFilename(QStringLiteral("summary.csv"));
        sink.setContentType(QStringLiteral("text/csv; charset=utf-8"));
        summaryformats::writeCsv(*summary, out);
    } else if (format == QLatin1String("html")) {
        sink.setFilename(QStringLiteral("summary.html"));
        sink.setContentType(QStringLiteral("text/html; charset=utf-8"));
        out.write(summaryformats::html(*summary, title, summaryformats::HtmlFlavor::Browser));
    } else {
        sink.setFilename(QStringLiteral("summary.json"));
        sink.setContentType(QStringLiteral("application/json"));
        const QByteArray json = QJsonDocument(*summary).toJson(QJsonDocument::Indented);
        out.write(std::string_view(json.constData(), std::size_t(json.size())));
    }
    if (!out.flush())
        return KindOutcome::jobError(
            QStringLiteral("cannot write the result: %1").arg(out.errorString()), false);
    return KindOutcome::success();
}

} // namespace jobdesk
