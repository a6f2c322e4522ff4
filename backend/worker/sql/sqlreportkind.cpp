#include "sqlreportkind.h"

#include "jobcontext.h"
#include "output/csvtablewriter.h"
#include "output/htmltablewriter.h"
#include "output/sinkwriter.h"
#include "readonlyquery.h"

#include <QByteArray>
#include <charconv>
#include <memory>
#include <sqlite3.h>
#include <string>

namespace jobdesk {

namespace {

// Rows between two progress reports (each is throttled again by the context).
constexpr qint64 kRowsPerProgress = 512;

// Appends column `i` of the current row as text; returns how to present it.
CellKind columnText(sqlite3_stmt *stmt, int i, std::string &out)
{
    out.clear();
    switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_NULL:
        return CellKind::Null;
    case SQLITE_INTEGER: {
        char buffer[24];
        const auto r = std::to_chars(buffer, buffer + sizeof buffer, sqlite3_column_int64(stmt, i));
        out.assign(buffer, r.ptr);
        return CellKind::Number;
    }
    case SQLITE_FLOAT: {
        // Shortest text that reads back as the same double (SQLite's own
        // conversion keeps only 15 digits).
        char buffer[32];
        const auto r =
            std::to_chars(buffer, buffer + sizeof buffer, sqlite3_column_double(stmt, i));
        out.assign(buffer, r.ptr);
        return CellKind::Number;
    }
    case SQLITE_BLOB: {
        const QByteArray blob(static_cast<const char *>(sqlite3_column_blob(stmt, i)),
                              sqlite3_column_bytes(stmt, i));
        const QByteArray base64 = blob.toBase64();
        out.assign(base64.constData(), std::size_t(base64.size()));
        return CellKind::Text;
    }
    default: {
        const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(stmt, i));
        out.assign(text ? text : "", std::size_t(sqlite3_column_bytes(stmt, i)));
        return CellKind::Text;
    }
    }
}

QString rowsText(qint64 rows)
{
    return rows == 1 ? QStringLiteral("1 row") : QStringLiteral("%1 rows").arg(rows);
}

} // namespace

KindOutcome SqlReportKind::run(JobContext &ctx)
{
    const QString database = ctx.params().value(QStringLiteral("database")).toString();
    const QString sql = ctx.params().value(QStringLiteral("query")).toString();
    const QString format = ctx.params().value(QStringLiteral("format")).toString();
    const bool html = format == QLatin1String("html");

    ctx.setProgress(std::nullopt, QStringLiteral("preparing the query"));
    KindOutcome failure;
    const std::unique_ptr<ReadOnlyQuery> query =
        ReadOnlyQuery::prepare(database, sql, ctx.inputRoots(), ctx.cancelToken(), &failure);
    if (!query)
        return failure;
    ReadOnlyQuery *interruptible = query.get();
    const ScopedCancelHook interruptOnCancel(ctx.cancelToken(),
                                             [interruptible] { interruptible->interrupt(); });

    sqlite3_stmt *stmt = query->statement();
    const int columns = sqlite3_column_count(stmt);
    QStringList names;
    for (int i = 0; i < columns; ++i)
        names.append(QString::fromUtf8(sqlite3_column_name(stmt, i)));

    ResultSink &sink = ctx.result();
    sink.setFilename(html ? QStringLiteral("report.html") : QStringLiteral("report.csv"));
    sink.setContentType(html ? QStringLiteral("text/html; charset=utf-8")
                             : QStringLiteral("text/csv; charset=utf-8"));
    SinkWriter out(sink);
    CsvTableWriter csv(out);
    HtmlTableWriter page(out);
    TableWriter &table = html ? static_cast<TableWriter &>(page) : csv;
    if (html) {
        page.begin(QStringLiteral("SQL report"), sql, names);
    } else {
        csv.beginRow();
        for (const QString &n : std::as_const(names)) {
            const QByteArray utf8 = n.toUtf8();
            csv.cell(std::string_view(utf8.constData(), std::size_t(utf8.size())), CellKind::Text);
        }
        csv.endRow();
    }

    ctx.setProgress(std::nullopt, QStringLiteral("running the query"));
    std::string text;
    qint64 rows = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        table.beginRow();
        for (int i = 0; i < columns; ++i) {
            const CellKind kind = columnText(stmt, i, text);
            table.cell(text, kind);
        }
        table.endRow();
        if (++rows % kRowsPerProgress == 0) {
            if (!out.ok())
                break;
            ctx.setProgress(std::nullopt, rowsText(rows));
        }
    }
    if (!out.flush())
        return KindOutcome::jobError(
            QStringLiteral("cannot write the result: %1").arg(out.errorString()), false);

    switch (rc & 0xff) {
    case SQLITE_DONE:
    case SQLITE_ROW: // stopped by a failed write, reported above
        break;
    case SQLITE_INTERRUPT:
        return ctx.interrupted()
                   ? ctx.interruptedOutcome()
                   : KindOutcome::jobError(QStringLiteral("the query was interrupted"), true);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return KindOutcome::jobError(
            QStringLiteral("the database is locked: %1").arg(query->errorMessage()), true);
    default:
        return KindOutcome::jobError(QStringLiteral("the query failed after %1: %2")
                                         .arg(rowsText(rows), query->errorMessage()),
                                     false);
    }

    if (html)
        page.end(rowsText(rows));
    if (!out.flush())
        return KindOutcome::jobError(
            QStringLiteral("cannot write the result: %1").arg(out.errorString()), false);
    ctx.setProgress(std::nullopt, rowsText(rows));
    return KindOutcome::success();
}

} // namespace jobdesk
