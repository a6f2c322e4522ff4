#pragma once

#include "csvreader.h"

#include <QJsonObject>
#include <QString>
#include <functional>
#include <optional>

namespace jobdesk {

/// The engine of report.csv_summary: reads a CSV file once, in bounded
/// memory, and returns its summary (the JSON of the contract's
/// "report.csv_summary output", plus `file` and `problems`). It knows
/// nothing of jobs, so tests and the benchmark call it directly.
///
/// Memory: the reader's buffer, a ColumnStats per column whose exact
/// distinct tables share `distinctBudgetBytes`, and at most `maxGroups`
/// groups. Ragged rows, bytes that are not UTF-8 and text after a closing
/// quote are counted and reported with their line numbers; a quote that is
/// never closed, a missing group_by column or an unreadable file fail.
class CsvSummarizer
{
public:
    struct Options
    {
        std::optional<char> delimiter; // detected when absent
        QString groupBy;               // empty: no groups
        std::size_t exactDistinctLimit = 100000;
        std::size_t distinctBudgetBytes = 32 * 1024 * 1024;
        std::size_t topCount = 10;
        std::size_t maxGroups = 10000;
        std::size_t maxColumns = 10000;
        std::size_t maxProblemExamples = 10;
        CsvReader::Options reader;
        /// How often (in bytes read) progress is reported and `stop` asked.
        long long checkEveryBytes = 1024 * 1024;
    };

    enum class Failure
    {
        None,
        BadInput,    // the file cannot be summarised as asked (a param problem)
        ReadError,   // the file could not be read
        Interrupted, // `stop` said so
    };

    using Progress = std::function<void(long long bytesConsumed)>;
    using Stop = std::function<bool()>;

    explicit CsvSummarizer(Options options);

    /// Reads `fd` to the end. nullopt on failure; failure() and
    /// errorString() say why.
    std::optional<QJsonObject> run(int fd, const Progress &progress, const Stop &stop);

    Failure failure() const { return m_failure; }
    QString errorString() const { return m_error; }

private:
    Options m_options;
    Failure m_failure = Failure::None;
    QString m_error;
};

} // namespace jobdesk
