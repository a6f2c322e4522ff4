#pragma once

#include "tablewriter.h"

namespace jobdesk {

class SinkWriter;

/// RFC 4180 output: comma-separated, CRLF line ends, a field quoted (with
/// doubled quotes inside) when it holds a comma, a quote or a line break, or
/// starts or ends with a space. NULL is an empty field.
class CsvTableWriter final : public TableWriter
{
public:
    explicit CsvTableWriter(SinkWriter &out);

    void beginRow() override;
    void cell(std::string_view text, CellKind kind) override;
    void endRow() override;

    /// Writes one field, quoted as needed.
    static void writeField(SinkWriter &out, std::string_view text);

private:
    SinkWriter &m_out;
    bool m_firstInRow = true;
};

} // namespace jobdesk
