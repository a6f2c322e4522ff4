#include "sqlitestatement.h"

#include <QSqlDriver>
#include <QVariant>
#include <sqlite3.h>
#include <utility>

namespace jobdesk {

sqlite3 *sqliteHandle(const QSqlDatabase &db)
{
    if (!db.isOpen() || !db.driver())
        return nullptr;
    const QVariant handle = db.driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(handle.constData());
}

SqliteStatement::~SqliteStatement()
{
    sqlite3_finalize(m_stmt);
}

bool SqliteStatement::prepare(sqlite3 *db, const QString &sql, QString *error)
{
    sqlite3_finalize(m_stmt);
    m_stmt = nullptr;
    m_db = db;
    if (!db) {
        *error = QStringLiteral("cannot prepare \"%1\": no SQLite connection").arg(sql);
        return false;
    }
    const QByteArray text = sql.toUtf8();
    if (sqlite3_prepare_v3(db, text.constData(), int(text.size()), SQLITE_PREPARE_PERSISTENT,
                           &m_stmt, nullptr) != SQLITE_OK) {
        *error = QStringLiteral("cannot prepare \"%1\": %2")
                     .arg(sql, QString::fromUtf8(sqlite3_errmsg(db)));
        return false;
    }
    return true;
}

void SqliteStatement::bindText(int index, const QString &text)
{
    check(sqlite3_bind_text16(m_stmt, index + 1, text.utf16(), int(text.size() * 2), SQLITE_STATIC),
          index);
}

void SqliteStatement::bindUtf8(int index, const QByteArray &utf8)
{
    check(sqlite3_bind_text(m_stmt, index + 1, utf8.constData(), int(utf8.size()), SQLITE_STATIC),
          index);
}

void SqliteStatement::bindBlob(int index, const QByteArray &bytes)
{
    // A null QByteArray would bind SQL NULL: results are never NULL.
    static const char empty = 0;
    check(sqlite3_bind_blob(m_stmt, index + 1, bytes.isNull() ? &empty : bytes.constData(),
                            int(bytes.size()), SQLITE_STATIC),
          index);
}

void SqliteStatement::bindInt(int index, qint64 value)
{
    check(sqlite3_bind_int64(m_stmt, index + 1, value), index);
}

void SqliteStatement::bindReal(int index, double value)
{
    check(sqlite3_bind_double(m_stmt, index + 1, value), index);
}

void SqliteStatement::bindNull(int index)
{
    check(sqlite3_bind_null(m_stmt, index + 1), index);
}

void SqliteStatement::check(int rc, int index)
{
    if (rc != SQLITE_OK && m_bindError.isEmpty())
        m_bindError = QStringLiteral("cannot bind value %1: %2")
                          .arg(index)
                          .arg(QString::fromUtf8(sqlite3_errstr(rc)));
}

bool SqliteStatement::exec(QString *error)
{
    if (!m_bindError.isEmpty()) {
        // Run with a value missing, it could store NULL or fail misleadingly.
        *error = std::exchange(m_bindError, QString());
        sqlite3_clear_bindings(m_stmt);
        return false;
    }
    const int rc = sqlite3_step(m_stmt);
    // reset() repeats the step's error code; the message is read first.
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        *error = QString::fromUtf8(sqlite3_errmsg(m_db));
    sqlite3_reset(m_stmt);
    // The bound buffers belong to the caller and are about to go.
    sqlite3_clear_bindings(m_stmt);
    return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

int SqliteStatement::changes() const
{
    return sqlite3_changes(m_db);
}

} // namespace jobdesk
