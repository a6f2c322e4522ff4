#include "summaryformats.h"

#include "output/csvtablewriter.h"
#include "output/htmltext.h"
#include "output/sinkwriter.h"

#include <QJsonArray>
#include <QLocale>
#include <algorithm>
#include <cmath>

namespace jobdesk::summaryformats {

namespace {

QString numberText(const QJsonValue &v)
{
    if (v.isNull() || v.isUndefined())
        return {};
    if (v.isString())
        return v.toString();
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    const double d = v.toDouble();
    if (d == std::floor(d) && std::fabs(d) < 9.0e15)
        return QString::number(v.toInteger(qint64(d)));
    return QString::number(d, 'g', QLocale::FloatingPointShortest);
}

// Friendlier for people: 6 significant digits, but no exponent for the
// sums and means of everyday magnitudes.
QString shortNumber(const QJsonValue &v)
{
    if (!v.isDouble())
        return numberText(v);
    const double d = v.toDouble();
    if (d == std::floor(d) && std::fabs(d) < 9.0e15)
        return QString::number(v.toInteger(qint64(d)));
    if (std::fabs(d) >= 1.0e5 && std::fabs(d) < 1.0e15)
        return QString::number(d, 'f', 0);
    return QString::number(d, 'g', 6);
}

void csvRow(SinkWriter &out, const QStringList &cells)
{
    CsvTableWriter row(out);
    row.beginRow();
    for (const QString &c : cells) {
        const QByteArray utf8 = c.toUtf8();
        row.cell(std::string_view(utf8.constData(), std::size_t(utf8.size())), CellKind::Text);
    }
    row.endRow();
}

QStringList numericColumns(const QJsonObject &summary)
{
    // The group items name the numeric columns in their sums, in column order.
    QStringList names;
    const QJsonObject groups = summary.value(QStringLiteral("groups")).toObject();
    const QJsonArray columns = summary.value(QStringLiteral("columns")).toArray();
    const QJsonArray items = groups.value(QStringLiteral("items")).toArray();
    const QJsonObject sums =
        items.isEmpty() ? groups.value(QStringLiteral("other"))
                              .toObject()
                              .value(QStringLiteral("sums"))
                              .toObject()
                        : items.first().toObject().value(QStringLiteral("sums")).toObject();
    for (const QJsonValue &c : columns) {
        const QString name = c.toObject().value(QStringLiteral("name")).toString();
        if (sums.contains(name) && !names.contains(name))
            names.append(name);
    }
    return names;
}

QString esc(const QString &s)
{
    return htmlEscaped(s);
}

// A horizontal bar chart: one labelled bar per (label, value).
QString barChart(const QList<QPair<QString, double>> &bars, HtmlFlavor flavor)
{
    double max = 0;
    for (const auto &b : bars)
        max = std::max(max, b.second);
    if (bars.isEmpty() || max <= 0)
        return {};
    QString out;
    if (flavor == HtmlFlavor::Browser) {
        constexpr int rowHeight = 20, labelWidth = 200, barWidth = 320;
        const int height = rowHeight * int(bars.size());
        out +=
            QStringLiteral("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%1\" height=\"%2\" "
                           "role=\"img\" class=\"chart\">")
                .arg(labelWidth + barWidth + 90)
                .arg(height);
        for (int i = 0; i < bars.size(); ++i) {
            const int y = i * rowHeight;
            const int w = std::max(1, int(std::lround(barWidth * bars[i].second / max)));
            QString label = bars[i].first;
            if (label.size() > 28)
                label = label.left(27) + QChar(0x2026);
            out += QStringLiteral("<text x=\"%1\" y=\"%2\" text-anchor=\"end\">%3</text>")
                       .arg(labelWidth - 6)
                       .arg(y + 14)
                       .arg(esc(label));
            out += QStringLiteral("<rect x=\"%1\" y=\"%2\" width=\"%3\" height=\"14\" rx=\"2\"/>")
                       .arg(labelWidth)
                       .arg(y + 3)
                       .arg(w);
            out += QStringLiteral("<text x=\"%1\" y=\"%2\">%3</text>")
                       .arg(labelWidth + w + 6)
                       .arg(y + 14)
                       .arg(esc(QString::number(bars[i].second, 'g', 12)));
        }
        out += QStringLiteral("</svg>");
        return out;
    }
    // QTextDocument draws no SVG: a bar is a coloured table cell, its width
    // a share of a full-width nested table.
    out += QStringLiteral("<table cellspacing=\"1\" cellpadding=\"1\" width=\"100%\">");
    for (const auto &b : bars) {
        const int pct = std::clamp(int(std::lround(100.0 * b.second / max)), 1, 100);
        const QString rest =
            pct < 100 ? QStringLiteral("<td width=\"%1%\"></td>").arg(100 - pct) : QString();
        out +=
            QStringLiteral(
                "<tr><td width=\"28%\">%1</td><td width=\"60%\"><table cellspacing=\"0\" "
                "cellpadding=\"0\" width=\"100%\"><tr><td width=\"%2%\" "
                "bgcolor=\"#4a78b5\">&nbsp;</td>%3</tr></table></td><td width=\"12%\">%4</td></tr>")
                .arg(esc(b.first.left(40)))
                .arg(pct)
                .arg(rest, esc(QString::number(b.second, 'g', 12)));
    }
    out += QStringLiteral("</table>");
    return out;
}

} // namespace

void writeCsv(const QJsonObject &summary, SinkWriter &out)
{
    csvRow(out, {QStringLiteral("column"), QStringLiteral("type"), QStringLiteral("count"),
                 QStringLiteral("missing"), QStringLiteral("distinct"),
                 QStringLiteral("distinct_estimated"), QStringLiteral("min"), QStringLiteral("max"),
                 QStringLiteral("mean"), QStringLiteral("stddev"), QStringLiteral("top"),
                 QStringLiteral("top_estimated")});
    for (const QJsonValue &cv : summary.value(QStringLiteral("columns")).toArray()) {
        const QJsonObject c = cv.toObject();
        QStringList top;
        for (const QJsonValue &t : c.value(QStringLiteral("top")).toArray()) {
            const QJsonObject tv = t.toObject();
            top.append(
                QStringLiteral("%1 (%2)").arg(tv.value(QStringLiteral("value")).toString(),
                                              numberText(tv.value(QStringLiteral("count")))));
        }
        csvRow(out, {c.value(QStringLiteral("name")).toString(),
                     c.value(QStringLiteral("type")).toString(),
                     numberText(c.value(QStringLiteral("count"))),
                     numberText(c.value(QStringLiteral("missing"))),
                     numberText(c.value(QStringLiteral("distinct"))),
                     numberText(c.value(QStringLiteral("distinct_estimated"))),
                     numberText(c.value(QStringLiteral("min"))),
                     numberText(c.value(QStringLiteral("max"))),
                     numberText(c.value(QStringLiteral("mean"))),
                     numberText(c.value(QStringLiteral("stddev"))), top.join(QStringLiteral("; ")),
                     numberText(c.value(QStringLiteral("top_estimated")))});
    }
    if (!summary.contains(QStringLiteral("groups")))
        return;

    const QJsonObject groups = summary.value(QStringLiteral("groups")).toObject();
    const QStringList numeric = numericColumns(summary);
    out.write(std::string_view("\r\n"));
    QStringList header{groups.value(QStringLiteral("by")).toString(), QStringLiteral("count")};
    for (const QString &n : numeric)
        header << n + QStringLiteral(" sum") << n + QStringLiteral(" mean");
    csvRow(out, header);
    const auto groupRow = [&](const QString &key, const QJsonObject &g) {
        QStringList cells{key, numberText(g.value(QStringLiteral("count")))};
        for (const QString &n : numeric) {
            cells << numberText(g.value(QStringLiteral("sums")).toObject().value(n))
                  << numberText(g.value(QStringLiteral("means")).toObject().value(n));
        }
        csvRow(out, cells);
    };
    for (const QJsonValue &iv : groups.value(QStringLiteral("items")).toArray()) {
        const QJsonObject g = iv.toObject();
        groupRow(g.value(QStringLiteral("key")).toString(), g);
    }
    if (groups.contains(QStringLiteral("other")))
        groupRow(QStringLiteral("(other)"), groups.value(QStringLiteral("other")).toObject());
}

QString html(const QJsonObject &summary, const QString &title, HtmlFlavor flavor)
{
    const QJsonArray columns = summary.value(QStringLiteral("columns")).toArray();
    const QJsonObject file = summary.value(QStringLiteral("file")).toObject();
    const QJsonObject problems = summary.value(QStringLiteral("problems")).toObject();
    const bool browser = flavor == HtmlFlavor::Browser;

    QString h;
    h += QStringLiteral("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%1</title>")
             .arg(esc(title));
    if (browser) {
        h += QStringLiteral(
            "<style>body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em;color:#222}"
            "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}h3{font-size:1em;margin:1.2em "
            "0 .3em}"
            "table{border-collapse:collapse;font-size:.9em}th,td{border:1px solid "
            "#ccc;padding:.25em .5em}"
            "th{background:#eee;text-align:left}td.n{text-align:right}.note{color:#666}"
            "svg.chart text{font-size:12px;fill:#333}svg.chart rect{fill:#4a78b5}</style>");
    }
    h += QStringLiteral("</head><body>\n<h1>%1</h1>\n").arg(esc(title));
    const QString delimiter = file.value(QStringLiteral("delimiter")).toString();
    h += QStringLiteral("<p>%1 rows, %2 columns, %3 bytes; delimiter %4%5.</p>\n")
             .arg(numberText(summary.value(QStringLiteral("rows"))))
             .arg(columns.size())
             .arg(numberText(file.value(QStringLiteral("bytes"))))
             .arg(delimiter == QLatin1String("\t") ? QStringLiteral("tab")
                                                   : QStringLiteral("\"%1\"").arg(esc(delimiter)))
             .arg(file.value(QStringLiteral("bom")).toBool() ? QStringLiteral(", UTF-8 BOM")
                                                             : QString());

    const qint64 ragged = problems.value(QStringLiteral("ragged_rows")).toInteger();
    const qint64 badUtf8 = problems.value(QStringLiteral("invalid_utf8_rows")).toInteger();
    const qint64 badQuotes = problems.value(QStringLiteral("bad_quoting_rows")).toInteger();
    if (ragged + badUtf8 + badQuotes > 0) {
        h += QStringLiteral("<h2>Problems</h2>\n<p>%1 ragged rows, %2 rows with bytes that are not "
                            "UTF-8, %3 rows with text after a closing quote.</p>\n<ul>")
                 .arg(ragged)
                 .arg(badUtf8)
                 .arg(badQuotes);
        for (const QJsonValue &e : problems.value(QStringLiteral("examples")).toArray()) {
            h += QStringLiteral("<li>line %1: %2</li>")
                     .arg(numberText(e.toObject().value(QStringLiteral("line"))),
                          esc(e.toObject().value(QStringLiteral("message")).toString()));
        }
        h += QStringLiteral("</ul>\n");
    }

    const QString table =
        browser ? QStringLiteral("<table>")
                : QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\">");
    const QString num =
        browser ? QStringLiteral("<td class=\"n\">") : QStringLiteral("<td align=\"right\">");
    h += QStringLiteral("<h2>Columns</h2>\n") + table +
         QStringLiteral(
             "<tr><th>Column</th><th>Type</th><th>Count</th><th>Missing</th><th>Distinct</th>"
             "<th>Min</th><th>Max</th><th>Mean</th><th>Std dev</th></tr>\n");
    for (const QJsonValue &cv : columns) {
        const QJsonObject c = cv.toObject();
        const bool estimated = c.value(QStringLiteral("distinct_estimated")).toBool();
        h += QStringLiteral("<tr><td>%1</td><td>%2</td>")
                 .arg(esc(c.value(QStringLiteral("name")).toString()),
                      esc(c.value(QStringLiteral("type")).toString()));
        h += num + numberText(c.value(QStringLiteral("count"))) + QStringLiteral("</td>");
        h += num + numberText(c.value(QStringLiteral("missing"))) + QStringLiteral("</td>");
        h += num + (estimated ? QStringLiteral("~") : QString()) +
             numberText(c.value(QStringLiteral("distinct"))) + QStringLiteral("</td>");
        for (const char *key : {"min", "max", "mean", "stddev"})
            h += num + esc(shortNumber(c.value(QLatin1String(key)))) + QStringLiteral("</td>");
        h += QStringLiteral("</tr>\n");
    }
    h += QStringLiteral("</table>\n");

    h += QStringLiteral("<h2>Top values</h2>\n");
    for (const QJsonValue &cv : columns) {
        const QJsonObject c = cv.toObject();
        QList<QPair<QString, double>> bars;
        for (const QJsonValue &t : c.value(QStringLiteral("top")).toArray()) {
            const QJsonObject tv = t.toObject();
            bars.append({tv.value(QStringLiteral("value")).toString(),
                         tv.value(QStringLiteral("count")).toDouble()});
        }
        if (bars.isEmpty())
            continue;
        h += QStringLiteral("<h3>%1%2</h3>\n")
                 .arg(esc(c.value(QStringLiteral("name")).toString()),
                      c.value(QStringLiteral("top_estimated")).toBool()
                          ? QStringLiteral(" <span class=\"note\">(estimated counts)</span>")
                          : QString());
        h += barChart(bars, flavor) + QLatin1Char('\n');
    }

    if (summary.contains(QStringLiteral("groups"))) {
        const QJsonObject groups = summary.value(QStringLiteral("groups")).toObject();
        const QStringList numeric = numericColumns(summary);
        h += QStringLiteral("<h2>Groups by %1</h2>\n")
                 .arg(esc(groups.value(QStringLiteral("by")).toString()));
        QList<QPair<QString, double>> bars;
        QString rows;
        const auto groupRow = [&](const QString &key, const QJsonObject &g) {
            rows += QStringLiteral("<tr><td>%1</td>").arg(esc(key)) + num +
                    numberText(g.value(QStringLiteral("count"))) + QStringLiteral("</td>");
            for (const QString &n : numeric) {
                rows += num +
                        esc(shortNumber(g.value(QStringLiteral("sums")).toObject().value(n))) +
                        QStringLiteral("</td>") + num +
                        esc(shortNumber(g.value(QStringLiteral("means")).toObject().value(n))) +
                        QStringLiteral("</td>");
            }
            rows += QStringLiteral("</tr>\n");
        };
        for (const QJsonValue &iv : groups.value(QStringLiteral("items")).toArray()) {
            const QJsonObject g = iv.toObject();
            const QString key = g.value(QStringLiteral("key")).isNull()
                                    ? QStringLiteral("(missing)")
                                    : g.value(QStringLiteral("key")).toString();
            groupRow(key, g);
            if (bars.size() < 30)
                bars.append({key, g.value(QStringLiteral("count")).toDouble()});
        }
        if (groups.contains(QStringLiteral("other")))
            groupRow(QStringLiteral("(other keys)"),
                     groups.value(QStringLiteral("other")).toObject());
        h += barChart(bars, flavor) + QLatin1Char('\n');
        h += table + QStringLiteral("<tr><th>%1</th><th>Count</th>")
                         .arg(esc(groups.value(QStringLiteral("by")).toString()));
        for (const QString &n : numeric)
            h += QStringLiteral("<th>%1 sum</th><th>%1 mean</th>").arg(esc(n));
        h += QStringLiteral("</tr>\n") + rows + QStringLiteral("</table>\n");
        if (groups.value(QStringLiteral("truncated")).toBool())
            h += QStringLiteral(
                "<p class=\"note\">Too many groups: the rows of further keys are summed "
                "under \"(other keys)\".</p>\n");
    }
    h += QStringLiteral("</body></html>\n");
    return h;
}

} // namespace jobdesk::summaryformats
