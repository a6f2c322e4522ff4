#pragma once

#include <QByteArray>
#include <QSqlDatabase>
#include <QString>

struct sqlite3;
struct sqlite3_stmt;

namespace jobdesk {

/// The sqlite3 handle under a Qt Sql connection to SQLite; null if the
/// connection is not open or not SQLite.
sqlite3 *sqliteHandle(const QSqlDatabase &db);

/// A prepared statement bound through SQLite's C API, on a connection that
/// Qt Sql opened and owns. For the write path's hot statements: binding
/// through QSqlQuery (a QVariant per value, converted again by the driver)
/// cost about a third of a submit's CPU. Indices count from 0, as in
/// QSqlQuery.
///
/// Text and blob values are bound without a copy: they must stay alive and
/// unchanged until exec() returns.
class SqliteStatement
{
public:
    SqliteStatement() = default;
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;

    bool prepare(sqlite3 *db, const QString &sql, QString *error);

    /// A null QString binds as '' (the text columns are NOT NULL).
    void bindText(int index, const QString &text);
    /// UTF-8 bytes as text.
    void bindUtf8(int index, const QByteArray &utf8);
    void bindBlob(int index, const QByteArray &bytes);
    // A temporary would be gone before exec() reads it.
    void bindText(int, QString &&) = delete;
    void bindUtf8(int, QByteArray &&) = delete;
    void bindBlob(int, QByteArray &&) = delete;
    void bindInt(int index, qint64 value);
    void bindReal(int index, double value);
    void bindNull(int index);

    /// Runs the statement to its end and makes it ready for the next
    /// bindings; on failure (of a binding too) `error` says why.
    bool exec(QString *error);
    /// Rows changed by the last exec().
    int changes() const;

private:
    void check(int rc, int index);

    sqlite3 *m_db = nullptr;
    QString m_bindError; // the first binding that failed since the last exec()
    sqlite3_stmt *m_stmt = nullptr;
};

} // namespace jobdesk
