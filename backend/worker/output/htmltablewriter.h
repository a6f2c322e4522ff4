#pragma once

#include "tablewriter.h"

#include <QString>
#include <QStringList>

namespace jobdesk {

class SinkWriter;

/// One self-contained HTML page (inline CSS, no scripts, nothing fetched)
/// holding a table. begin() writes the page head and the column headers,
/// end() closes the page; everything from the data is escaped.
class HtmlTableWriter final : public TableWriter
{
public:
    explicit HtmlTableWriter(SinkWriter &out);

    /// `details` is shown preformatted under the title (e.g. the query).
    void begin(const QString &title, const QString &details, const QStringList &columns);
    void beginRow() override;
    void cell(std::string_view text, CellKind kind) override;
    void endRow() override;
    /// `footer`: a line under the table (e.g. the row count).
    void end(const QString &footer);

private:
    SinkWriter &m_out;
};

} // namespace jobdesk
