#include "csvtablewriter.h"

#include "sinkwriter.h"

namespace jobdesk {

CsvTableWriter::CsvTableWriter(SinkWriter &out)
    : m_out(out)
{
}

void CsvTableWriter::beginRow()
{
    m_firstInRow = true;
}

void CsvTableWriter::cell(std::string_view text, CellKind kind)
{
    if (!m_firstInRow)
        m_out.write(',');
    m_firstInRow = false;
    if (kind != CellKind::Null)
        writeField(m_out, text);
}

void CsvTableWriter::endRow()
{
    m_out.write(std::string_view("\r\n"));
}

void CsvTableWriter::writeField(SinkWriter &out, std::string_view text)
{
    const bool needsQuotes = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                             (!text.empty() && (text.front() == ' ' || text.back() == ' '));
    if (!needsQuotes) {
        out.write(text);
        return;
    }
    out.write('"');
    for (;;) {
        const std::size_t quote = text.find('"');
        out.write(text.substr(0, quote));
        if (quote == std::string_view::npos)
            break;
        out.write(std::string_view("\"\""));
        text.remove_prefix(quote + 1);
    }
    out.write('"');
}

} // namespace jobdesk
