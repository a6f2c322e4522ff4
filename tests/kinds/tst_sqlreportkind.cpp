// report.sql in-process: a read in CSV and HTML, every kind of write refused
// before it runs (the database byte-for-byte unchanged), paths outside the
// roots, and a long query interrupted by a cancel.

#include "kindtestrun.h"
#include "worker/sql/sqlreportkind.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <sqlite3.h>
#include <thread>

using namespace jobdesk;
using namespace std::chrono_literals;

namespace {

bool exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

bool createDatabase(const QString &path, bool wal)
{
    sqlite3 *db = nullptr;
    if (sqlite3_open(QFile::encodeName(path).constData(), &db) != SQLITE_OK)
        return false;
    bool ok =
        (!wal || exec(db, "PRAGMA journal_mode=WAL")) &&
        exec(db, "CREATE TABLE sales(id INTEGER PRIMARY KEY, region TEXT, amount REAL, note TEXT, "
                 "raw BLOB)") &&
        exec(db, "INSERT INTO sales VALUES (1, 'north', 10.5, 'a, \"quoted\" <b>', x'00ff'),"
                 "(2, 'south', 0.1, NULL, NULL), (3, 'north', 3, 'two\nlines', NULL)") &&
        exec(
            db,
            "CREATE VIEW totals AS SELECT region, sum(amount) AS total FROM sales GROUP BY region");
    // A checkpoint folds the WAL into the file, so the checksum covers it all.
    if (wal)
        ok = ok && exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(db);
    return ok;
}

// The database file's bytes and the names of every file beside it.
QByteArray fingerprint(const QString &dbPath)
{
    QFile f(dbPath);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray sum =
        QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex();
    const QStringList files = QFileInfo(dbPath).dir().entryList(QDir::Files, QDir::Name);
    return sum + ' ' + files.join(QLatin1Char(',')).toUtf8();
}

QJsonObject query(const QString &db, const QString &sql,
                  const QString &format = QStringLiteral("csv"))
{
    return QJsonObject{{QStringLiteral("database"), db},
                       {QStringLiteral("query"), sql},
                       {QStringLiteral("format"), format}};
}

} // namespace

class tst_SqlReportKind : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void exportsRowsAsCsv();
    void exportsRowsAsHtml();
    void acceptsOneStatementWithComments_data();
    void acceptsOneStatementWithComments();
    void refusesWritesWithoutTouchingTheFile_data();
    void refusesWritesWithoutTouchingTheFile();
    void refusesDatabasesItMayNotOpen_data();
    void refusesDatabasesItMayNotOpen();
    void reportsRowCountsAsIndeterminateProgress();
    void interruptsALongQueryOnCancel();

private:
    QTemporaryDir m_dir;
    QString m_root;
    QString m_db;
    QString m_walDb;
    QString m_outside;
};

void tst_SqlReportKind::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString base = QFileInfo(m_dir.path()).canonicalFilePath();
    m_root = base + QStringLiteral("/data");
    m_outside = base + QStringLiteral("/private");
    QVERIFY(QDir().mkpath(m_root + QStringLiteral("/plain")));
    QVERIFY(QDir().mkpath(m_root + QStringLiteral("/wal")));
    QVERIFY(QDir().mkpath(m_outside));
    m_db = m_root + QStringLiteral("/plain/sales.db");
    m_walDb = m_root + QStringLiteral("/wal/sales.db");
    QVERIFY(createDatabase(m_db, false));
    QVERIFY(createDatabase(m_walDb, true));
    QVERIFY(createDatabase(m_outside + QStringLiteral("/secret.db"), false));
    QVERIFY(
        QFile::link(m_outside + QStringLiteral("/secret.db"), m_root + QStringLiteral("/link.db")));
    QFile notDb(m_root + QStringLiteral("/notes.txt"));
    QVERIFY(notDb.open(QIODevice::WriteOnly));
    notDb.write(QByteArray(4096, 'x'));
}

void tst_SqlReportKind::exportsRowsAsCsv()
{
    KindTestRun run(
        query(m_db, QStringLiteral("SELECT id, region, amount, note, raw FROM sales ORDER BY id")),
        {m_root});
    SqlReportKind kind;
    const KindOutcome outcome = run.run(kind);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    QCOMPARE(run.filename(), QStringLiteral("report.csv"));
    QCOMPARE(run.contentType(), QStringLiteral("text/csv; charset=utf-8"));
    QCOMPARE(run.result(), QByteArray("id,region,amount,note,raw\r\n"
                                      "1,north,10.5,\"a, \"\"quoted\"\" <b>\",AP8=\r\n"
                                      "2,south,0.1,,\r\n"
                                      "3,north,3,\"two\nlines\",\r\n"));
}

void tst_SqlReportKind::exportsRowsAsHtml()
{
    KindTestRun run(query(m_walDb, QStringLiteral("SELECT * FROM totals ORDER BY region"),
                          QStringLiteral("html")),
                    {m_root});
    SqlReportKind kind;
    const KindOutcome outcome = run.run(kind);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    QCOMPARE(run.filename(), QStringLiteral("report.html"));
    const QByteArray html = run.result();
    QVERIFY(html.startsWith("<!DOCTYPE html>"));
    QVERIFY(html.contains("<th>region</th><th>total</th>"));
    QVERIFY(html.contains("<tr><td>north</td><td class=\"n\">13.5</td></tr>"));
    QVERIFY(html.contains("2 rows"));
    QVERIFY(html.contains("SELECT * FROM totals ORDER BY region"));

    KindTestRun escaping(
        query(m_db, QStringLiteral("SELECT note FROM sales WHERE id = 1"), QStringLiteral("html")),
        {m_root});
    QVERIFY(escaping.run(kind).ok);
    QVERIFY(escaping.result().contains("a, &quot;quoted&quot; &lt;b&gt;"));
    QVERIFY(!escaping.result().contains("<b>"));
}

void tst_SqlReportKind::acceptsOneStatementWithComments_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<int>("rows");
    QTest::newRow("trailing semicolon") << QStringLiteral("SELECT count(*) FROM sales;") << 1;
    QTest::newRow("comments around")
        << QStringLiteral("-- the count\nSELECT count(*) FROM sales; /* done */ -- bye") << 1;
    QTest::newRow("common table expression")
        << QStringLiteral(
               "WITH n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) SELECT x FROM n")
        << 3;
    QTest::newRow("a view") << QStringLiteral("SELECT * FROM totals") << 2;
    QTest::newRow("read-only pragma") << QStringLiteral("PRAGMA table_info(sales)") << 5;
}

void tst_SqlReportKind::acceptsOneStatementWithComments()
{
    QFETCH(QString, sql);
    QFETCH(int, rows);
    KindTestRun run(query(m_db, sql), {m_root});
    SqlReportKind kind;
    const KindOutcome outcome = run.run(kind);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    QCOMPARE(run.result().count("\r\n"), rows + 1); // and the header
}

void tst_SqlReportKind::refusesWritesWithoutTouchingTheFile_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QString>("message");
    QTest::newRow("insert") << QStringLiteral("INSERT INTO sales(region) VALUES ('x')")
                            << QStringLiteral("INSERT");
    QTest::newRow("update") << QStringLiteral("UPDATE sales SET amount = 0")
                            << QStringLiteral("UPDATE");
    QTest::newRow("delete") << QStringLiteral("DELETE FROM sales") << QStringLiteral("DELETE");
    QTest::newRow("drop") << QStringLiteral("DROP TABLE sales") << QStringLiteral("read-only");
    QTest::newRow("create") << QStringLiteral("CREATE TABLE t(x)") << QStringLiteral("read-only");
    QTest::newRow("attach") << QStringLiteral("ATTACH DATABASE ':memory:' AS other")
                            << QStringLiteral("ATTACH");
    QTest::newRow("attach a file")
        << QStringLiteral("ATTACH 'x.db' AS x") << QStringLiteral("ATTACH");
    QTest::newRow("second statement writes")
        << QStringLiteral("SELECT 1; DELETE FROM sales") << QStringLiteral("only one statement");
    QTest::newRow("second statement reads")
        << QStringLiteral("SELECT 1; SELECT 2") << QStringLiteral("only one statement");
    QTest::newRow("pragma that writes")
        << QStringLiteral("PRAGMA user_version = 7") << QStringLiteral("PRAGMA");
    QTest::newRow("pragma lifting query_only")
        << QStringLiteral("PRAGMA query_only = 0") << QStringLiteral("PRAGMA");
    QTest::newRow("writable schema")
        << QStringLiteral("PRAGMA writable_schema = 1") << QStringLiteral("PRAGMA");
    QTest::newRow("vacuum") << QStringLiteral("VACUUM") << QStringLiteral("read-only");
    QTest::newRow("vacuum into") << QStringLiteral("VACUUM INTO '/tmp/jobdesk-copy.db'")
                                 << QStringLiteral("read-only");
    QTest::newRow("reindex") << QStringLiteral("REINDEX") << QStringLiteral("return rows");
    QTest::newRow("transaction") << QStringLiteral("BEGIN IMMEDIATE") << QStringLiteral("only");
    QTest::newRow("load an extension")
        << QStringLiteral("SELECT load_extension('libevil')") << QStringLiteral("load_extension");
    QTest::newRow("returning") << QStringLiteral("DELETE FROM sales RETURNING *")
                               << QStringLiteral("DELETE");
    QTest::newRow("syntax error") << QStringLiteral("SELEKT 1") << QStringLiteral("syntax error");
    QTest::newRow("no such table")
        << QStringLiteral("SELECT * FROM missing_table") << QStringLiteral("no such table");
    QTest::newRow("empty") << QStringLiteral("   ") << QStringLiteral("no statement");
    QTest::newRow("only a comment")
        << QStringLiteral("-- nothing") << QStringLiteral("no statement");
}

void tst_SqlReportKind::refusesWritesWithoutTouchingTheFile()
{
    QFETCH(QString, sql);
    QFETCH(QString, message);
    for (const QString &db : {m_db, m_walDb}) {
        const QByteArray before = fingerprint(db);
        QVERIFY(!before.isEmpty());
        KindTestRun run(query(db, sql), {m_root});
        SqlReportKind kind;
        const KindOutcome outcome = run.run(kind);
        QVERIFY(!outcome.ok);
        QCOMPARE(outcome.error.code, QStringLiteral("invalid_params"));
        QVERIFY(!outcome.retryable);
        QVERIFY2(outcome.error.message.contains(message), qPrintable(outcome.error.message));
        QCOMPARE(fingerprint(db), before);
    }
    QVERIFY(!QFile::exists(QStringLiteral("/tmp/jobdesk-copy.db")));
}

void tst_SqlReportKind::refusesDatabasesItMayNotOpen_data()
{
    QTest::addColumn<QString>("database");
    QTest::addColumn<QString>("message");
    QTest::newRow("outside the roots")
        << QStringLiteral("OUTSIDE/secret.db") << QStringLiteral("input root");
    QTest::newRow("symlink leading outside")
        << QStringLiteral("ROOT/link.db") << QStringLiteral("input root");
    QTest::newRow("missing") << QStringLiteral("ROOT/none.db") << QStringLiteral("does not exist");
    QTest::newRow("a folder") << QStringLiteral("ROOT/plain") << QStringLiteral("not a file");
    QTest::newRow("not a database")
        << QStringLiteral("ROOT/notes.txt") << QStringLiteral("not a database");
}

void tst_SqlReportKind::refusesDatabasesItMayNotOpen()
{
    QFETCH(QString, database);
    QFETCH(QString, message);
    database.replace(QStringLiteral("ROOT"), m_root).replace(QStringLiteral("OUTSIDE"), m_outside);
    KindTestRun run(query(database, QStringLiteral("SELECT 1")), {m_root});
    SqlReportKind kind;
    const KindOutcome outcome = run.run(kind);
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error.code, QStringLiteral("invalid_params"));
    QVERIFY2(outcome.error.message.contains(message), qPrintable(outcome.error.message));
    QVERIFY(!QFile::exists(m_root + QStringLiteral("/none.db")));
}

void tst_SqlReportKind::reportsRowCountsAsIndeterminateProgress()
{
    KindTestRun run(
        query(m_db, QStringLiteral("WITH n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
                                   "WHERE x < 20000) SELECT x, x * x FROM n")),
        {m_root});
    SqlReportKind kind;
    const KindOutcome outcome = run.run(kind);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    const auto reports = run.progress();
    QVERIFY(reports.size() > 10);
    for (const KindTestRun::Progress &p : reports)
        QVERIFY(!p.pct);
    QCOMPARE(reports.back().message, QStringLiteral("20000 rows"));
    // Over the inline limit: the result went to a file and was read back.
    QVERIFY(run.result().size() > 64 * 1024);
    QVERIFY(run.result().endsWith("20000,400000000\r\n"));
}

void tst_SqlReportKind::interruptsALongQueryOnCancel()
{
    // A query that produces no row for a very long time: only an interrupt
    // can stop it.
    KindTestRun run(
        query(m_db, QStringLiteral("WITH n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
                                   "SELECT count(*) FROM n")),
        {m_root});
    SqlReportKind kind;
    QElapsedTimer sinceCancel;
    std::thread canceller([&] {
        std::this_thread::sleep_for(300ms);
        sinceCancel.start();
        run.token.cancel();
    });
    const KindOutcome outcome = run.run(kind);
    const qint64 took = sinceCancel.elapsed();
    canceller.join();
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error.code, QStringLiteral("cancelled"));
    QVERIFY2(took < 1000, qPrintable(QString::number(took)));
}

QTEST_GUILESS_MAIN(tst_SqlReportKind)
#include "tst_sqlreportkind.moc"
