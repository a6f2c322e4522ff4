#include "csvsummarizer.h"

#include "cellparse.h"
#include "columnstats.h"
#include "csvdialect.h"
#include "distinctcounter.h"
#include "groupstats.h"

#include <QJsonArray>
#include <memory>
#include <vector>

namespace jobdesk {

namespace {

// The first bytes looked at to detect the delimiter.
constexpr std::size_t kDetectionSampleBytes = 64 * 1024;

QString fromUtf8(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QString delimiterName(char d)
{
    return d == '\t' ? QStringLiteral("\t") : QString(QLatin1Char(d));
}

// What went wrong in how many rows, and where first.
class ProblemLog
{
public:
    explicit ProblemLog(std::size_t maxExamples)
        : m_maxExamples(maxExamples)
    {
    }

    // The message is made only for the first few: a file whose every row is
    // ragged must not cost an allocation per row.
    template <typename MakeMessage>
    void note(long long &counter, long long line, const MakeMessage &message)
    {
        ++counter;
        if (std::size_t(m_examples.size()) < m_maxExamples)
            m_examples.append(QJsonObject{{QStringLiteral("line"), line},
                                          {QStringLiteral("message"), message()}});
    }

    long long raggedRows = 0;
    long long invalidUtf8Rows = 0;
    long long badQuotingRows = 0;

    QJsonObject toJson() const
    {
        return QJsonObject{{QStringLiteral("ragged_rows"), raggedRows},
                           {QStringLiteral("invalid_utf8_rows"), invalidUtf8Rows},
                           {QStringLiteral("bad_quoting_rows"), badQuotingRows},
                           {QStringLiteral("examples"), m_examples}};
    }

private:
    std::size_t m_maxExamples;
    QJsonArray m_examples;
};

} // namespace

CsvSummarizer::CsvSummarizer(Options options)
    : m_options(std::move(options))
{
}

std::optional<QJsonObject> CsvSummarizer::run(int fd, const Progress &progress, const Stop &stop)
{
    const auto fail = [this](Failure failure, QString message) -> std::optional<QJsonObject> {
        m_failure = failure;
        m_error = std::move(message);
        return std::nullopt;
    };

    CsvReader reader(fd, m_options.reader);
    const char delimiter = m_options.delimiter
                               ? *m_options.delimiter
                               : detectCsvDelimiter(reader.peek(kDetectionSampleBytes));
    reader.setDelimiter(delimiter);

    CsvRecord record;
    switch (reader.next(record)) {
    case CsvReader::Status::Record:
        break;
    case CsvReader::Status::End:
        return fail(Failure::BadInput,
                    QStringLiteral("the file is empty: a header row is expected"));
    case CsvReader::Status::Error:
        return fail(reader.readFailed() ? Failure::ReadError : Failure::BadInput,
                    reader.errorString());
    }
    if (record.fields.size() > m_options.maxColumns)
        return fail(Failure::BadInput,
                    QStringLiteral("line %1: %2 columns; at most %3 are summarised")
                        .arg(record.line)
                        .arg(record.fields.size())
                        .arg(m_options.maxColumns));

    DistinctBudget budget(m_options.distinctBudgetBytes);
    std::vector<std::unique_ptr<ColumnStats>> columns;
    QStringList names;
    for (std::size_t i = 0; i < record.fields.size(); ++i) {
        QString name = fromUtf8(cellparse::trimmed(record.fields[i]));
        if (name.isEmpty())
            name = QStringLiteral("column_%1").arg(i + 1);
        names.append(name);
        columns.push_back(
            std::make_unique<ColumnStats>(name, budget, m_options.exactDistinctLimit));
    }
    const std::size_t width = columns.size();

    std::optional<std::size_t> groupColumn;
    std::unique_ptr<GroupStats> groups;
    if (!m_options.groupBy.isEmpty()) {
        const qsizetype at = names.indexOf(m_options.groupBy);
        if (at < 0) {
            const QStringList shown = names.mid(0, 20);
            return fail(
                Failure::BadInput,
                QStringLiteral("group_by: the header (line %1) has no column \"%2\"; it has %3%4")
                    .arg(record.line)
                    .arg(m_options.groupBy, shown.join(QStringLiteral(", ")),
                         names.size() > shown.size() ? QStringLiteral(", ...") : QString()));
        }
        groupColumn = std::size_t(at);
        groups = std::make_unique<GroupStats>(width, m_options.maxGroups);
    }

    // Records come in batches whose fields stay valid together: every cell
    // of a batch is hashed, and its table slot requested, before any is
    // counted, so the memory reads of many rows overlap instead of queueing.
    constexpr std::size_t kBatchRecords = 32;
    std::vector<CsvRecord> batch(kBatchRecords);
    std::vector<ColumnStats::PreparedCell> prepared(kBatchRecords * width);
    ProblemLog problems(m_options.maxProblemExamples);
    long long rows = 0;
    long long nextCheck = m_options.checkEveryBytes;
    for (;;) {
        std::size_t count = 0;
        const CsvReader::Status status = reader.nextBatch(batch, &count);
        if (status == CsvReader::Status::End)
            break;
        if (status == CsvReader::Status::Error)
            return fail(reader.readFailed() ? Failure::ReadError : Failure::BadInput,
                        reader.errorString());

        for (std::size_t r = 0; r < count; ++r) {
            const CsvRecord &rec = batch[r];
            const std::size_t n = rec.fields.size();
            if (n != width)
                problems.note(problems.raggedRows, rec.line, [&] {
                    return QStringLiteral("%1 fields, expected %2").arg(n).arg(width);
                });
            if (rec.invalidUtf8)
                problems.note(problems.invalidUtf8Rows, rec.line,
                              [] { return QStringLiteral("bytes that are not UTF-8"); });
            if (rec.badQuoting)
                problems.note(problems.badQuotingRows, rec.line,
                              [] { return QStringLiteral("text after a closing quote"); });
            ColumnStats::PreparedCell *cells = &prepared[r * width];
            const std::size_t present = std::min(n, width);
            for (std::size_t c = 0; c < present; ++c)
                columns[c]->prepare(rec.fields[c], cells[c]);
        }

        for (std::size_t r = 0; r < count; ++r) {
            const CsvRecord &rec = batch[r];
            const std::size_t n = rec.fields.size();
            const std::size_t present = std::min(n, width);
            const ColumnStats::PreparedCell *cells = &prepared[r * width];
            if (groups) {
                const std::string_view key = *groupColumn < n
                                                 ? cellparse::trimmed(rec.fields[*groupColumn])
                                                 : std::string_view();
                groups->beginRow(key, cellparse::isMissing(key));
                for (std::size_t c = 0; c < present; ++c) {
                    double number = 0;
                    if (columns[c]->add(cells[c], &number))
                        groups->addNumber(c, number);
                }
            } else {
                double number = 0;
                for (std::size_t c = 0; c < present; ++c)
                    columns[c]->add(cells[c], &number);
            }
            for (std::size_t c = present; c < width; ++c)
                columns[c]->addMissing();
        }
        rows += static_cast<long long>(count);

        if (reader.bytesConsumed() >= nextCheck) {
            nextCheck = reader.bytesConsumed() + m_options.checkEveryBytes;
            if (stop && stop())
                return fail(Failure::Interrupted, QStringLiteral("interrupted"));
            if (progress)
                progress(reader.bytesConsumed());
        }
    }

    QJsonArray columnsJson;
    for (const auto &c : columns)
        columnsJson.append(c->toJson(m_options.topCount));
    QJsonObject summary{
        {QStringLiteral("rows"), rows},
        {QStringLiteral("columns"), columnsJson},
        {QStringLiteral("file"),
         QJsonObject{{QStringLiteral("bytes"), reader.bytesConsumed()},
                     {QStringLiteral("delimiter"), delimiterName(delimiter)},
                     {QStringLiteral("bom"), reader.hadBom()}}},
        {QStringLiteral("problems"), problems.toJson()},
    };
    if (groups)
        summary.insert(QStringLiteral("groups"),
                       groups->toJson(m_options.groupBy, *groupColumn, columns));
    if (progress)
        progress(reader.bytesConsumed());
    return summary;
}

} // namespace jobdesk
