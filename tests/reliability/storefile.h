#pragma once

#include <QSqlDatabase>
#include <QString>
#include <QVariant>
#include <QVariantList>

/// jobdeskd's SQLite file, opened directly by a test while the daemon is
/// stopped: to check what the daemon left on disk (integrity, rows), or to
/// craft a state that only time would produce (old finish times).
class StoreFile
{
public:
    enum class Mode
    {
        ReadOnly,
        ReadWrite
    };

    StoreFile(const QString &dataDir, Mode mode);
    ~StoreFile();

    StoreFile(const StoreFile &) = delete;
    StoreFile &operator=(const StoreFile &) = delete;

    bool isOpen() const { return m_open; }
    QString errorText() const { return m_error; }

    /// The first column of the first row of `sql`, or an invalid QVariant
    /// (see errorText()).
    QVariant scalar(const QString &sql, const QVariantList &binds = {});
    /// Every row's first column.
    QVariantList column(const QString &sql, const QVariantList &binds = {});
    /// Runs a statement; the number of rows it changed, -1 on error.
    int exec(const QString &sql, const QVariantList &binds = {});

    static QString path(const QString &dataDir);
    /// Creates a small SQLite database at `filePath` (one empty table): an
    /// input for report.sql, whose rows then come from the query itself.
    static bool createInputDatabase(const QString &filePath, QString *error);

private:
    QString m_connection;
    QString m_error;
    bool m_open = false;
};
