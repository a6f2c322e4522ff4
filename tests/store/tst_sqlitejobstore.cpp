#include "jobjson.h"
#include "reliability.h"
#include "store/sqlitejobstore.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>

using namespace jobdesk;

namespace jobdesk {

// Lets QCOMPARE print both jobs, internal fields included, when they differ.
char *toString(const Job &job)
{
    QJsonObject json = jobToJson(job);
    json.insert(QStringLiteral("(callback_url)"), job.callbackUrl);
    json.insert(QStringLiteral("(fence)"), job.fence);
    json.insert(QStringLiteral("(attempt_limit)"), job.attemptLimit);
    json.insert(QStringLiteral("(interruptions)"), job.interruptions);
    json.insert(QStringLiteral("(result_file)"), job.resultFile);
    return qstrdup(QJsonDocument(json).toJson(QJsonDocument::Compact).constData());
}

} // namespace jobdesk

Q_DECLARE_METATYPE(jobdesk::Job)
Q_DECLARE_METATYPE(jobdesk::JobStatus)

namespace {

const QString kDbFile = QStringLiteral("jobdesk.db");

Job makeJob(const QString &id, qint64 createdAtMs, JobStatus status = JobStatus::Pending)
{
    Job job;
    job.id = id;
    job.kind = QStringLiteral("demo.sleep");
    job.params = QJsonObject{{QStringLiteral("duration_s"), 1}};
    job.status = status;
    job.createdAtMs = createdAtMs;
    job.updatedAtMs = createdAtMs;
    return job;
}

/// Gives each job the next rev, inserts them all and commits.
bool commitNewJobs(SqliteJobStore &store, QList<Job> *jobs)
{
    if (!store.begin())
        return false;
    for (Job &job : *jobs) {
        job.rev = store.nextRev();
        if (!store.insertJob(job)) {
            store.rollback();
            return false;
        }
    }
    return store.commit();
}

bool commitUpdate(SqliteJobStore &store, Job *job)
{
    if (!store.begin())
        return false;
    job->rev = store.nextRev();
    if (!store.updateJob(*job)) {
        store.rollback();
        return false;
    }
    return store.commit();
}

/// Runs `sql` on a connection of its own (as another process would) and
/// returns the rows; the connection is gone when it returns.
QList<QVariantList> inspect(const QString &dbPath, const QString &sql, QString *error = nullptr)
{
    const QString name = QStringLiteral("tst_sqlitejobstore.inspect");
    QList<QVariantList> rows;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(dbPath);
        if (db.open()) {
            QSqlQuery query(db);
            if (query.exec(sql)) {
                while (query.next()) {
                    QVariantList row;
                    for (int i = 0; i < query.record().count(); ++i)
                        row << query.value(i);
                    rows << row;
                }
            } else if (error) {
                *error = query.lastError().text();
            }
        } else if (error) {
            *error = db.lastError().text();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return rows;
}

QStringList ids(const QList<Job> &jobs)
{
    QStringList result;
    for (const Job &job : jobs)
        result << job.id;
    return result;
}

QString base64Url(const QByteArray &plain)
{
    return QString::fromLatin1(
        plain.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

} // namespace

class TestSqliteJobStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();

    void openCreatesSchema();
    void openRefusesNewerSchema();
    void statusChecksNeedNoTemporaryTable();
    void tableRebuildKeepsEveryRow();
    void orphanRowsLeftByHandDoNotStopTheUpgrade();
    void openGarbageFileFails();
    void roundTrip_data();
    void roundTrip();
    void updateAndEvents();
    void mutationsNeedTransaction();
    void readsSeeOnlyCommitted();
    void reopenKeepsJobsAndRev();
    void rollbackDiscards();
    void fenceSurvivesReopen();
    void list_data();
    void list();
    void listClampsLimit();
    void listInvalidCursor_data();
    void listInvalidCursor();
    void changesSince();
    void changesSinceNothingChanged();
    void pagesStopAtTheByteBudget();
    void unfinishedJobs();
    void countsByStatus();
    void resultBlob_data();
    void resultBlob();
    void twoStoresAtOnce();
};

void TestSqliteJobStore::cleanup()
{
    // Every store closes and removes its connections.
    QCOMPARE(QSqlDatabase::connectionNames(), QStringList());
}

void TestSqliteJobStore::openCreatesSchema()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString dataDir = dir.filePath(QStringLiteral("nested/data"));
    const QString dbPath = QDir(dataDir).filePath(kDbFile);
    {
        SqliteJobStore store;
        QVERIFY2(store.open(dataDir), qPrintable(store.lastError()));
        QVERIFY(QFile::exists(dbPath));
        QCOMPARE(store.currentRev(), 0);

        QVERIFY(SqliteJobStore::latestSchemaVersion() >= 1);
        QCOMPARE(inspect(dbPath, QStringLiteral("PRAGMA user_version")).value(0).value(0).toInt(),
                 SqliteJobStore::latestSchemaVersion());
        QCOMPARE(
            inspect(dbPath, QStringLiteral("PRAGMA journal_mode")).value(0).value(0).toString(),
            QStringLiteral("wal"));

        QSet<QString> names;
        for (const QVariantList &row :
             inspect(dbPath, QStringLiteral("SELECT name FROM sqlite_master"))) {
            names.insert(row.value(0).toString());
        }
        for (const char *expected :
             {"jobs", "job_events", "results", "tombstones", "meta", "idempotency_keys",
              "jobs_queue", "jobs_rev", "jobs_newest", "jobs_status_newest", "tombstones_rev",
              "idempotency_keys_created"}) {
            QVERIFY2(names.contains(QLatin1String(expected)), expected);
        }
    }
    // Opening again finds the schema current and changes nothing.
    SqliteJobStore store;
    QVERIFY2(store.open(dataDir), qPrintable(store.lastError()));
    store.close();
    QCOMPARE(inspect(dbPath, QStringLiteral("PRAGMA user_version")).value(0).value(0).toInt(),
             SqliteJobStore::latestSchemaVersion());
}

void TestSqliteJobStore::openRefusesNewerSchema()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    {
        SqliteJobStore store;
        QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    }
    const int newer = SqliteJobStore::latestSchemaVersion() + 1;
    QString error;
    inspect(dir.filePath(kDbFile), QStringLiteral("PRAGMA user_version = %1").arg(newer), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    SqliteJobStore store;
    QVERIFY(!store.open(dir.path()));
    QVERIFY2(store.lastError().contains(QLatin1String("newer")), qPrintable(store.lastError()));
}

void TestSqliteJobStore::statusChecksNeedNoTemporaryTable()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    {
        SqliteJobStore store;
        QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
        QList<Job> jobs{makeJob(QStringLiteral("a"), 1)};
        QVERIFY2(commitNewJobs(store, &jobs), qPrintable(store.lastError()));
    }
    const QString dbPath = dir.filePath(kDbFile);
    // A CHECK with an IN list makes SQLite fill a temporary index
    // (OpenEphemeral) on every write that touches the column.
    for (const QString &write :
         {QStringLiteral("UPDATE jobs SET status = 'COMPLETED' WHERE id = 'a'"),
          QStringLiteral("UPDATE webhook_outbox SET state = 'gone' WHERE id = 'w'")}) {
        QString error;
        const QList<QVariantList> program =
            inspect(dbPath, QStringLiteral("EXPLAIN ") + write, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(!program.isEmpty());
        for (const QVariantList &op : program)
            QVERIFY2(op.value(1).toString() != QLatin1String("OpenEphemeral"), qPrintable(write));
    }
    // The checks still hold.
    QString error;
    inspect(dbPath, QStringLiteral("UPDATE jobs SET status = 'DONE' WHERE id = 'a'"), &error);
    QVERIFY2(error.contains(QLatin1String("CHECK")), qPrintable(error));
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    QCOMPARE(store.job(QStringLiteral("a"))->status, JobStatus::Pending);
}

void TestSqliteJobStore::tableRebuildKeepsEveryRow()
{
    // A store at schema 5, with rows of every kind, upgraded: its jobs and
    // webhook_outbox tables are rebuilt with the checks as comparisons.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString dbPath = dir.filePath(kDbFile);
    QList<Job> jobs{makeJob(QStringLiteral("a"), 1), makeJob(QStringLiteral("b"), 2),
                    makeJob(QStringLiteral("c"), 3)};
    WebhookDelivery delivery;
    delivery.id = QStringLiteral("w1");
    delivery.jobId = QStringLiteral("b");
    delivery.url = QStringLiteral("http://127.0.0.1:9/hook");
    delivery.eventType = QStringLiteral("job.completed");
    delivery.body = "{}";
    delivery.createdAtMs = 5;
    delivery.nextAttemptAtMs = 6;
    {
        SqliteJobStore store;
        QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
        QVERIFY2(commitNewJobs(store, &jobs), qPrintable(store.lastError()));
        jobs[1].status = JobStatus::Completed;
        jobs[1].finishedAtMs = 4;
        jobs[1].progress = 100;
        jobs[1].result = ResultInfo{QStringLiteral("b.json"), QStringLiteral("application/json"), 2,
                                    QStringLiteral("00")};
        jobs[2].status = JobStatus::Failed;
        jobs[2].deadLetter = true;
        jobs[2].error = JobError{QStringLiteral("job_error"), QStringLiteral("no")};
        QVERIFY(store.begin());
        for (Job *job : {&jobs[1], &jobs[2]}) {
            job->rev = store.nextRev();
            QVERIFY2(store.updateJob(*job), qPrintable(store.lastError()));
        }
        QVERIFY(
            store.appendEvent(QStringLiteral("b"), JobEvent{1, 2, QStringLiteral("state"), {}}));
        QVERIFY(store.putResultBlob(QStringLiteral("b"), "{}"));
        QVERIFY(store.insertWebhook(delivery));
        QVERIFY2(store.commit(), qPrintable(store.lastError()));
    }
    const QString schemaSql = QStringLiteral(
        "SELECT name, sql FROM sqlite_master WHERE tbl_name IN ('jobs', 'webhook_outbox') "
        "ORDER BY name");
    const QList<QVariantList> schemaBefore = inspect(dbPath, schemaSql);

    // Back to schema 5: the checks as the IN lists that version wrote. Only
    // the text of a CHECK changes, which SQLite's manual allows through
    // writable_schema.
    const int latest = SqliteJobStore::latestSchemaVersion();
    {
        const QString name = QStringLiteral("tst_sqlitejobstore.downgrade");
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(dbPath);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("PRAGMA writable_schema = ON")));
            const QList<std::pair<QString, QString>> oldChecks{
                {QStringLiteral("jobs"),
                 QStringLiteral("CHECK (status IN ('PENDING', 'PROCESSING', 'RETRYING', "
                                "'COMPLETED', 'FAILED', 'CANCELLED'))")},
                {QStringLiteral("webhook_outbox"),
                 QStringLiteral("CHECK (state IN ('pending', 'delivered', 'gone', 'failed', "
                                "'refused'))")}};
            for (const auto &[table, oldCheck] : oldChecks) {
                QVERIFY(q.exec(
                    QStringLiteral("SELECT sql FROM sqlite_master WHERE name = '%1'").arg(table)));
                QVERIFY(q.next());
                QString sql = q.value(0).toString();
                const QRegularExpression check(QStringLiteral(R"(CHECK \((status|state) = .*?'\))"),
                                               QRegularExpression::DotMatchesEverythingOption);
                QVERIFY2(check.match(sql).hasMatch(), qPrintable(sql));
                sql.replace(check, oldCheck);
                QVERIFY(
                    q.prepare(QStringLiteral("UPDATE sqlite_master SET sql = ? WHERE name = ?")));
                q.addBindValue(sql);
                q.addBindValue(table);
                QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
            }
            QVERIFY(q.exec(QStringLiteral("PRAGMA writable_schema = OFF")));
            QVERIFY(q.exec(QStringLiteral("PRAGMA user_version = %1").arg(latest - 1)));
        }
        QSqlDatabase::removeDatabase(name);
    }
    QCOMPARE(inspect(dbPath, QStringLiteral("PRAGMA integrity_check")).value(0).value(0).toString(),
             QStringLiteral("ok"));
    const auto usesTemporaryIndex = [&dbPath](const QString &write) {
        for (const QVariantList &op : inspect(dbPath, QStringLiteral("EXPLAIN ") + write)) {
            if (op.value(1).toString() == QLatin1String("OpenEphemeral"))
                return true;
        }
        return false;
    };
    const QString writeJob = QStringLiteral("UPDATE jobs SET status = 'COMPLETED' WHERE id = 'a'");
    const QString writeHook =
        QStringLiteral("UPDATE webhook_outbox SET state = 'gone' WHERE id = 'w'");
    QVERIFY(usesTemporaryIndex(writeJob));
    QVERIFY(usesTemporaryIndex(writeHook));

    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    QCOMPARE(inspect(dbPath, QStringLiteral("PRAGMA user_version")).value(0).value(0).toInt(),
             latest);
    QVERIFY(!usesTemporaryIndex(writeJob));
    QVERIFY(!usesTemporaryIndex(writeHook));
    // The same tables and indexes as a store created at schema 6, to the letter.
    QCOMPARE(inspect(dbPath, schemaSql), schemaBefore);
    for (const Job &job : std::as_const(jobs))
        QCOMPARE(*store.job(job.id), job);
    QCOMPARE(store.countsByStatus().value(JobStatus::Pending), 1);
    QCOMPARE(store.deadLetterCount(), 1);
    QCOMPARE(store.events(QStringLiteral("b")).size(), 1);
    QCOMPARE(store.resultBlob(QStringLiteral("b")), std::optional<QByteArray>("{}"));
    const QList<WebhookDelivery> hooks = store.webhooks(QStringLiteral("b"));
    QCOMPARE(hooks.size(), 1);
    QCOMPARE(hooks.first().url, delivery.url);
    QCOMPARE(store.pendingWebhooks().size(), 1);
    // The children still follow their job: the foreign keys are on again.
    QVERIFY(store.begin());
    QVERIFY2(store.purgeJob(QStringLiteral("b")), qPrintable(store.lastError()));
    QVERIFY2(store.commit(), qPrintable(store.lastError()));
    QVERIFY(store.events(QStringLiteral("b")).isEmpty());
    QVERIFY(!store.resultBlob(QStringLiteral("b")));
    QVERIFY(store.webhooks(QStringLiteral("b")).isEmpty());
}

void TestSqliteJobStore::orphanRowsLeftByHandDoNotStopTheUpgrade()
{
    // An event row without its job (deleted with the sqlite3 shell, whose
    // foreign keys are off) was there before the upgrade: it is left alone.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString dbPath = dir.filePath(kDbFile);
    {
        SqliteJobStore store;
        QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
        QList<Job> jobs{makeJob(QStringLiteral("a"), 1), makeJob(QStringLiteral("b"), 2)};
        QVERIFY2(commitNewJobs(store, &jobs), qPrintable(store.lastError()));
        QVERIFY(store.begin());
        QVERIFY(
            store.appendEvent(QStringLiteral("a"), JobEvent{1, 2, QStringLiteral("state"), {}}));
        QVERIFY(
            store.appendEvent(QStringLiteral("b"), JobEvent{1, 2, QStringLiteral("state"), {}}));
        QVERIFY(store.commit());
    }
    QString error;
    inspect(dbPath, QStringLiteral("DELETE FROM jobs WHERE id = 'a'"), &error); // foreign keys off
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(inspect(dbPath, QStringLiteral("PRAGMA foreign_key_check")).size(), 1);
    inspect(
        dbPath,
        QStringLiteral("PRAGMA user_version = %1").arg(SqliteJobStore::latestSchemaVersion() - 1),
        &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    QCOMPARE(inspect(dbPath, QStringLiteral("PRAGMA user_version")).value(0).value(0).toInt(),
             SqliteJobStore::latestSchemaVersion());
    QCOMPARE(store.events(QStringLiteral("b")).size(), 1);
    QVERIFY(store.job(QStringLiteral("b")));
}

void TestSqliteJobStore::openGarbageFileFails()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString dbPath = dir.filePath(kDbFile);
    QFile file(dbPath);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QByteArray garbage;
    for (int i = 0; i < 512; ++i)
        garbage += "this is not an SQLite file ";
    QVERIFY(file.write(garbage) == garbage.size());
    file.close();

    SqliteJobStore store;
    QVERIFY(!store.open(dir.path()));
    QVERIFY2(store.lastError().contains(QLatin1String("not a database")),
             qPrintable(store.lastError()));
    QVERIFY2(store.lastError().contains(dbPath), qPrintable(store.lastError()));
    // A failed open leaves a closed store, not a half-open one.
    QVERIFY(!store.job(QStringLiteral("any")));
    QVERIFY(store.lastError().contains(QLatin1String("not open")));
    QVERIFY(!store.begin());
}

void TestSqliteJobStore::roundTrip_data()
{
    QTest::addColumn<Job>("job");

    Job unset = makeJob(QStringLiteral("every-optional-unset"), 1000);
    unset.progress.reset();
    unset.etaS.reset();
    unset.error.reset();
    unset.result.reset();
    unset.message = QString();
    unset.params = QJsonObject();
    QTest::newRow("every optional unset") << unset;

    Job defaults;
    defaults.id = QStringLiteral("defaults");
    QTest::newRow("default job") << defaults;

    Job set = makeJob(QStringLiteral("every-optional-set"), 1'700'000'000'123);
    set.kind = QStringLiteral("report.csv_summary");
    set.params = QJsonObject{
        {QStringLiteral("input"), QStringLiteral("/home/ünïcødé/data €.csv")},
        {QStringLiteral("nested"),
         QJsonObject{{QStringLiteral("list"), QJsonArray{1, 2.5, true, QJsonValue::Null}}}},
        {QStringLiteral("format"), QStringLiteral("pdf")}};
    set.status = JobStatus::Completed;
    set.progress = 100.0;
    set.message = QStringLiteral("done: \"quoted\" 'text'\nsecond line");
    set.etaS = 0.125;
    set.priority = -100;
    set.attempt = 4;
    set.maxAttempts = 7;
    set.timeoutS = 7 * 24 * 3600;
    set.nextAttemptAtMs = 1'700'000'009'000;
    set.cancelRequested = true;
    set.deadLetter = true;
    set.error = JobError{QStringLiteral("timeout"), QStringLiteral("took longer than 300 s")};
    set.startedAtMs = 1'700'000'000'200;
    set.updatedAtMs = 1'700'000'000'300;
    set.finishedAtMs = 1'700'000'000'400;
    set.result = ResultInfo{QStringLiteral("summary.pdf"), QStringLiteral("application/pdf"),
                            5'000'000'000, QString(64, QLatin1Char('a'))};
    set.callbackUrl = QStringLiteral("http://localhost:9000/hook?x=1");
    set.fence = 9'007'199'254'740'993; // beyond a double's exact integers
    set.attemptLimit = 9;
    set.interruptions = 2;
    set.resultFile = QStringLiteral("every-optional-set.17.pdf");
    QTest::newRow("every optional set") << set;

    Job indeterminate = makeJob(QStringLiteral("indeterminate"), 2000, JobStatus::Processing);
    indeterminate.progress.reset();
    indeterminate.etaS = 12.5;
    QTest::newRow("indeterminate progress with eta") << indeterminate;

    Job emptyError = makeJob(QStringLiteral("empty-error"), 3000, JobStatus::Failed);
    emptyError.error = JobError{QString(), QString()};
    emptyError.result = ResultInfo{};
    QTest::newRow("error and result set but empty") << emptyError;
}

void TestSqliteJobStore::roundTrip()
{
    QFETCH(Job, job);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));

    QList<Job> jobs{job};
    QVERIFY2(commitNewJobs(store, &jobs), qPrintable(store.lastError()));
    const std::optional<Job> read = store.job(job.id);
    QVERIFY2(read, qPrintable(store.lastError()));
    QCOMPARE(*read, jobs.first());

    // The list, queue and change-feed reads share the row reader.
    const ListPage page = store.list(ListQuery{});
    QCOMPARE(page.items.size(), 1);
    QCOMPARE(page.items.first(), jobs.first());
    const ChangesPage changes = store.changesSince(0, 10);
    QCOMPARE(changes.items.size(), 1);
    QCOMPARE(changes.items.first().job, jobs.first());
    QVERIFY(!changes.items.first().deleted);
}

void TestSqliteJobStore::updateAndEvents()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));

    QList<Job> jobs{makeJob(QStringLiteral("a"), 1000)};
    QVERIFY(store.begin());
    jobs[0].rev = store.nextRev();
    QVERIFY2(store.insertJob(jobs[0]), qPrintable(store.lastError()));
    const JobEvent submitted{1, 1000, QStringLiteral("state"),
                             QJsonObject{{QStringLiteral("to"), QStringLiteral("PENDING")}}};
    QVERIFY2(store.appendEvent(QStringLiteral("a"), submitted), qPrintable(store.lastError()));
    QVERIFY2(store.commit(), qPrintable(store.lastError()));

    Job running = jobs[0];
    QVERIFY(store.begin());
    running.status = JobStatus::Processing;
    running.attempt = 1;
    running.fence = store.nextFence();
    running.startedAtMs = 1100;
    running.updatedAtMs = 1100;
    running.progress = 12.5;
    running.message = QStringLiteral("step 1");
    running.rev = store.nextRev();
    QVERIFY2(store.updateJob(running), qPrintable(store.lastError()));
    const JobEvent started{
        2, 1100, QStringLiteral("attempt"),
        QJsonObject{{QStringLiteral("attempt"), 1}, {QStringLiteral("fence"), running.fence}}};
    QVERIFY2(store.appendEvent(QStringLiteral("a"), started), qPrintable(store.lastError()));
    // A seq is taken once per job.
    QVERIFY(!store.appendEvent(QStringLiteral("a"), started));
    QVERIFY(!store.lastError().isEmpty());
    QVERIFY2(store.commit(), qPrintable(store.lastError()));

    QCOMPARE(store.job(QStringLiteral("a")), std::optional<Job>(running));
    const QList<JobEvent> events = store.events(QStringLiteral("a"));
    QCOMPARE(events.size(), 2);
    QCOMPARE(events[0].seq, 1);
    QCOMPARE(events[0].atMs, 1000);
    QCOMPARE(events[0].type, QStringLiteral("state"));
    QCOMPARE(events[0].data, submitted.data);
    QCOMPARE(events[1].seq, 2);
    QCOMPARE(events[1].type, QStringLiteral("attempt"));
    QCOMPARE(events[1].data, started.data);
    QVERIFY(store.events(QStringLiteral("unknown")).isEmpty());
    QVERIFY(store.lastError().isEmpty());

    QVERIFY(store.begin());
    Job unknown = makeJob(QStringLiteral("unknown"), 1);
    QVERIFY(!store.updateJob(unknown));
    QVERIFY2(store.lastError().contains(QLatin1String("unknown")), qPrintable(store.lastError()));
    // Events belong to a stored job.
    QVERIFY(!store.appendEvent(QStringLiteral("unknown"), submitted));
    QVERIFY(!store.insertJob(running)); // the id is taken
    store.rollback();
    QCOMPARE(store.job(QStringLiteral("a")), std::optional<Job>(running));
}

void TestSqliteJobStore::mutationsNeedTransaction()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    const Job job = makeJob(QStringLiteral("a"), 1);

    QVERIFY(!store.insertJob(job));
    QVERIFY(store.lastError().contains(QLatin1String("outside a write transaction")));
    QVERIFY(!store.updateJob(job));
    QVERIFY(!store.appendEvent(job.id, JobEvent{1, 1, QStringLiteral("state"), {}}));
    QVERIFY(!store.putResultBlob(job.id, "x"));
    QVERIFY(!store.purgeJob(job.id));
    QVERIFY(!store.commit());
    QVERIFY(!store.job(job.id));

    QVERIFY(store.begin());
    QVERIFY(!store.begin());
    QVERIFY(store.lastError().contains(QLatin1String("already open")));
    store.rollback();
}

void TestSqliteJobStore::readsSeeOnlyCommitted()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));

    QVERIFY(store.begin());
    Job job = makeJob(QStringLiteral("a"), 1);
    job.rev = store.nextRev();
    QVERIFY(store.insertJob(job));
    QVERIFY(!store.job(job.id));
    QVERIFY(store.lastError().isEmpty()); // not found, not failed
    QVERIFY(store.list(ListQuery{}).items.isEmpty());
    QCOMPARE(store.changesSince(0, 10).items.size(), 0);
    QCOMPARE(store.currentRev(), 0);
    QVERIFY2(store.commit(), qPrintable(store.lastError()));

    QCOMPARE(store.job(job.id), std::optional<Job>(job));
    QCOMPARE(store.currentRev(), job.rev);
}

void TestSqliteJobStore::reopenKeepsJobsAndRev()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QList<Job> jobs{makeJob(QStringLiteral("a"), 1), makeJob(QStringLiteral("b"), 2),
                    makeJob(QStringLiteral("c"), 3)};
    qint64 lastRev = 0;
    {
        SqliteJobStore store;
        QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
        QVERIFY2(commitNewJobs(store, &jobs), qPrintable(store.lastError()));
        QVERIFY2(commitUpdate(store, &jobs[0]), qPrintable(store.lastError()));
        lastRev = store.currentRev();
        QCOMPARE(lastRev, jobs[0].rev);
    }

    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    QCOMPARE(store.currentRev(), lastRev);
    for (const Job &job : jobs)
        QCOMPARE(store.job(job.id), std::optional<Job>(job));

    QVERIFY(store.begin());
    const qint64 next = store.nextRev();
    QVERIFY(next > lastRev);
    for (const Job &job : jobs)
        QVERIFY(next > job.rev);
    QVERIFY(store.commit());

    // Reopening the same object works too.
    store.close();
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    QCOMPARE(store.currentRev(), next);
}

void TestSqliteJobStore::rollbackDiscards()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    QList<Job> kept{makeJob(QStringLiteral("kept"), 1)};
    QVERIFY2(commitNewJobs(store, &kept), qPrintable(store.lastError()));
    const qint64 committedRev = store.currentRev();

    QVERIFY(store.begin());
    Job dropped = makeJob(QStringLiteral("dropped"), 2);
    dropped.rev = store.nextRev();
    dropped.fence = store.nextFence();
    QVERIFY(store.insertJob(dropped));
    Job keptChanged = kept[0];
    keptChanged.status = JobStatus::Cancelled;
    keptChanged.rev = store.nextRev();
    QVERIFY(store.updateJob(keptChanged));
    QVERIFY(store.appendEvent(kept[0].id, JobEvent{1, 2, QStringLiteral("state"), {}}));
    store.rollback();

    QVERIFY(!store.job(dropped.id));
    QCOMPARE(store.job(kept[0].id), std::optional<Job>(kept[0]));
    QVERIFY(store.events(kept[0].id).isEmpty());
    QCOMPARE(store.currentRev(), committedRev);

    // Revs of a rolled-back transaction may be reused; fences never are (a
    // dispatch may have been sent before its commit failed).
    QVERIFY(store.begin());
    QCOMPARE(store.nextRev(), committedRev + 1);
    QCOMPARE(store.nextFence(), dropped.fence + 1);
    store.rollback();

    store.close();
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    QCOMPARE(store.currentRev(), committedRev);
    QVERIFY(!store.job(dropped.id));
}

void TestSqliteJobStore::fenceSurvivesReopen()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    qint64 lastFence = 0;
    {
        SqliteJobStore store;
        QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
        // Fences taken without any job row holding them still count.
        QVERIFY(store.begin());
        const qint64 first = store.nextFence();
        lastFence = store.nextFence();
        QVERIFY(lastFence > first);
        QVERIFY2(store.commit(), qPrintable(store.lastError()));
    }
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    QVERIFY(store.begin());
    QVERIFY(store.nextFence() > lastFence);
    QVERIFY(store.commit());
}

void TestSqliteJobStore::list_data()
{
    QTest::addColumn<QList<JobStatus>>("statuses");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("deadLetter"); // -1 = any
    QTest::addColumn<int>("limit");

    const QList<JobStatus> any;
    QTest::newRow("everything, pages of 50 (an exact multiple)") << any << QString() << -1 << 50;
    QTest::newRow("everything, pages of 7") << any << QString() << -1 << 7;
    QTest::newRow("everything, one page") << any << QString() << -1 << 1000;
    QTest::newRow("everything, pages of 1") << any << QString() << -1 << 1;
    QTest::newRow("one status") << QList<JobStatus>{JobStatus::Pending} << QString() << -1 << 10;
    QTest::newRow("two statuses, repeated")
        << QList<JobStatus>{JobStatus::Failed, JobStatus::Completed, JobStatus::Failed} << QString()
        << -1 << 13;
    QTest::newRow("kind") << any << QStringLiteral("report.sql") << -1 << 20;
    QTest::newRow("unknown kind") << any << QStringLiteral("nope") << -1 << 20;
    QTest::newRow("dead letters") << any << QString() << 1 << 4;
    QTest::newRow("not dead letters") << any << QString() << 0 << 30;
    QTest::newRow("three statuses and a kind, pages of 1")
        << QList<JobStatus>{JobStatus::Cancelled, JobStatus::Pending, JobStatus::Completed}
        << QStringLiteral("demo.sleep") << -1 << 1;
    QTest::newRow("two statuses and dead letters, pages of 2")
        << QList<JobStatus>{JobStatus::Failed, JobStatus::Completed} << QString() << 1 << 2;
    QTest::newRow("status, kind and dead letter")
        << QList<JobStatus>{JobStatus::Failed} << QStringLiteral("demo.sleep") << 1 << 3;
}

void TestSqliteJobStore::list()
{
    QFETCH(QList<JobStatus>, statuses);
    QFETCH(QString, kind);
    QFETCH(int, deadLetter);
    QFETCH(int, limit);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));

    // Three jobs share each millisecond, so the id breaks ties. Inserted in
    // shuffled order: the order must come from the query, not the insertion.
    QList<Job> jobs;
    for (int i = 0; i < 250; ++i) {
        const int n = (i * 97) % 250;
        Job job = makeJob(QStringLiteral("job-%1").arg(n, 3, 10, QLatin1Char('0')), 5000 + n / 3,
                          kAllStatuses[n % 6]);
        job.kind = n % 4 == 0 ? QStringLiteral("report.sql") : QStringLiteral("demo.sleep");
        job.deadLetter = job.status == JobStatus::Failed && n % 5 < 3;
        jobs << job;
    }
    QVERIFY2(commitNewJobs(store, &jobs), qPrintable(store.lastError()));

    QList<Job> expected;
    for (const Job &job : jobs) {
        if (!statuses.isEmpty() && !statuses.contains(job.status))
            continue;
        if (!kind.isEmpty() && job.kind != kind)
            continue;
        if (deadLetter != -1 && job.deadLetter != (deadLetter == 1))
            continue;
        expected << job;
    }
    std::sort(expected.begin(), expected.end(), [](const Job &a, const Job &b) {
        return a.createdAtMs != b.createdAtMs ? a.createdAtMs > b.createdAtMs : a.id > b.id;
    });

    ListQuery query;
    query.statuses = statuses;
    query.kind = kind;
    if (deadLetter != -1)
        query.deadLetter = deadLetter == 1;
    query.limit = limit;

    QList<Job> seen;
    for (int pages = 0;; ++pages) {
        QVERIFY2(pages <= 250, "the cursor does not advance");
        const ListPage page = store.list(query);
        QVERIFY2(store.lastError().isEmpty(), qPrintable(store.lastError()));
        QVERIFY(page.items.size() <= limit);
        seen += page.items;
        if (page.nextCursor.isEmpty())
            break;
        QCOMPARE(page.items.size(), limit); // only the last page may be short
        query.cursor = page.nextCursor;
    }
    QCOMPARE(ids(seen), ids(expected));
    QCOMPARE(seen, expected);
}

void TestSqliteJobStore::listClampsLimit()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    QList<Job> jobs;
    for (int i = 0; i < 1002; ++i)
        jobs << makeJob(QStringLiteral("job-%1").arg(i, 4, 10, QLatin1Char('0')), i);
    QVERIFY2(commitNewJobs(store, &jobs), qPrintable(store.lastError()));

    ListQuery query;
    query.limit = 0;
    ListPage page = store.list(query);
    QCOMPARE(ids(page.items), QStringList{QStringLiteral("job-1001")});
    QVERIFY(!page.nextCursor.isEmpty());

    query.limit = 5000;
    page = store.list(query);
    QCOMPARE(page.items.size(), 1000);
    QVERIFY(!page.nextCursor.isEmpty());
    query.cursor = page.nextCursor;
    page = store.list(query);
    QCOMPARE(ids(page.items),
             (QStringList{QStringLiteral("job-0001"), QStringLiteral("job-0000")}));
    QVERIFY(page.nextCursor.isEmpty());
}

void TestSqliteJobStore::listInvalidCursor_data()
{
    QTest::addColumn<QString>("cursor");
    QTest::newRow("not base64") << QStringLiteral("!!not*base64!!");
    QTest::newRow("standard base64 alphabet") << QStringLiteral("MTI+Mz9h");
    QTest::newRow("no colon") << base64Url("12345");
    QTest::newRow("time not a number") << base64Url("soon:job-1");
    QTest::newRow("empty id") << base64Url("12345:");
    QTest::newRow("empty time") << base64Url(":job-1");
    QTest::newRow("not ascii") << QStringLiteral("MTIzNDU6am9iLTE\u00e9");
}

void TestSqliteJobStore::listInvalidCursor()
{
    QFETCH(QString, cursor);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    QList<Job> jobs{makeJob(QStringLiteral("a"), 1), makeJob(QStringLiteral("b"), 2)};
    QVERIFY2(commitNewJobs(store, &jobs), qPrintable(store.lastError()));

    ListQuery query;
    query.cursor = cursor;
    const ListPage page = store.list(query);
    QVERIFY(page.items.isEmpty());
    QVERIFY(page.nextCursor.isEmpty());
    QVERIFY2(store.lastError().contains(QLatin1String("cursor")), qPrintable(store.lastError()));

    // A well-formed cursor is fine (and clears the error).
    query.cursor = base64Url("2:b");
    QCOMPARE(ids(store.list(query).items), QStringList{QStringLiteral("a")});
    QVERIFY(store.lastError().isEmpty());
}

void TestSqliteJobStore::changesSince()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString dbPath = dir.filePath(kDbFile);
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));

    QList<Job> jobs{makeJob(QStringLiteral("a"), 1), makeJob(QStringLiteral("b"), 2),
                    makeJob(QStringLiteral("c"), 3)};
    QVERIFY2(commitNewJobs(store, &jobs), qPrintable(store.lastError()));
    const qint64 afterInsert = store.currentRev();
    Job &a = jobs[0];
    a.status = JobStatus::Cancelled;
    QVERIFY2(commitUpdate(store, &a), qPrintable(store.lastError()));

    // Purge b with an event and a result, which go with it.
    QVERIFY(store.begin());
    QVERIFY(store.appendEvent(QStringLiteral("b"), JobEvent{1, 2, QStringLiteral("state"), {}}));
    QVERIFY(store.putResultBlob(QStringLiteral("b"), "bytes"));
    QVERIFY(store.commit());
    QVERIFY(store.begin());
    QVERIFY2(store.purgeJob(QStringLiteral("b")), qPrintable(store.lastError()));
    QVERIFY(!store.purgeJob(QStringLiteral("never-existed")));
    QVERIFY(store.lastError().contains(QLatin1String("never-existed")));
    QVERIFY2(store.commit(), qPrintable(store.lastError()));
    const qint64 tombstoneRev = store.currentRev();
    QVERIFY(tombstoneRev > a.rev);
    QVERIFY(!store.job(QStringLiteral("b")));
    QVERIFY(store.events(QStringLiteral("b")).isEmpty());
    QVERIFY(!store.resultBlob(QStringLiteral("b")));
    QVERIFY(inspect(dbPath, QStringLiteral("SELECT * FROM job_events")).isEmpty());
    QVERIFY(inspect(dbPath, QStringLiteral("SELECT * FROM results")).isEmpty());

    // Everything, oldest first: c (insert), a (update), b (tombstone).
    ChangesPage page = store.changesSince(0, 100);
    QCOMPARE(page.items.size(), 3);
    QCOMPARE(page.items[0].job, jobs[2]);
    QCOMPARE(page.items[1].job, a);
    QCOMPARE(page.items[2].job.id, QStringLiteral("b"));
    QCOMPARE(page.items[2].job.rev, tombstoneRev);
    QVERIFY(!page.items[0].deleted);
    QVERIFY(!page.items[1].deleted);
    QVERIFY(page.items[2].deleted);
    QCOMPARE(page.rev, tombstoneRev);

    // Paging: the page's rev is the last item's, and the next page follows it.
    page = store.changesSince(0, 2);
    QCOMPARE(page.items.size(), 2);
    QCOMPARE(page.rev, a.rev);
    QVERIFY(page.more);
    page = store.changesSince(page.rev, 2);
    QCOMPARE(page.items.size(), 1);
    QVERIFY(page.items[0].deleted);
    QCOMPARE(page.rev, tombstoneRev);
    QVERIFY(!page.more);
    // A page that holds exactly what is left has no more.
    QVERIFY(!store.changesSince(0, 3).more);
    QVERIFY(store.changesSince(0, 1).more);

    page = store.changesSince(afterInsert, 100);
    QCOMPARE(page.items.size(), 2);
    QCOMPARE(page.items[0].job.id, QStringLiteral("a"));
    QCOMPARE(page.items[1].job.id, QStringLiteral("b"));

    // The tombstone and its rev survive a restart.
    store.close();
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    QCOMPARE(store.currentRev(), tombstoneRev);
    page = store.changesSince(a.rev, 100);
    QCOMPARE(page.items.size(), 1);
    QVERIFY(page.items[0].deleted);
    QCOMPARE(page.items[0].job.id, QStringLiteral("b"));
}

void TestSqliteJobStore::pagesStopAtTheByteBudget()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    const auto purge = [&store](const QString &id) {
        return store.begin() && store.purgeJob(id) && store.commit();
    };

    // A tombstone before the big jobs, five jobs whose params are 3 MiB
    // each (three of them pass the page budget), and a tombstone after them.
    constexpr qsizetype kBlobBytes = 3 * 1024 * 1024;
    static_assert(2 * kBlobBytes < reliability::kMaxListPageBytes &&
                  3 * kBlobBytes >= reliability::kMaxListPageBytes);
    QList<Job> early{makeJob(QStringLiteral("early"), 999)};
    QVERIFY2(commitNewJobs(store, &early), qPrintable(store.lastError()));
    QVERIFY2(purge(QStringLiteral("early")), qPrintable(store.lastError()));
    QList<Job> jobs{makeJob(QStringLiteral("small"), 1000)};
    for (int i = 1; i <= 5; ++i) {
        Job big = makeJob(QStringLiteral("big%1").arg(i), 1000 + i);
        big.params = QJsonObject{{QStringLiteral("blob"), QString(kBlobBytes, QLatin1Char('x'))}};
        jobs.append(big);
    }
    QVERIFY2(commitNewJobs(store, &jobs), qPrintable(store.lastError()));
    QVERIFY2(purge(QStringLiteral("small")), qPrintable(store.lastError()));
    const qint64 tombstoneRev = store.currentRev();

    // Newest first; the cursor goes on where the budget stopped the page.
    ListQuery query;
    query.limit = reliability::kMaxListLimit;
    ListPage list = store.list(query);
    QCOMPARE(list.items.size(), 3);
    QCOMPARE(list.items.constLast().id, QStringLiteral("big3"));
    QVERIFY(!list.nextCursor.isEmpty());
    query.cursor = list.nextCursor;
    list = store.list(query);
    QCOMPARE(list.items.size(), 2);
    QCOMPARE(list.items.constLast().id, QStringLiteral("big1"));
    QVERIFY(list.nextCursor.isEmpty());
    // The same through the merge of several statuses.
    query.statuses = {JobStatus::Failed, JobStatus::Pending};
    query.cursor.clear();
    list = store.list(query);
    QCOMPARE(list.items.size(), 3);
    QCOMPARE(list.items.constLast().id, QStringLiteral("big3"));
    query.cursor = list.nextCursor;
    list = store.list(query);
    QCOMPARE(list.items.size(), 2);
    QVERIFY(list.nextCursor.isEmpty());
    query.statuses.clear();

    // The feed keeps the older tombstone, stops at big3 and says so; the
    // newer tombstone waits for the next page: a reader going on from the
    // page's rev misses nothing.
    ChangesPage page = store.changesSince(0, reliability::kMaxListLimit);
    QCOMPARE(page.items.size(), 4);
    QVERIFY(page.items[0].deleted);
    QCOMPARE(page.items[0].job.id, QStringLiteral("early"));
    QCOMPARE(page.items.constLast().job.id, QStringLiteral("big3"));
    QCOMPARE(page.rev, jobs[3].rev);
    QVERIFY(page.more);
    page = store.changesSince(page.rev, reliability::kMaxListLimit);
    QCOMPARE(page.items.size(), 3);
    QCOMPARE(page.items[0].job.id, QStringLiteral("big4"));
    QCOMPARE(page.items[1].job.id, QStringLiteral("big5"));
    QVERIFY(page.items[2].deleted);
    QCOMPARE(page.rev, tombstoneRev);
    QVERIFY(!page.more);

    // A job larger than the whole budget still comes, alone.
    QList<Job> huge{makeJob(QStringLiteral("huge"), 2000), makeJob(QStringLiteral("after"), 2001)};
    huge[0].params = QJsonObject{
        {QStringLiteral("blob"), QString(reliability::kMaxListPageBytes, QLatin1Char('x'))}};
    QVERIFY2(commitNewJobs(store, &huge), qPrintable(store.lastError()));
    page = store.changesSince(tombstoneRev, reliability::kMaxListLimit);
    QCOMPARE(page.items.size(), 1);
    QCOMPARE(page.items[0].job.id, QStringLiteral("huge"));
    QVERIFY(page.more);
    query.cursor.clear();
    list = store.list(query);
    QCOMPARE(list.items.size(), 2); // "after", then "huge", which fills the page
    QCOMPARE(list.items.constLast().id, QStringLiteral("huge"));
    QVERIFY(!list.nextCursor.isEmpty());
}

void TestSqliteJobStore::changesSinceNothingChanged()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));

    ChangesPage page = store.changesSince(0, 10);
    QVERIFY(page.items.isEmpty());
    QCOMPARE(page.rev, 0);

    QList<Job> jobs{makeJob(QStringLiteral("a"), 1), makeJob(QStringLiteral("b"), 2)};
    QVERIFY2(commitNewJobs(store, &jobs), qPrintable(store.lastError()));
    const qint64 current = store.currentRev();

    page = store.changesSince(current, 10);
    QVERIFY(page.items.isEmpty());
    QCOMPARE(page.rev, current);
    // A client ahead of the store (say, of an earlier data dir) keeps its rev.
    page = store.changesSince(current + 100, 10);
    QVERIFY(page.items.isEmpty());
    QCOMPARE(page.rev, current + 100);
}

void TestSqliteJobStore::unfinishedJobs()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));

    QList<Job> jobs;
    int n = 0;
    for (JobStatus status : kAllStatuses) {
        for (int priority : {0, 5}) {
            Job job = makeJob(QStringLiteral("%1-%2").arg(statusName(status)).arg(priority),
                              1000 - n++, status);
            job.priority = priority;
            jobs << job;
        }
    }
    QVERIFY2(commitNewJobs(store, &jobs), qPrintable(store.lastError()));

    const QList<Job> unfinished = store.unfinishedJobs();
    QVERIFY2(store.lastError().isEmpty(), qPrintable(store.lastError()));
    // Queue order: higher priority first, then oldest.
    QCOMPARE(ids(unfinished),
             (QStringList{QStringLiteral("RETRYING-5"), QStringLiteral("PROCESSING-5"),
                          QStringLiteral("PENDING-5"), QStringLiteral("RETRYING-0"),
                          QStringLiteral("PROCESSING-0"), QStringLiteral("PENDING-0")}));
    for (const Job &job : unfinished)
        QVERIFY(!isTerminal(job.status));
    QCOMPARE(unfinished.first(), jobs[5]);
}

void TestSqliteJobStore::countsByStatus()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));

    QHash<JobStatus, qint64> expected;
    for (JobStatus status : kAllStatuses)
        expected.insert(status, 0);
    QCOMPARE(store.countsByStatus(), expected);
    QCOMPARE(store.deadLetterCount(), 0);

    QList<Job> jobs;
    const QList<QPair<JobStatus, int>> wanted{
        {JobStatus::Pending, 7}, {JobStatus::Processing, 2}, {JobStatus::Failed, 5}};
    for (const auto &[status, count] : wanted) {
        for (int i = 0; i < count; ++i) {
            Job job = makeJob(QStringLiteral("%1-%2").arg(statusName(status)).arg(i), i, status);
            job.deadLetter = status == JobStatus::Failed && i < 3;
            jobs << job;
        }
        expected.insert(status, count);
    }
    QVERIFY2(commitNewJobs(store, &jobs), qPrintable(store.lastError()));

    QCOMPARE(store.countsByStatus(), expected);
    QCOMPARE(store.deadLetterCount(), 3);
    QVERIFY(store.lastError().isEmpty());
}

void TestSqliteJobStore::resultBlob_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::newRow("text") << QByteArray("rows,mean\n10,2.5\n");
    QTest::newRow("binary with zero bytes") << QByteArray("\x00\x01\xff\x00\x7f", 5);
    QTest::newRow("empty") << QByteArray();
    QByteArray large(64 * 1024, '\0');
    for (int i = 0; i < large.size(); ++i)
        large[i] = char(i * 31 % 251);
    QTest::newRow("64 KiB") << large;
}

void TestSqliteJobStore::resultBlob()
{
    QFETCH(QByteArray, data);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SqliteJobStore store;
    QVERIFY2(store.open(dir.path()), qPrintable(store.lastError()));
    QList<Job> jobs{makeJob(QStringLiteral("a"), 1, JobStatus::Completed)};
    QVERIFY2(commitNewJobs(store, &jobs), qPrintable(store.lastError()));

    QVERIFY(!store.resultBlob(QStringLiteral("a")));
    QVERIFY(store.lastError().isEmpty());

    QVERIFY(store.begin());
    QVERIFY2(store.putResultBlob(QStringLiteral("a"), "an earlier result"),
             qPrintable(store.lastError()));
    QVERIFY2(store.putResultBlob(QStringLiteral("a"), data), qPrintable(store.lastError()));
    QVERIFY(!store.putResultBlob(QStringLiteral("no-such-job"), data));
    QVERIFY2(store.commit(), qPrintable(store.lastError()));

    const std::optional<QByteArray> read = store.resultBlob(QStringLiteral("a"));
    QVERIFY2(read, qPrintable(store.lastError()));
    QCOMPARE(read->size(), data.size());
    QCOMPARE(*read, data);
}

void TestSqliteJobStore::twoStoresAtOnce()
{
    QTemporaryDir dirA;
    QTemporaryDir dirB;
    QVERIFY(dirA.isValid() && dirB.isValid());
    SqliteJobStore storeA;
    SqliteJobStore storeB;
    QVERIFY2(storeA.open(dirA.path()), qPrintable(storeA.lastError()));
    QVERIFY2(storeB.open(dirB.path()), qPrintable(storeB.lastError()));

    QList<Job> jobsA{makeJob(QStringLiteral("only-in-a"), 1)};
    QList<Job> jobsB{makeJob(QStringLiteral("only-in-b"), 1), makeJob(QStringLiteral("b2"), 2)};
    // Interleaved transactions on the two stores.
    QVERIFY(storeA.begin());
    QVERIFY(storeB.begin());
    jobsA[0].rev = storeA.nextRev();
    QVERIFY(storeA.insertJob(jobsA[0]));
    for (Job &job : jobsB) {
        job.rev = storeB.nextRev();
        QVERIFY(storeB.insertJob(job));
    }
    QVERIFY(storeB.commit());
    QVERIFY(storeA.commit());

    QCOMPARE(ids(storeA.list(ListQuery{}).items), QStringList{QStringLiteral("only-in-a")});
    QCOMPARE(ids(storeB.list(ListQuery{}).items),
             (QStringList{QStringLiteral("b2"), QStringLiteral("only-in-b")}));
    QCOMPARE(storeA.currentRev(), 1);
    QCOMPARE(storeB.currentRev(), 2);

    storeA.close();
    QVERIFY(storeB.job(QStringLiteral("b2")));
    QVERIFY(!storeB.job(QStringLiteral("only-in-a")));
    storeB.close();
}

QTEST_GUILESS_MAIN(TestSqliteJobStore)
#include "tst_sqlitejobstore.moc"
