#pragma once

#include <QJsonObject>
#include <QString>

namespace jobdesk {

class SinkWriter;

/// The presentations of a CsvSummarizer summary, all made from its JSON so
/// every format shows the same figures.
namespace summaryformats {

/// Two RFC 4180 tables: one row per column (top values as "value (count)"
/// joined by "; "), then, after an empty line, one row per group with the
/// count and each numeric column's sum and mean.
void writeCsv(const QJsonObject &summary, SinkWriter &out);

enum class HtmlFlavor
{
    Browser, // one self-contained page: inline CSS, SVG bar charts
    Print,   // the subset QTextDocument renders (for the PDF): bars as table cells
};

/// The summary as one HTML document titled `title`.
QString html(const QJsonObject &summary, const QString &title, HtmlFlavor flavor);

} // namespace summaryformats

} // namespace jobdesk
