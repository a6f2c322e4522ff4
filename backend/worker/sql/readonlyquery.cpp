#include "readonlyquery.h"

#include "canceltoken.h"
#include "paramsschema.h"

#include <QFile>
#include <QFileInfo>
#include <chrono>
#include <sqlite3.h>

namespace jobdesk {

namespace {

using namespace std::chrono_literals;

// How long a query waits for a database another process holds locked.
constexpr int kBusyWaitSteps = 500; // of 20 ms: 10 s
constexpr auto kBusyWaitStep = 20ms;

// PRAGMAs that only read the schema; any other is refused (some change the
// connection, e.g. query_only itself, or the file, e.g. writable_schema).
bool isReadOnlyPragma(const char *name)
{
    if (!name)
        return false;
    static const char *const allowed[] = {"table_info",       "table_xinfo",   "table_list",
                                          "index_list",       "index_info",    "index_xinfo",
                                          "foreign_key_list", "collation_list"};
    for (const char *a : allowed) {
        if (sqlite3_stricmp(name, a) == 0)
            return true;
    }
    return false;
}

QString actionName(int action)
{
    switch (action) {
    case SQLITE_INSERT:
        return QStringLiteral("INSERT");
    case SQLITE_UPDATE:
        return QStringLiteral("UPDATE");
    case SQLITE_DELETE:
        return QStringLiteral("DELETE");
    case SQLITE_ALTER_TABLE:
        return QStringLiteral("ALTER TABLE");
    case SQLITE_TRANSACTION:
        return QStringLiteral("a transaction statement");
    case SQLITE_SAVEPOINT:
        return QStringLiteral("SAVEPOINT");
    case SQLITE_REINDEX:
        return QStringLiteral("REINDEX");
    case SQLITE_ANALYZE:
        return QStringLiteral("ANALYZE");
    default:
        return QStringLiteral("a statement that changes the database");
    }
}

} // namespace

ReadOnlyQuery::ReadOnlyQuery(const CancelToken &cancel)
    : m_cancel(cancel)
{
}

ReadOnlyQuery::~ReadOnlyQuery()
{
    sqlite3_finalize(m_statement);
    sqlite3_close_v2(m_db);
}

void ReadOnlyQuery::interrupt()
{
    sqlite3_interrupt(m_db);
}

QString ReadOnlyQuery::errorMessage() const
{
    return QString::fromUtf8(sqlite3_errmsg(m_db));
}

int ReadOnlyQuery::authorize(void *self, int action, const char *arg1, const char *arg2,
                             const char *, const char *)
{
    auto *query = static_cast<ReadOnlyQuery *>(self);
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_FUNCTION:
        if (arg2 && sqlite3_stricmp(arg2, "load_extension") == 0) {
            query->m_denied = QStringLiteral("load_extension() is not allowed");
            return SQLITE_DENY;
        }
        return SQLITE_OK;
    case SQLITE_PRAGMA:
        if (isReadOnlyPragma(arg1))
            return SQLITE_OK;
        query->m_denied = QStringLiteral("PRAGMA %1 is not allowed").arg(QString::fromUtf8(arg1));
        return SQLITE_DENY;
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
        query->m_denied = QStringLiteral("ATTACH and DETACH are not allowed");
        return SQLITE_DENY;
    default:
        query->m_denied =
            QStringLiteral("only read-only statements are allowed, not %1").arg(actionName(action));
        return SQLITE_DENY;
    }
}

int ReadOnlyQuery::onBusy(void *self, int attempts)
{
    auto *query = static_cast<ReadOnlyQuery *>(self);
    if (attempts >= kBusyWaitSteps)
        return 0;
    return query->m_cancel.waitFor(kBusyWaitStep, true) ? 1 : 0;
}

std::unique_ptr<ReadOnlyQuery> ReadOnlyQuery::prepare(const QString &databasePath,
                                                      const QString &sql,
                                                      const QStringList &inputRoots,
                                                      const CancelToken &cancel,
                                                      KindOutcome *failure)
{
    const auto fail = [&](KindOutcome outcome) {
        *failure = std::move(outcome);
        return nullptr;
    };

    // The params were checked at submit; the file may have moved since.
    const QString problem = inputPathError(databasePath, inputRoots);
    if (!problem.isEmpty())
        return fail(KindOutcome::invalidParams(QStringLiteral("database %1").arg(problem)));
    const QString resolved = resolveInputPath(databasePath);
    if (!QFileInfo(resolved).isFile())
        return fail(KindOutcome::invalidParams(
            QStringLiteral("database: %1 does not exist or is not a file").arg(databasePath)));

    std::unique_ptr<ReadOnlyQuery> query(new ReadOnlyQuery(cancel));
    // The canonical path, and no symbolic link followed: what was checked is
    // what is opened.
    const int openRc = sqlite3_open_v2(QFile::encodeName(resolved).constData(), &query->m_db,
                                       SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, nullptr);
    if (openRc != SQLITE_OK)
        return fail(KindOutcome::invalidParams(QStringLiteral("database: cannot open %1: %2")
                                                   .arg(databasePath, query->errorMessage())));
    sqlite3 *db = query->m_db;
    sqlite3_extended_result_codes(db, 1);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
    if (sqlite3_exec(db, "PRAGMA query_only = ON", nullptr, nullptr, nullptr) != SQLITE_OK)
        return fail(KindOutcome::jobError(
            QStringLiteral("database: cannot make the connection read-only: %1")
                .arg(query->errorMessage()),
            false));
    sqlite3_busy_handler(db, &ReadOnlyQuery::onBusy, query.get());
    // SQLite opens lazily: read the schema now, so that a file that is not a
    // database is reported as such even for a query that reads no table.
    const int schemaRc =
        sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) & 0xff;
    if (schemaRc == SQLITE_BUSY || schemaRc == SQLITE_LOCKED)
        return fail(KindOutcome::jobError(
            QStringLiteral("the database is locked: %1").arg(query->errorMessage()), true));
    if (schemaRc != SQLITE_OK)
        return fail(KindOutcome::invalidParams(
            QStringLiteral("database: %1: %2").arg(databasePath, query->errorMessage())));
    // Installed last: our own statements above are the only ones that ran
    // without it.
    sqlite3_set_authorizer(db, &ReadOnlyQuery::authorize, query.get());

    const QByteArray text = sql.toUtf8();
    const char *tail = nullptr;
    const int rc =
        sqlite3_prepare_v2(db, text.constData(), int(text.size()), &query->m_statement, &tail);
    if (rc != SQLITE_OK) {
        const int primary = rc & 0xff;
        // A refusal by the authorizer surfaces as SQLITE_AUTH or, from
        // prepare, as a plain error: what was refused is known here.
        if (primary == SQLITE_AUTH || !query->m_denied.isEmpty())
            return fail(KindOutcome::invalidParams(
                QStringLiteral("query: %1")
                    .arg(query->m_denied.isEmpty() ? query->errorMessage() : query->m_denied)));
        if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
            return fail(KindOutcome::jobError(
                QStringLiteral("the database is locked: %1").arg(query->errorMessage()), true));
        if (primary == SQLITE_INTERRUPT)
            return fail(KindOutcome::cancelled());
        if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
            return fail(KindOutcome::invalidParams(
                QStringLiteral("database: %1: %2").arg(databasePath, query->errorMessage())));
        return fail(
            KindOutcome::invalidParams(QStringLiteral("query: %1").arg(query->errorMessage())));
    }
    if (!query->m_statement)
        return fail(KindOutcome::invalidParams(QStringLiteral("query: it holds no statement")));

    // Anything after the first statement must be white space or comments.
    if (tail && *tail) {
        sqlite3_stmt *next = nullptr;
        const int tailRc = sqlite3_prepare_v2(db, tail, -1, &next, nullptr);
        sqlite3_finalize(next);
        if (tailRc != SQLITE_OK || next)
            return fail(
                KindOutcome::invalidParams(QStringLiteral("query: only one statement is allowed")));
    }
    if (!sqlite3_stmt_readonly(query->m_statement))
        return fail(KindOutcome::invalidParams(
            QStringLiteral("query: only read-only statements are allowed")));
    // A report needs rows: this also turns away statements SQLite calls
    // read-only because they have nothing to do (REINDEX without indexes,
    // BEGIN, ...).
    if (sqlite3_column_count(query->m_statement) == 0)
        return fail(KindOutcome::invalidParams(
            QStringLiteral("query: only queries that return rows are allowed")));
    return query;
}

} // namespace jobdesk
