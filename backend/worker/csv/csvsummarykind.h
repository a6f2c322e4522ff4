#pragma once

#include "csvsummarizer.h"
#include "jobkind.h"

namespace jobdesk {

/// `report.csv_summary`: summarises a CSV file under an input root with
/// CsvSummarizer and writes the summary as JSON, CSV, HTML or PDF.
/// Progress follows the bytes read; a cancel is noticed within a megabyte
/// of input. A file that cannot be summarised as asked (missing, outside
/// the roots, a quote never closed, no such group_by column) fails with
/// invalid_params, not retried.
class CsvSummaryKind final : public JobKind
{
public:
    /// `workerProgram`: the jobdesk-worker executable, which renders PDFs
    /// in a child process. `options` tunes the engine (tests use small limits).
    explicit CsvSummaryKind(QString workerProgram,
                            CsvSummarizer::Options options = CsvSummarizer::Options{});

    QString name() const override { return QStringLiteral("report.csv_summary"); }
    KindOutcome run(JobContext &ctx) override;

private:
    QString m_workerProgram;
    CsvSummarizer::Options m_options;
};

} // namespace jobdesk
