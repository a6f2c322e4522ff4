#include "htmltablewriter.h"

#include "htmltext.h"
#include "sinkwriter.h"

namespace jobdesk {

namespace {

constexpr std::string_view kStyle =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em;color:#222}"
    "h1{font-size:1.4em}pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap}"
    "table{border-collapse:collapse;font-size:.9em}"
    "th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}"
    "th{background:#eee;text-align:left}td.n{text-align:right}td.null{color:#999}"
    "tbody tr:nth-child(even){background:#fafafa}p.footer{color:#555}";

} // namespace

HtmlTableWriter::HtmlTableWriter(SinkWriter &out)
    : m_out(out)
{
}

void HtmlTableWriter::begin(const QString &title, const QString &details,
                            const QStringList &columns)
{
    m_out.write(std::string_view("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"));
    m_out.write(htmlEscaped(title));
    m_out.write(std::string_view("</title><style>"));
    m_out.write(kStyle);
    m_out.write(std::string_view("</style></head><body>\n<h1>"));
    m_out.write(htmlEscaped(title));
    m_out.write(std::string_view("</h1>\n"));
    if (!details.isEmpty()) {
        m_out.write(std::string_view("<pre>"));
        m_out.write(htmlEscaped(details));
        m_out.write(std::string_view("</pre>\n"));
    }
    m_out.write(std::string_view("<table><thead><tr>"));
    for (const QString &c : columns) {
        m_out.write(std::string_view("<th>"));
        m_out.write(htmlEscaped(c));
        m_out.write(std::string_view("</th>"));
    }
    m_out.write(std::string_view("</tr></thead>\n<tbody>\n"));
}

void HtmlTableWriter::beginRow()
{
    m_out.write(std::string_view("<tr>"));
}

void HtmlTableWriter::cell(std::string_view text, CellKind kind)
{
    switch (kind) {
    case CellKind::Null:
        m_out.write(std::string_view("<td class=\"null\">NULL</td>"));
        return;
    case CellKind::Number:
        m_out.write(std::string_view("<td class=\"n\">"));
        break;
    case CellKind::Text:
        m_out.write(std::string_view("<td>"));
        break;
    }
    writeHtmlEscaped(m_out, text);
    m_out.write(std::string_view("</td>"));
}

void HtmlTableWriter::endRow()
{
    m_out.write(std::string_view("</tr>\n"));
}

void HtmlTableWriter::end(const QString &footer)
{
    m_out.write(std::string_view("</tbody></table>\n"));
    if (!footer.isEmpty()) {
        m_out.write(std::string_view("<p class=\"footer\">"));
        m_out.write(htmlEscaped(footer));
        m_out.write(std::string_view("</p>\n"));
    }
    m_out.write(std::string_view("</body></html>\n"));
}

} // namespace jobdesk
