#include "storefile.h"

#include <QDir>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

StoreFile::StoreFile(const QString &dataDir, Mode mode)
    : m_connection(QStringLiteral("storefile-") +
                   QUuid::createUuid().toString(QUuid::WithoutBraces))
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    db.setDatabaseName(path(dataDir));
    if (mode == Mode::ReadOnly)
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
    m_open = db.open();
    if (!m_open)
        m_error = db.lastError().text();
}

StoreFile::~StoreFile()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
}

QString StoreFile::path(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("jobdesk.db"));
}

QVariant StoreFile::scalar(const QString &sql, const QVariantList &binds)
{
    const QVariantList values = column(sql, binds);
    return values.isEmpty() ? QVariant() : values.first();
}

QVariantList StoreFile::column(const QString &sql, const QVariantList &binds)
{
    QVariantList values;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.prepare(sql)) {
        m_error = q.lastError().text();
        return values;
    }
    for (const QVariant &b : binds)
        q.addBindValue(b);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return values;
    }
    while (q.next())
        values.append(q.value(0));
    return values;
}

int StoreFile::exec(const QString &sql, const QVariantList &binds)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.prepare(sql)) {
        m_error = q.lastError().text();
        return -1;
    }
    for (const QVariant &b : binds)
        q.addBindValue(b);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return -1;
    }
    return q.numRowsAffected();
}

bool StoreFile::createInputDatabase(const QString &filePath, QString *error)
{
    const QString connection =
        QStringLiteral("input-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(filePath);
        QSqlQuery q(db);
        ok = db.open() && q.exec(QStringLiteral("CREATE TABLE t (x INTEGER)"));
        if (!ok && error)
            *error = db.isOpen() ? q.lastError().text() : db.lastError().text();
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return ok;
}
