#pragma once

#include "kindoutcome.h"

#include <QString>
#include <QStringList>
#include <memory>
#include <optional>

struct sqlite3;
struct sqlite3_stmt;

namespace jobdesk {

class CancelToken;

/// One read-only statement on a SQLite database file, checked before it
/// runs: the file must lie under an input root; it is opened read-only
/// (symbolic links refused) with `PRAGMA query_only`, ATTACH is denied by an
/// authorizer (as is every write and every PRAGMA outside a short read-only
/// list), the text must hold exactly one statement, and SQLite must call it
/// read-only (sqlite3_stmt_readonly). Whatever fails these checks is an
/// `invalid_params` outcome and the file is never written.
///
/// Lives on the job thread; only interrupt() may be called from elsewhere.
class ReadOnlyQuery
{
public:
    ~ReadOnlyQuery();

    ReadOnlyQuery(const ReadOnlyQuery &) = delete;
    ReadOnlyQuery &operator=(const ReadOnlyQuery &) = delete;

    /// The prepared query, or the outcome that ends the job. `cancel` is
    /// consulted while waiting for a locked database.
    static std::unique_ptr<ReadOnlyQuery> prepare(const QString &databasePath, const QString &sql,
                                                  const QStringList &inputRoots,
                                                  const CancelToken &cancel, KindOutcome *failure);

    sqlite3 *database() const { return m_db; }
    sqlite3_stmt *statement() const { return m_statement; }
    /// Makes a running sqlite3_step() return SQLITE_INTERRUPT. Thread-safe.
    void interrupt();
    /// The error of the last failed call, as SQLite words it.
    QString errorMessage() const;

private:
    explicit ReadOnlyQuery(const CancelToken &cancel);
    static int authorize(void *self, int action, const char *arg1, const char *arg2,
                         const char *database, const char *trigger);
    static int onBusy(void *self, int attempts);

    const CancelToken &m_cancel;
    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_statement = nullptr;
    QString m_denied; // why the authorizer refused, for the error message
};

} // namespace jobdesk
