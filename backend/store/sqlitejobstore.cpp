#include "sqlitejobstore.h"

#include "jsonwriter.h"
#include "reliability.h"
#include "sqlitestatement.h"
#include "stats/minuteaggregates.h"

#include <QDir>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QVariant>
#include <algorithm>
#include <array>
#include <atomic>
#include <iterator>
#include <map>
#include <optional>
#include <vector>

namespace jobdesk {

namespace {

Q_LOGGING_CATEGORY(lcStore, "jobdesk.store")

const QString kDriver = QStringLiteral("QSQLITE");
const QString kFileName = QStringLiteral("jobdesk.db");
// Only the reader and a checkpoint can contend for the file (the data dir is
// locked to one daemon), so a wait this long means something is wrong.
constexpr int kBusyTimeoutMs = 5000;

// ===========================================================================
// Schema migrations
// ===========================================================================

/// Step N takes a database from user_version N-1 to N, in one transaction.
/// Append steps; never edit one that has shipped.
struct MigrationStep
{
    const char *purpose;
    std::vector<const char *> statements;
};

const std::vector<MigrationStep> &migrationSteps()
{
    static const std::vector<MigrationStep> steps = {
        {"jobs, events, results, tombstones, counters, idempotency keys",
         {
             R"(CREATE TABLE jobs (
                    id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    params TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('PENDING', 'PROCESSING',
                        'RETRYING', 'COMPLETED', 'FAILED', 'CANCELLED')),
                    progress REAL,
                    message TEXT NOT NULL,
                    eta_s REAL,
                    priority INTEGER NOT NULL,
                    attempt INTEGER NOT NULL,
                    max_attempts INTEGER NOT NULL,
                    timeout_s INTEGER NOT NULL,
                    next_attempt_at_ms INTEGER NOT NULL,
                    cancel_requested INTEGER NOT NULL,
                    dead_letter INTEGER NOT NULL,
                    error_code TEXT,
                    error_message TEXT,
                    created_at_ms INTEGER NOT NULL,
                    started_at_ms INTEGER NOT NULL,
                    updated_at_ms INTEGER NOT NULL,
                    finished_at_ms INTEGER NOT NULL,
                    result_filename TEXT,
                    result_content_type TEXT,
                    result_size INTEGER,
                    result_sha256 TEXT,
                    rev INTEGER NOT NULL,
                    callback_url TEXT NOT NULL,
                    fence INTEGER NOT NULL,
                    attempt_limit INTEGER NOT NULL,
                    interruptions INTEGER NOT NULL,
                    result_file TEXT NOT NULL))",
             "CREATE INDEX jobs_queue ON jobs (status, priority DESC, created_at_ms)",
             "CREATE INDEX jobs_rev ON jobs (rev)",
             "CREATE INDEX jobs_newest ON jobs (created_at_ms, id)",
             // Dead letters are few: a partial index keeps their count and
             // listing cheap without a cost for every other row.
             "CREATE INDEX jobs_dead_letter ON jobs (created_at_ms, id) WHERE dead_letter = 1",
             R"(CREATE TABLE job_events (
                    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                    seq INTEGER NOT NULL,
                    at_ms INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    data TEXT NOT NULL,
                    PRIMARY KEY (job_id, seq)) WITHOUT ROWID)",
             R"(CREATE TABLE results (
                    job_id TEXT PRIMARY KEY NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                    data BLOB NOT NULL))",
             R"(CREATE TABLE tombstones (
                    id TEXT PRIMARY KEY NOT NULL,
                    rev INTEGER NOT NULL) WITHOUT ROWID)",
             "CREATE INDEX tombstones_rev ON tombstones (rev)",
             R"(CREATE TABLE meta (
                    key TEXT PRIMARY KEY NOT NULL,
                    value INTEGER NOT NULL) WITHOUT ROWID)",
             "INSERT INTO meta (key, value) VALUES ('rev', 0), ('fence', 0)",
             // Kept after their job is purged, so no foreign key.
             R"(CREATE TABLE idempotency_keys (
                    key TEXT PRIMARY KEY NOT NULL,
                    fingerprint TEXT NOT NULL,
                    job_id TEXT,
                    status_code INTEGER,
                    response BLOB,
                    created_at_ms INTEGER NOT NULL))",
             "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at_ms)",
         }},
        {"retention: find finished jobs by age",
         {
             "CREATE INDEX jobs_finished ON jobs (finished_at_ms) WHERE finished_at_ms > 0",
         }},
        {"webhook outbox",
         {
             // Rows go with their job (a job is not purged while one is pending).
             R"(CREATE TABLE webhook_outbox (
                    id TEXT PRIMARY KEY NOT NULL,
                    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                    url TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    body BLOB NOT NULL,
                    created_at_ms INTEGER NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at_ms INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'gone',
                        'failed', 'refused')),
                    last_status INTEGER NOT NULL,
                    last_error TEXT NOT NULL))",
             // The cascade and the purge check look rows up by job.
             "CREATE INDEX webhook_outbox_job ON webhook_outbox (job_id, state)",
             "CREATE INDEX webhook_outbox_pending ON webhook_outbox (next_attempt_at_ms) "
             "WHERE state = 'pending'",
         }},
        {"per-minute aggregates of the stats series",
         {
             // Per minute and kind: what commits counted, and the run times
             // of the jobs that ended, in the job duration buckets
             // (stats/durationbuckets.h: d0..d14 up to each bound, d15 longer).
             R"(CREATE TABLE stats_minute_kinds (
                    minute_ms INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    submitted INTEGER NOT NULL,
                    completed INTEGER NOT NULL,
                    failed INTEGER NOT NULL,
                    cancelled INTEGER NOT NULL,
                    duration_sum_ms INTEGER NOT NULL,
                    d0 INTEGER NOT NULL, d1 INTEGER NOT NULL, d2 INTEGER NOT NULL,
                    d3 INTEGER NOT NULL, d4 INTEGER NOT NULL, d5 INTEGER NOT NULL,
                    d6 INTEGER NOT NULL, d7 INTEGER NOT NULL, d8 INTEGER NOT NULL,
                    d9 INTEGER NOT NULL, d10 INTEGER NOT NULL, d11 INTEGER NOT NULL,
                    d12 INTEGER NOT NULL, d13 INTEGER NOT NULL, d14 INTEGER NOT NULL,
                    d15 INTEGER NOT NULL,
                    PRIMARY KEY (minute_ms, kind)) WITHOUT ROWID)",
             // Per minute with a commit: the queue depth and busy workers,
             // highest and as the minute's last commit left them.
             R"(CREATE TABLE stats_minute_gauges (
                    minute_ms INTEGER PRIMARY KEY NOT NULL,
                    queue_depth_peak INTEGER NOT NULL,
                    queue_depth_last INTEGER NOT NULL,
                    busy_peak INTEGER NOT NULL,
                    busy_last INTEGER NOT NULL))",
         }},
        {"lists by status, newest first",
         {
             // IF NOT EXISTS: a store taken back to an older version by hand
             // may keep it.
             "CREATE INDEX IF NOT EXISTS jobs_status_newest ON jobs (status, created_at_ms, id)",
         }},
        {"status checks without a temporary table per write",
         {
             // SQLite builds a temporary index of a CHECK's IN list each
             // time a statement evaluates it: each jobs INSERT and UPDATE
             // paid for one (a sixth of the write path's CPU). The same
             // checks as comparisons cost nothing. SQLite cannot change a
             // CHECK in place: the tables are rebuilt the way its manual
             // says (new table, copy, drop, rename, indexes again), with
             // foreign keys off (see migrate()).
             R"(CREATE TABLE jobs_rebuilt (
                    id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    params TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status = 'PENDING' OR status = 'PROCESSING'
                        OR status = 'RETRYING' OR status = 'COMPLETED' OR status = 'FAILED'
                        OR status = 'CANCELLED'),
                    progress REAL,
                    message TEXT NOT NULL,
                    eta_s REAL,
                    priority INTEGER NOT NULL,
                    attempt INTEGER NOT NULL,
                    max_attempts INTEGER NOT NULL,
                    timeout_s INTEGER NOT NULL,
                    next_attempt_at_ms INTEGER NOT NULL,
                    cancel_requested INTEGER NOT NULL,
                    dead_letter INTEGER NOT NULL,
                    error_code TEXT,
                    error_message TEXT,
                    created_at_ms INTEGER NOT NULL,
                    started_at_ms INTEGER NOT NULL,
                    updated_at_ms INTEGER NOT NULL,
                    finished_at_ms INTEGER NOT NULL,
                    result_filename TEXT,
                    result_content_type TEXT,
                    result_size INTEGER,
                    result_sha256 TEXT,
                    rev INTEGER NOT NULL,
                    callback_url TEXT NOT NULL,
                    fence INTEGER NOT NULL,
                    attempt_limit INTEGER NOT NULL,
                    interruptions INTEGER NOT NULL,
                    result_file TEXT NOT NULL))",
             "INSERT INTO jobs_rebuilt SELECT * FROM jobs",
             "DROP TABLE jobs",
             "ALTER TABLE jobs_rebuilt RENAME TO jobs",
             "CREATE INDEX jobs_queue ON jobs (status, priority DESC, created_at_ms)",
             "CREATE INDEX jobs_rev ON jobs (rev)",
             "CREATE INDEX jobs_newest ON jobs (created_at_ms, id)",
             "CREATE INDEX jobs_dead_letter ON jobs (created_at_ms, id) WHERE dead_letter = 1",
             "CREATE INDEX jobs_finished ON jobs (finished_at_ms) WHERE finished_at_ms > 0",
             "CREATE INDEX jobs_status_newest ON jobs (status, created_at_ms, id)",
             R"(CREATE TABLE webhook_outbox_rebuilt (
                    id TEXT PRIMARY KEY NOT NULL,
                    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                    url TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    body BLOB NOT NULL,
                    created_at_ms INTEGER NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at_ms INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state = 'pending' OR state = 'delivered'
                        OR state = 'gone' OR state = 'failed' OR state = 'refused'),
                    last_status INTEGER NOT NULL,
                    last_error TEXT NOT NULL))",
             "INSERT INTO webhook_outbox_rebuilt SELECT * FROM webhook_outbox",
             "DROP TABLE webhook_outbox",
             "ALTER TABLE webhook_outbox_rebuilt RENAME TO webhook_outbox",
             "CREATE INDEX webhook_outbox_job ON webhook_outbox (job_id, state)",
             "CREATE INDEX webhook_outbox_pending ON webhook_outbox (next_attempt_at_ms) "
             "WHERE state = 'pending'",
         }},
    };
    return steps;
}

// ===========================================================================
// One-off statements (setup only; the hot paths use prepared statements)
// ===========================================================================

QString sqlErrorText(const QSqlQuery &query)
{
    return query.lastError().text().trimmed();
}

/// Runs `sql` once; `firstValue` receives column 0 of the first row, if any.
bool execOnce(const QSqlDatabase &db, const QString &sql, QString *error,
              QVariant *firstValue = nullptr)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.exec(sql)) {
        *error = sqlErrorText(query);
        return false;
    }
    if (firstValue)
        *firstValue = query.next() ? query.value(0) : QVariant();
    return true;
}

bool migrate(const QSqlDatabase &db, QString *error)
{
    QVariant value;
    if (!execOnce(db, QStringLiteral("PRAGMA user_version"), error, &value))
        return false;
    const int current = value.toInt();
    const auto &steps = migrationSteps();
    const int latest = int(steps.size());
    if (current > latest) {
        *error = QStringLiteral("its schema version %1 is newer than this build knows (%2)")
                     .arg(current)
                     .arg(latest);
        return false;
    }
    // Foreign keys are off while migrating (see open()): a table rebuilt
    // must not cascade its drop into its children. A step must leave every
    // row with its parent; rows that had none before (a hand edit with the
    // sqlite3 shell, whose foreign keys are off) are left as they were and
    // do not stop the upgrade.
    const auto orphans = [&db](QString *table, QString *checkError) {
        QVariant first;
        if (!execOnce(db, QStringLiteral("PRAGMA foreign_key_check"), checkError, &first))
            return false;
        *table = first.toString();
        return true;
    };
    QString orphanedBefore;
    if (current < latest && !orphans(&orphanedBefore, error))
        return false;
    if (!orphanedBefore.isEmpty())
        qCWarning(lcStore) << "the store has rows of" << orphanedBefore
                           << "without their parent; they are left as they are";
    for (int version = current + 1; version <= latest; ++version) {
        const MigrationStep &step = steps[std::size_t(version - 1)];
        QString stepError;
        bool ok = execOnce(db, QStringLiteral("BEGIN IMMEDIATE"), &stepError);
        for (const char *statement : step.statements) {
            if (!ok)
                break;
            ok = execOnce(db, QString::fromUtf8(statement), &stepError);
        }
        QString orphaned;
        if (ok && orphanedBefore.isEmpty())
            ok = orphans(&orphaned, &stepError);
        if (ok && !orphaned.isEmpty()) {
            stepError = QStringLiteral("rows of %1 lost their parent").arg(orphaned);
            ok = false;
        }
        if (ok)
            ok = execOnce(db, QStringLiteral("PRAGMA user_version = %1").arg(version), &stepError);
        if (ok)
            ok = execOnce(db, QStringLiteral("COMMIT"), &stepError);
        if (!ok) {
            QString ignored;
            execOnce(db, QStringLiteral("ROLLBACK"), &ignored);
            *error = QStringLiteral("migration to schema version %1 (%2) failed: %3")
                         .arg(version)
                         .arg(QLatin1String(step.purpose), stepError);
            return false;
        }
        qCInfo(lcStore) << "migrated the store to schema version" << version << "-" << step.purpose;
    }
    return true;
}

// ===========================================================================
// Job rows
// ===========================================================================

// The one column order for reading and writing jobs.
enum JobColumn
{
    ColId,
    ColKind,
    ColParams,
    ColStatus,
    ColProgress,
    ColMessage,
    ColEtaS,
    ColPriority,
    ColAttempt,
    ColMaxAttempts,
    ColTimeoutS,
    ColNextAttemptAtMs,
    ColCancelRequested,
    ColDeadLetter,
    ColErrorCode,
    ColErrorMessage,
    ColCreatedAtMs,
    ColStartedAtMs,
    ColUpdatedAtMs,
    ColFinishedAtMs,
    ColResultFilename,
    ColResultContentType,
    ColResultSize,
    ColResultSha256,
    ColRev,
    ColCallbackUrl,
    ColFence,
    ColAttemptLimit,
    ColInterruptions,
    ColResultFile,
    JobColumnCount
};

constexpr const char *kJobColumnNames[] = {
    "id",
    "kind",
    "params",
    "status",
    "progress",
    "message",
    "eta_s",
    "priority",
    "attempt",
    "max_attempts",
    "timeout_s",
    "next_attempt_at_ms",
    "cancel_requested",
    "dead_letter",
    "error_code",
    "error_message",
    "created_at_ms",
    "started_at_ms",
    "updated_at_ms",
    "finished_at_ms",
    "result_filename",
    "result_content_type",
    "result_size",
    "result_sha256",
    "rev",
    "callback_url",
    "fence",
    "attempt_limit",
    "interruptions",
    "result_file",
};
static_assert(std::size(kJobColumnNames) == JobColumnCount);

QString jobColumnList()
{
    QStringList names;
    for (const char *name : kJobColumnNames)
        names << QLatin1String(name);
    return names.join(QStringLiteral(", "));
}

QString selectJobsSql(const QString &rest)
{
    return QStringLiteral("SELECT %1 FROM jobs %2").arg(jobColumnList(), rest);
}

QString insertJobSql()
{
    QStringList marks;
    for (int i = 0; i < JobColumnCount; ++i)
        marks << QStringLiteral("?");
    return QStringLiteral("INSERT INTO jobs (%1) VALUES (%2)")
        .arg(jobColumnList(), marks.join(QStringLiteral(", ")));
}

/// Columns a row keeps from its submit on. The update leaves them out:
/// SQLite rewrites the entries of every index over a column an UPDATE
/// names, changed or not (jobs_newest would be rewritten twice per job).
constexpr bool fixedAtSubmit(int column)
{
    return column == ColId || column == ColKind || column == ColParams || column == ColPriority ||
           column == ColMaxAttempts || column == ColTimeoutS || column == ColCreatedAtMs ||
           column == ColCallbackUrl;
}

/// Each column's placeholder in updateJobSql(): the columns that change in
/// order, -1 for those fixed at submit, and id (the WHERE) last.
const std::array<int, JobColumnCount> &updateJobPositions()
{
    static const std::array<int, JobColumnCount> positions = [] {
        std::array<int, JobColumnCount> p{};
        int next = 0;
        for (int c = 0; c < JobColumnCount; ++c)
            p[c] = fixedAtSubmit(c) ? -1 : next++;
        p[ColId] = next;
        return p;
    }();
    return positions;
}

QString updateJobSql()
{
    QStringList sets;
    for (int c = 0; c < JobColumnCount; ++c) {
        if (!fixedAtSubmit(c))
            sets << QStringLiteral("%1 = ?").arg(QLatin1String(kJobColumnNames[c]));
    }
    return QStringLiteral("UPDATE jobs SET %1 WHERE id = ?").arg(sets.join(QStringLiteral(", ")));
}

// A null QString binds as SQL NULL; NOT NULL text columns get "" instead.
QVariant textValue(const QString &text)
{
    return text.isNull() ? QVariant(QStringLiteral("")) : QVariant(text);
}

std::optional<double> readOptionalReal(const QVariant &value)
{
    if (value.isNull())
        return std::nullopt;
    return value.toDouble();
}

QJsonObject readJsonObject(const QVariant &value)
{
    return QJsonDocument::fromJson(value.toString().toUtf8()).object();
}

/// Text a job row binds that is not a field of the job itself: it must
/// outlive the statement's exec() (SqliteStatement binds without copying).
struct JobRowText
{
    explicit JobRowText(const Job &job)
        : params(job.paramsJson.isEmpty() ? QJsonDocument(job.params).toJson(QJsonDocument::Compact)
                                          : job.paramsJson)
        , status(statusName(job.status))
    {
    }
    QByteArray params;
    QString status;
};

/// Binds a job's columns; `position(column)` is the column's placeholder,
/// or -1 for a column the statement leaves out.
template <typename Position>
void bindJob(SqliteStatement &s, const Job &job, const JobRowText &text, Position position)
{
    const auto textColumn = [&](JobColumn c, const QString &value) {
        if (const int p = position(c); p >= 0)
            s.bindText(p, value);
    };
    const auto intColumn = [&](JobColumn c, qint64 value) {
        if (const int p = position(c); p >= 0)
            s.bindInt(p, value);
    };
    const auto optionalReal = [&](JobColumn c, const std::optional<double> &value) {
        const int p = position(c);
        if (p < 0)
            return;
        if (value)
            s.bindReal(p, *value);
        else
            s.bindNull(p);
    };
    const auto optionalText = [&](JobColumn c, bool present, const QString &value) {
        const int p = position(c);
        if (p < 0)
            return;
        if (present)
            s.bindText(p, value);
        else
            s.bindNull(p);
    };
    textColumn(ColId, job.id);
    textColumn(ColKind, job.kind);
    if (const int p = position(ColParams); p >= 0)
        s.bindUtf8(p, text.params);
    textColumn(ColStatus, text.status);
    optionalReal(ColProgress, job.progress);
    textColumn(ColMessage, job.message);
    optionalReal(ColEtaS, job.etaS);
    intColumn(ColPriority, job.priority);
    intColumn(ColAttempt, job.attempt);
    intColumn(ColMaxAttempts, job.maxAttempts);
    intColumn(ColTimeoutS, job.timeoutS);
    intColumn(ColNextAttemptAtMs, job.nextAttemptAtMs);
    intColumn(ColCancelRequested, job.cancelRequested ? 1 : 0);
    intColumn(ColDeadLetter, job.deadLetter ? 1 : 0);
    const QString none;
    optionalText(ColErrorCode, job.error.has_value(), job.error ? job.error->code : none);
    optionalText(ColErrorMessage, job.error.has_value(), job.error ? job.error->message : none);
    intColumn(ColCreatedAtMs, job.createdAtMs);
    intColumn(ColStartedAtMs, job.startedAtMs);
    intColumn(ColUpdatedAtMs, job.updatedAtMs);
    intColumn(ColFinishedAtMs, job.finishedAtMs);
    const bool hasResult = job.result.has_value();
    optionalText(ColResultFilename, hasResult, hasResult ? job.result->filename : none);
    optionalText(ColResultContentType, hasResult, hasResult ? job.result->contentType : none);
    if (const int p = position(ColResultSize); p >= 0) {
        if (hasResult)
            s.bindInt(p, job.result->size);
        else
            s.bindNull(p);
    }
    optionalText(ColResultSha256, hasResult, hasResult ? job.result->sha256 : none);
    intColumn(ColRev, job.rev);
    textColumn(ColCallbackUrl, job.callbackUrl);
    intColumn(ColFence, job.fence);
    intColumn(ColAttemptLimit, job.attemptLimit);
    intColumn(ColInterruptions, job.interruptions);
    textColumn(ColResultFile, job.resultFile);
}

/// Reads the current row of a query that selected jobColumnList().
bool readJob(const QSqlQuery &q, Job *job, QString *error)
{
    const auto status = statusFromName(q.value(ColStatus).toString());
    if (!status) {
        *error = QStringLiteral("job %1 has an unknown status \"%2\"")
                     .arg(q.value(ColId).toString(), q.value(ColStatus).toString());
        return false;
    }
    job->id = q.value(ColId).toString();
    job->kind = q.value(ColKind).toString();
    job->params = readJsonObject(q.value(ColParams));
    job->status = *status;
    job->progress = readOptionalReal(q.value(ColProgress));
    job->message = q.value(ColMessage).toString();
    job->etaS = readOptionalReal(q.value(ColEtaS));
    job->priority = q.value(ColPriority).toInt();
    job->attempt = q.value(ColAttempt).toInt();
    job->maxAttempts = q.value(ColMaxAttempts).toInt();
    job->timeoutS = q.value(ColTimeoutS).toInt();
    job->nextAttemptAtMs = q.value(ColNextAttemptAtMs).toLongLong();
    job->cancelRequested = q.value(ColCancelRequested).toInt() != 0;
    job->deadLetter = q.value(ColDeadLetter).toInt() != 0;
    const QVariant errorCode = q.value(ColErrorCode);
    if (errorCode.isNull())
        job->error.reset();
    else
        job->error = JobError{errorCode.toString(), q.value(ColErrorMessage).toString()};
    job->createdAtMs = q.value(ColCreatedAtMs).toLongLong();
    job->startedAtMs = q.value(ColStartedAtMs).toLongLong();
    job->updatedAtMs = q.value(ColUpdatedAtMs).toLongLong();
    job->finishedAtMs = q.value(ColFinishedAtMs).toLongLong();
    const QVariant resultFilename = q.value(ColResultFilename);
    if (resultFilename.isNull()) {
        job->result.reset();
    } else {
        job->result =
            ResultInfo{resultFilename.toString(), q.value(ColResultContentType).toString(),
                       q.value(ColResultSize).toLongLong(), q.value(ColResultSha256).toString()};
    }
    job->rev = q.value(ColRev).toLongLong();
    job->callbackUrl = q.value(ColCallbackUrl).toString();
    job->fence = q.value(ColFence).toLongLong();
    job->attemptLimit = q.value(ColAttemptLimit).toInt();
    job->interruptions = q.value(ColInterruptions).toInt();
    job->resultFile = q.value(ColResultFile).toString();
    return true;
}

/// About how many bytes of JSON the job in the current row makes: its texts
/// that can be long (in characters: non-ASCII text takes more), and a fixed
/// share for the rest. For page budgets.
qsizetype approximateJsonBytes(const QSqlQuery &q)
{
    constexpr qsizetype kFixedShare = 640;
    qsizetype bytes = kFixedShare;
    for (int column : {ColParams, ColMessage, ColErrorMessage})
        bytes += q.value(column).toString().size();
    return bytes;
}

/// Reads every remaining row of a query that selected jobColumnList(); false
/// at the first row that is not a job.
bool readJobs(QSqlQuery &q, QList<Job> *jobs, QString *error)
{
    while (q.next()) {
        Job job;
        if (!readJob(q, &job, error))
            return false;
        jobs->append(std::move(job));
    }
    return true;
}

// ===========================================================================
// Webhook outbox rows
// ===========================================================================

constexpr const char *kWebhookColumns =
    "id, job_id, url, event_type, body, created_at_ms, attempts, next_attempt_at_ms, state, "
    "last_status, last_error";

bool readWebhook(const QSqlQuery &q, WebhookDelivery *d, QString *error)
{
    const auto state = webhookStateFromName(q.value(8).toString());
    if (!state) {
        *error = QStringLiteral("webhook %1 has an unknown state \"%2\"")
                     .arg(q.value(0).toString(), q.value(8).toString());
        return false;
    }
    d->id = q.value(0).toString();
    d->jobId = q.value(1).toString();
    d->url = q.value(2).toString();
    d->eventType = q.value(3).toString();
    d->body = q.value(4).toByteArray();
    d->createdAtMs = q.value(5).toLongLong();
    d->attempts = q.value(6).toInt();
    d->nextAttemptAtMs = q.value(7).toLongLong();
    d->state = *state;
    d->lastStatus = q.value(9).toInt();
    d->lastError = q.value(10).toString();
    return true;
}

// ===========================================================================
// List cursors: base64url of "<created_at_ms>:<id>"
// ===========================================================================

QString encodeCursor(const Job &last)
{
    const QByteArray plain = QByteArray::number(last.createdAtMs) + ':' + last.id.toUtf8();
    return QString::fromLatin1(
        plain.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

bool decodeCursor(const QString &cursor, qint64 *createdAtMs, QString *id)
{
    for (const QChar c : cursor) {
        if (c.unicode() > 0x7f)
            return false;
    }
    const auto decoded = QByteArray::fromBase64Encoding(
        cursor.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (decoded.decodingStatus != QByteArray::Base64DecodingStatus::Ok)
        return false;
    const qsizetype colon = decoded.decoded.indexOf(':');
    if (colon <= 0 || colon == decoded.decoded.size() - 1)
        return false;
    bool ok = false;
    *createdAtMs = decoded.decoded.left(colon).toLongLong(&ok);
    *id = QString::fromUtf8(decoded.decoded.mid(colon + 1));
    return ok;
}

/// Resets a query when leaving scope, so a reader statement never keeps its
/// snapshot (WAL readers would stay on old data and block checkpoints).
class StatementReset final
{
public:
    explicit StatementReset(QSqlQuery &query)
        : m_query(query)
    {
    }
    ~StatementReset() { m_query.finish(); }
    StatementReset(const StatementReset &) = delete;
    StatementReset &operator=(const StatementReset &) = delete;

private:
    QSqlQuery &m_query;
};

std::atomic<int> s_instanceCounter{0};

// ===========================================================================
// Connections and prepared statements
// ===========================================================================

/// The statements of the writer connection, prepared once at open().
struct WriterStatements
{
    explicit WriterStatements(const QSqlDatabase &db)
        : begin(db)
        , commit(db)
        , rollback(db)
        , saveCounters(db)
        , deleteJob(db)
        , putTombstone(db)
        , putIdempotency(db)
        , purgeIdempotency(db)
        , insertWebhook(db)
        , updateWebhook(db)
    {
    }

    QSqlQuery begin;
    QSqlQuery commit;
    /// The same COMMIT through the C API, for the commit thread (Qt Sql
    /// wants its queries used on the thread that opened the connection).
    SqliteStatement commitOffThread;
    QSqlQuery rollback;
    QSqlQuery saveCounters;
    SqliteStatement insertJob;
    SqliteStatement updateJob;
    SqliteStatement appendEvent;
    SqliteStatement putResult;
    QSqlQuery deleteJob;
    QSqlQuery putTombstone;
    QSqlQuery putIdempotency;
    QSqlQuery purgeIdempotency;
    QSqlQuery insertWebhook;
    QSqlQuery updateWebhook;
};

/// The statements of the reader connection; list statements are prepared on
/// first use, one per filter shape (a bounded set).
struct ReaderStatements
{
    explicit ReaderStatements(const QSqlDatabase &db)
        : beginRead(db)
        , endRead(db)
        , jobById(db)
        , unfinished(db)
        , changedJobs(db)
        , changedTombstones(db)
        , events(db)
        , resultBlob(db)
        , countsByStatus(db)
        , deadLetterCount(db)
        , idempotencyByKey(db)
        , tombstoneById(db)
        , pendingWebhooks(db)
        , webhooksOfJob(db)
    {
    }

    QSqlQuery beginRead;
    QSqlQuery endRead;
    QSqlQuery jobById;
    QSqlQuery unfinished;
    QSqlQuery changedJobs;
    QSqlQuery changedTombstones;
    QSqlQuery events;
    QSqlQuery resultBlob;
    QSqlQuery countsByStatus;
    QSqlQuery deadLetterCount;
    QSqlQuery idempotencyByKey;
    QSqlQuery tombstoneById;
    QSqlQuery pendingWebhooks;
    QSqlQuery webhooksOfJob;
    QHash<QString, QSqlQuery> lists;
};

/// The statements of the per-minute aggregates (stats/minuteaggregates.h):
/// additions and purges on the writer, range reads on the reader.
struct AggregateStatements
{
    AggregateStatements(const QSqlDatabase &writer, const QSqlDatabase &reader)
        : addKind(writer)
        , addGauges(writer)
        , purgeKinds(writer)
        , purgeGauges(writer)
        , stepCounts(reader)
        , stepGauges(reader)
        , gaugesBefore(reader)
        , kindTotals(reader)
    {
    }

    QSqlQuery addKind;
    QSqlQuery addGauges;
    QSqlQuery purgeKinds;
    QSqlQuery purgeGauges;
    QSqlQuery stepCounts;
    QSqlQuery stepGauges;
    QSqlQuery gaugesBefore;
    QSqlQuery kindTotals;
};

} // namespace

struct SqliteJobStore::Connections
{
    Connections()
    {
        const int instance = ++s_instanceCounter;
        writerName = QStringLiteral("jobdesk.store.%1.writer").arg(instance);
        readerName = QStringLiteral("jobdesk.store.%1.reader").arg(instance);
    }

    ~Connections()
    {
        // removeDatabase() wants every QSqlQuery and QSqlDatabase handle gone.
        aggregates.reset();
        reader.reset();
        writer.reset();
        writerDb.close();
        readerDb.close();
        writerDb = QSqlDatabase();
        readerDb = QSqlDatabase();
        QSqlDatabase::removeDatabase(writerName);
        QSqlDatabase::removeDatabase(readerName);
    }

    QString path;
    QString writerName;
    QString readerName;
    QSqlDatabase writerDb;
    QSqlDatabase readerDb;
    std::unique_ptr<WriterStatements> writer;
    std::unique_ptr<ReaderStatements> reader;
    std::unique_ptr<AggregateStatements> aggregates;
};

namespace {

bool openConnection(QSqlDatabase *db, const QString &name, const QString &path,
                    const QStringList &pragmas, QString *error)
{
    *db = QSqlDatabase::addDatabase(kDriver, name);
    if (!db->isValid()) {
        *error = QStringLiteral("the Qt SQLite driver (QSQLITE) is not available");
        return false;
    }
    db->setDatabaseName(path);
    if (!db->open()) {
        *error = db->lastError().text().trimmed();
        return false;
    }
    for (const QString &pragma : pragmas) {
        QString pragmaError;
        if (!execOnce(*db, pragma, &pragmaError)) {
            *error = QStringLiteral("%1 failed: %2").arg(pragma, pragmaError);
            return false;
        }
    }
    return true;
}

bool prepare(QSqlQuery &query, const QString &sql, QString *error)
{
    query.setForwardOnly(true);
    if (query.prepare(sql))
        return true;
    *error = QStringLiteral("cannot prepare \"%1\": %2").arg(sql.simplified(), sqlErrorText(query));
    return false;
}

bool prepareWriter(WriterStatements &s, sqlite3 *handle, QString *error)
{
    return prepare(s.begin, QStringLiteral("BEGIN IMMEDIATE"), error) &&
           prepare(s.commit, QStringLiteral("COMMIT"), error) &&
           s.commitOffThread.prepare(handle, QStringLiteral("COMMIT"), error) &&
           prepare(s.rollback, QStringLiteral("ROLLBACK"), error) &&
           prepare(s.saveCounters,
                   QStringLiteral("INSERT INTO meta (key, value) VALUES ('rev', ?), ('fence', ?) "
                                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
                   error) &&
           s.insertJob.prepare(handle, insertJobSql(), error) &&
           s.updateJob.prepare(handle, updateJobSql(), error) &&
           s.appendEvent.prepare(handle,
                                 QStringLiteral("INSERT INTO job_events (job_id, seq, at_ms, "
                                                "type, data) VALUES (?, ?, ?, ?, ?)"),
                                 error) &&
           s.putResult.prepare(handle,
                               QStringLiteral("INSERT INTO results (job_id, data) VALUES (?, ?) "
                                              "ON CONFLICT (job_id) DO UPDATE SET "
                                              "data = excluded.data"),
                               error) &&
           prepare(s.deleteJob, QStringLiteral("DELETE FROM jobs WHERE id = ?"), error) &&
           prepare(s.putTombstone,
                   QStringLiteral("INSERT INTO tombstones (id, rev) VALUES (?, ?) "
                                  "ON CONFLICT (id) DO UPDATE SET rev = excluded.rev"),
                   error) &&
           prepare(
               s.putIdempotency,
               QStringLiteral("INSERT INTO idempotency_keys (key, fingerprint, job_id, "
                              "status_code, response, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)"),
               error) &&
           // rowid order is insertion order: the oldest keys go first.
           prepare(s.purgeIdempotency,
                   QStringLiteral("DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM "
                                  "idempotency_keys WHERE created_at_ms < ? ORDER BY created_at_ms "
                                  "LIMIT ?)"),
                   error) &&
           prepare(s.insertWebhook,
                   QStringLiteral("INSERT INTO webhook_outbox (%1) VALUES (?, ?, ?, ?, ?, ?, ?, "
                                  "?, ?, ?, ?)")
                       .arg(QLatin1String(kWebhookColumns)),
                   error) &&
           prepare(s.updateWebhook,
                   QStringLiteral("UPDATE webhook_outbox SET attempts = ?, next_attempt_at_ms = ?, "
                                  "state = ?, last_status = ?, last_error = ? WHERE id = ?"),
                   error);
}

bool prepareReader(ReaderStatements &s, QString *error)
{
    return prepare(s.beginRead, QStringLiteral("BEGIN"), error) &&
           prepare(s.endRead, QStringLiteral("COMMIT"), error) &&
           prepare(s.jobById, selectJobsSql(QStringLiteral("WHERE id = ?")), error) &&
           prepare(
               s.unfinished,
               selectJobsSql(QStringLiteral("WHERE status IN ('PENDING', 'PROCESSING', 'RETRYING') "
                                            "ORDER BY priority DESC, created_at_ms, id")),
               error) &&
           prepare(s.changedJobs,
                   selectJobsSql(QStringLiteral("WHERE rev > ? ORDER BY rev LIMIT ?")), error) &&
           prepare(
               s.changedTombstones,
               QStringLiteral("SELECT id, rev FROM tombstones WHERE rev > ? ORDER BY rev LIMIT ?"),
               error) &&
           prepare(s.events,
                   QStringLiteral("SELECT seq, at_ms, type, data FROM job_events "
                                  "WHERE job_id = ? ORDER BY seq"),
                   error) &&
           prepare(s.resultBlob, QStringLiteral("SELECT data FROM results WHERE job_id = ?"),
                   error) &&
           prepare(s.countsByStatus,
                   QStringLiteral("SELECT status, COUNT(*) FROM jobs GROUP BY status"), error) &&
           prepare(s.deadLetterCount,
                   QStringLiteral("SELECT COUNT(*) FROM jobs WHERE dead_letter = 1"), error) &&
           prepare(s.idempotencyByKey,
                   QStringLiteral("SELECT key, fingerprint, job_id, status_code, response, "
                                  "created_at_ms FROM idempotency_keys WHERE key = ?"),
                   error) &&
           prepare(s.tombstoneById, QStringLiteral("SELECT 1 FROM tombstones WHERE id = ?"),
                   error) &&
           prepare(s.pendingWebhooks,
                   QStringLiteral("SELECT %1 FROM webhook_outbox WHERE state = 'pending' "
                                  "ORDER BY next_attempt_at_ms")
                       .arg(QLatin1String(kWebhookColumns)),
                   error) &&
           prepare(s.webhooksOfJob,
                   QStringLiteral("SELECT %1 FROM webhook_outbox WHERE job_id = ? "
                                  "ORDER BY created_at_ms, id")
                       .arg(QLatin1String(kWebhookColumns)),
                   error);
}

// The migration names the bucket columns one by one (a shipped step never
// changes): the buckets and the columns must agree.
static_assert(kJobDurationBucketCount == 16, "stats_minute_kinds has columns d0..d15");

QString bucketColumns(const char *pattern)
{
    QStringList columns;
    for (int b = 0; b < kJobDurationBucketCount; ++b)
        columns.append(QString::fromLatin1(pattern).arg(b));
    return columns.join(QStringLiteral(", "));
}

bool prepareAggregates(AggregateStatements &s, QString *error)
{
    QStringList placeholders;
    for (int i = 0; i < 7 + kJobDurationBucketCount; ++i)
        placeholders.append(QStringLiteral("?"));
    // Deltas add up: a commit adds what it counted to its minute's row.
    const QString addKind =
        QStringLiteral(
            "INSERT INTO stats_minute_kinds (minute_ms, kind, submitted, completed, failed, "
            "cancelled, duration_sum_ms, %1) VALUES (%2) ON CONFLICT (minute_ms, kind) DO UPDATE "
            "SET submitted = submitted + excluded.submitted, completed = completed + "
            "excluded.completed, failed = failed + excluded.failed, cancelled = cancelled + "
            "excluded.cancelled, duration_sum_ms = duration_sum_ms + excluded.duration_sum_ms, %3")
            .arg(bucketColumns("d%1"), placeholders.join(QStringLiteral(", ")),
                 bucketColumns("d%1 = d%1 + excluded.d%1"));
    // A minute's first commit starts from where the previous one left the
    // gauges: they held that value until this commit changed it.
    const QString addGauges = QStringLiteral(
        "INSERT INTO stats_minute_gauges (minute_ms, queue_depth_peak, queue_depth_last, "
        "busy_peak, busy_last) VALUES (?, max(?, coalesce((SELECT queue_depth_last FROM "
        "stats_minute_gauges WHERE minute_ms < ? ORDER BY minute_ms DESC LIMIT 1), 0)), ?, "
        "max(?, coalesce((SELECT busy_last FROM stats_minute_gauges WHERE minute_ms < ? ORDER BY "
        "minute_ms DESC LIMIT 1), 0)), ?) ON CONFLICT (minute_ms) DO UPDATE SET queue_depth_peak "
        "= max(queue_depth_peak, excluded.queue_depth_last), queue_depth_last = "
        "excluded.queue_depth_last, busy_peak = max(busy_peak, excluded.busy_last), busy_last = "
        "excluded.busy_last");
    // Steps are numbered from the range's start: (minute_ms - from) / step.
    const QString stepCounts = QStringLiteral(
        "SELECT (minute_ms - ?) / ? AS step, sum(submitted), sum(completed), sum(failed), "
        "sum(cancelled) FROM stats_minute_kinds WHERE minute_ms >= ? AND minute_ms < ? "
        "GROUP BY step ORDER BY step");
    const QString stepGauges = QStringLiteral(
        "SELECT step, max(queue_depth_peak), max(busy_peak), max(CASE WHEN newest = 1 THEN "
        "queue_depth_last END), max(CASE WHEN newest = 1 THEN busy_last END) FROM (SELECT "
        "(minute_ms - ?) / ? AS step, queue_depth_peak, busy_peak, queue_depth_last, busy_last, "
        "row_number() OVER (PARTITION BY (minute_ms - ?) / ? ORDER BY minute_ms DESC) AS newest "
        "FROM stats_minute_gauges WHERE minute_ms >= ? AND minute_ms < ?) GROUP BY step "
        "ORDER BY step");
    const QString kindTotals =
        QStringLiteral("SELECT kind, sum(submitted), sum(completed), sum(failed), sum(cancelled), "
                       "sum(duration_sum_ms), %1 FROM stats_minute_kinds WHERE minute_ms >= ? AND "
                       "minute_ms < ? GROUP BY kind ORDER BY kind")
            .arg(bucketColumns("sum(d%1)"));
    return prepare(s.addKind, addKind, error) && prepare(s.addGauges, addGauges, error) &&
           prepare(s.purgeKinds,
                   QStringLiteral("DELETE FROM stats_minute_kinds WHERE minute_ms < ?"), error) &&
           prepare(s.purgeGauges,
                   QStringLiteral("DELETE FROM stats_minute_gauges WHERE minute_ms < ?"), error) &&
           prepare(s.stepCounts, stepCounts, error) && prepare(s.stepGauges, stepGauges, error) &&
           prepare(s.gaugesBefore,
                   QStringLiteral("SELECT minute_ms, queue_depth_last, busy_last FROM "
                                  "stats_minute_gauges WHERE minute_ms < ? ORDER BY minute_ms "
                                  "DESC LIMIT 1"),
                   error) &&
           prepare(s.kindTotals, kindTotals, error);
}

} // namespace

// ===========================================================================
// Opening and closing
// ===========================================================================

SqliteJobStore::SqliteJobStore() = default;

SqliteJobStore::~SqliteJobStore()
{
    close();
}

int SqliteJobStore::latestSchemaVersion()
{
    return int(migrationSteps().size());
}

bool SqliteJobStore::open(const QString &dataDir)
{
    close();
    m_lastError.clear();
    if (!QDir().mkpath(dataDir))
        return fail(QStringLiteral("cannot create the data folder %1").arg(dataDir));

    auto db = std::make_unique<Connections>();
    db->path = QDir(dataDir).absoluteFilePath(kFileName);
    const auto failOpen = [this, &db](const QString &reason) {
        return fail(QStringLiteral("cannot open the job store %1: %2").arg(db->path, reason));
    };

    QString error;
    // journal_mode answers with the mode it ended in; anything but "wal" (a
    // read-only medium, say) would silently cost the durability figures.
    const QString busyTimeout = QStringLiteral("PRAGMA busy_timeout = %1").arg(kBusyTimeoutMs);
    // Foreign keys go on after the migrations (see migrate()); off is said
    // aloud, not left to how SQLite was built.
    if (!openConnection(&db->writerDb, db->writerName, db->path,
                        {busyTimeout, QStringLiteral("PRAGMA foreign_keys = OFF")}, &error))
        return failOpen(error);
    QVariant journalMode;
    if (!execOnce(db->writerDb, QStringLiteral("PRAGMA journal_mode = WAL"), &error, &journalMode))
        return failOpen(error);
    if (journalMode.toString().compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0)
        return failOpen(QStringLiteral("WAL mode refused (journal mode is \"%1\")")
                            .arg(journalMode.toString()));
    if (!execOnce(db->writerDb, QStringLiteral("PRAGMA synchronous = FULL"), &error))
        return failOpen(error);
    if (!migrate(db->writerDb, &error))
        return failOpen(error);
    QVariant foreignKeys;
    if (!execOnce(db->writerDb, QStringLiteral("PRAGMA foreign_keys = ON"), &error) ||
        !execOnce(db->writerDb, QStringLiteral("PRAGMA foreign_keys"), &error, &foreignKeys))
        return failOpen(error);
    if (foreignKeys.toInt() != 1)
        return failOpen(QStringLiteral("this SQLite does not enforce foreign keys"));

    if (!openConnection(&db->readerDb, db->readerName, db->path,
                        {busyTimeout, QStringLiteral("PRAGMA query_only = ON")}, &error))
        return failOpen(error);

    db->writer = std::make_unique<WriterStatements>(db->writerDb);
    db->reader = std::make_unique<ReaderStatements>(db->readerDb);
    db->aggregates = std::make_unique<AggregateStatements>(db->writerDb, db->readerDb);
    if (!prepareWriter(*db->writer, sqliteHandle(db->writerDb), &error) ||
        !prepareReader(*db->reader, &error) || !prepareAggregates(*db->aggregates, &error))
        return failOpen(error);

    m_db = std::move(db);
    if (!loadCounters()) {
        const QString reason = m_lastError;
        close();
        m_lastError = reason;
        return false;
    }
    return true;
}

bool SqliteJobStore::loadCounters()
{
    // meta is authoritative (commit() writes it); the maxima guard against a
    // file whose meta row was lost or edited: a rev or fence is never reused.
    QSqlQuery query(m_db->writerDb);
    query.setForwardOnly(true);
    const bool ok = query.exec(QStringLiteral(
        "SELECT (SELECT value FROM meta WHERE key = 'rev'), (SELECT MAX(rev) FROM jobs), "
        "(SELECT MAX(rev) FROM tombstones), (SELECT value FROM meta WHERE key = 'fence'), "
        "(SELECT MAX(fence) FROM jobs)"));
    if (!ok || !query.next())
        return fail(
            QStringLiteral("cannot read the rev and fence counters: %1").arg(sqlErrorText(query)));
    m_rev = std::max(
        {query.value(0).toLongLong(), query.value(1).toLongLong(), query.value(2).toLongLong()});
    m_fence = std::max(query.value(3).toLongLong(), query.value(4).toLongLong());
    m_committedRev = m_rev;
    return true;
}

void SqliteJobStore::close()
{
    if (!m_db)
        return;
    waitForBackgroundCommit();
    if (m_inTransaction)
        rollback();
    m_db.reset();
    m_inTransaction = false;
    m_rev = m_fence = m_committedRev = 0;
}

bool SqliteJobStore::isOpen() const
{
    return m_db != nullptr;
}

QString SqliteJobStore::lastError() const
{
    return m_lastError;
}

bool SqliteJobStore::fail(const QString &message)
{
    m_lastError = message;
    qCWarning(lcStore).noquote() << message;
    return false;
}

bool SqliteJobStore::requireOpen()
{
    m_lastError.clear();
    if (m_db)
        return true;
    return fail(QStringLiteral("the job store is not open"));
}

bool SqliteJobStore::requireTransaction(const char *operation)
{
    if (!requireOpen())
        return false;
    if (m_inTransaction)
        return true;
    return fail(QStringLiteral("%1 outside a write transaction").arg(QLatin1String(operation)));
}

namespace {

bool execStatement(QSqlQuery &query, const char *what, QString *error)
{
    if (query.exec())
        return true;
    *error = QStringLiteral("%1 failed: %2").arg(QLatin1String(what), sqlErrorText(query));
    return false;
}

} // namespace

// ===========================================================================
// The write transaction
// ===========================================================================

bool SqliteJobStore::begin()
{
    if (!requireOpen())
        return false;
    if (m_inTransaction)
        return fail(QStringLiteral("begin: a write transaction is already open"));
    QString error;
    if (!execStatement(m_db->writer->begin, "begin", &error))
        return fail(error);
    m_inTransaction = true;
    return true;
}

bool SqliteJobStore::saveCounters()
{
    WriterStatements &s = *m_db->writer;
    s.saveCounters.bindValue(0, m_rev);
    s.saveCounters.bindValue(1, m_fence);
    QString error;
    if (execStatement(s.saveCounters, "saving the counters", &error))
        return true;
    rollback();
    return fail(error);
}

bool SqliteJobStore::commitDone(const QString &error)
{
    if (!error.isEmpty()) {
        rollback();
        return fail(error);
    }
    m_inTransaction = false;
    m_committedRev = m_rev;
    return true;
}

bool SqliteJobStore::commit()
{
    if (!requireTransaction("commit") || !saveCounters())
        return false;
    QString error;
    execStatement(m_db->writer->commit, "commit", &error);
    return commitDone(error);
}

void SqliteJobStore::commitInBackground(std::function<void(bool committed)> done)
{
    if (!requireTransaction("commit") || !saveCounters()) {
        done(false);
        return;
    }
    SqliteStatement &commitStatement = m_db->writer->commitOffThread;
    m_commitThread.run(
        [&commitStatement] {
            QString error;
            commitStatement.exec(&error);
            return error.isEmpty() ? error : QStringLiteral("commit failed: %1").arg(error);
        },
        [this, done = std::move(done)](const QString &error) { done(commitDone(error)); });
}

void SqliteJobStore::waitForBackgroundCommit()
{
    m_commitThread.wait();
}

void SqliteJobStore::rollback()
{
    if (!m_db || !m_inTransaction)
        return;
    // SQLite may already have rolled back by itself (after an I/O error, say);
    // then ROLLBACK fails harmlessly and there is nothing else to undo.
    QString error;
    if (!execStatement(m_db->writer->rollback, "rollback", &error))
        qCWarning(lcStore).noquote() << error;
    m_inTransaction = false;
    m_rev = m_committedRev;
    // Fences are not taken back: a dispatch may have been sent before its
    // commit failed, and its number must not name another attempt.
}

qint64 SqliteJobStore::nextRev()
{
    if (!m_inTransaction)
        qCWarning(lcStore) << "nextRev() outside a write transaction: the value may be reused";
    return ++m_rev;
}

qint64 SqliteJobStore::nextFence()
{
    // Kept in memory and saved with the next commit, in or out of a
    // transaction (offers take theirs between commits).
    return ++m_fence;
}

bool SqliteJobStore::insertJob(const Job &job)
{
    if (!requireTransaction("insertJob"))
        return false;
    SqliteStatement &q = m_db->writer->insertJob;
    const JobRowText text(job);
    bindJob(q, job, text, [](JobColumn c) { return int(c); });
    QString error;
    if (!q.exec(&error))
        return fail(QStringLiteral("insertJob failed: %1 (job %2)").arg(error, job.id));
    return true;
}

bool SqliteJobStore::updateJob(const Job &job)
{
    if (!requireTransaction("updateJob"))
        return false;
    SqliteStatement &q = m_db->writer->updateJob;
    const JobRowText text(job);
    // The columns that change, then id for the WHERE (updateJobSql).
    const std::array<int, JobColumnCount> &positions = updateJobPositions();
    bindJob(q, job, text, [&positions](JobColumn c) { return positions[c]; });
    QString error;
    if (!q.exec(&error))
        return fail(QStringLiteral("updateJob failed: %1 (job %2)").arg(error, job.id));
    if (q.changes() != 1)
        return fail(QStringLiteral("updateJob: no job %1").arg(job.id));
    return true;
}

bool SqliteJobStore::appendEvent(const QString &jobId, const JobEvent &event)
{
    if (!requireTransaction("appendEvent"))
        return false;
    SqliteStatement &q = m_db->writer->appendEvent;
    QByteArray data;
    JsonWriter(data).object(event.data);
    q.bindText(0, jobId);
    q.bindInt(1, event.seq);
    q.bindInt(2, event.atMs);
    q.bindText(3, event.type);
    q.bindUtf8(4, data);
    QString error;
    if (!q.exec(&error))
        return fail(QStringLiteral("appendEvent failed: %1 (job %2, seq %3)")
                        .arg(error, jobId)
                        .arg(event.seq));
    return true;
}

bool SqliteJobStore::putResultBlob(const QString &jobId, const QByteArray &data)
{
    if (!requireTransaction("putResultBlob"))
        return false;
    SqliteStatement &q = m_db->writer->putResult;
    q.bindText(0, jobId);
    q.bindBlob(1, data); // an empty result is still a result, never NULL
    QString error;
    if (!q.exec(&error))
        return fail(QStringLiteral("putResultBlob failed: %1 (job %2)").arg(error, jobId));
    return true;
}

bool SqliteJobStore::purgeJob(const QString &id)
{
    if (!requireTransaction("purgeJob"))
        return false;
    WriterStatements &s = *m_db->writer;
    // Events and the result blob go with the row (ON DELETE CASCADE).
    s.deleteJob.bindValue(0, textValue(id));
    QString error;
    if (!execStatement(s.deleteJob, "purgeJob", &error))
        return fail(QStringLiteral("%1 (job %2)").arg(error, id));
    if (s.deleteJob.numRowsAffected() != 1)
        return fail(QStringLiteral("purgeJob: no job %1").arg(id));
    s.putTombstone.bindValue(0, textValue(id));
    s.putTombstone.bindValue(1, nextRev());
    if (!execStatement(s.putTombstone, "purgeJob (tombstone)", &error))
        return fail(QStringLiteral("%1 (job %2)").arg(error, id));
    return true;
}

bool SqliteJobStore::putIdempotencyRecord(const IdempotencyRecord &record)
{
    if (!requireTransaction("putIdempotencyRecord"))
        return false;
    QSqlQuery &q = m_db->writer->putIdempotency;
    q.bindValue(0, textValue(record.key));
    q.bindValue(1, QString::fromUtf8(record.fingerprint));
    q.bindValue(2, textValue(record.jobId));
    q.bindValue(3, record.statusCode);
    q.bindValue(4, record.response.isNull() ? QByteArray("") : record.response);
    q.bindValue(5, record.createdAtMs);
    QString error;
    if (!execStatement(q, "putIdempotencyRecord", &error))
        return fail(QStringLiteral("%1 (key %2)").arg(error, record.key.left(64)));
    return true;
}

int SqliteJobStore::purgeIdempotencyRecords(qint64 beforeMs, int limit)
{
    if (!requireTransaction("purgeIdempotencyRecords"))
        return -1;
    QSqlQuery &q = m_db->writer->purgeIdempotency;
    q.bindValue(0, beforeMs);
    q.bindValue(1, std::max(1, limit));
    QString error;
    if (!execStatement(q, "purgeIdempotencyRecords", &error)) {
        fail(error);
        return -1;
    }
    return q.numRowsAffected();
}

bool SqliteJobStore::insertWebhook(const WebhookDelivery &d)
{
    if (!requireTransaction("insertWebhook"))
        return false;
    QSqlQuery &q = m_db->writer->insertWebhook;
    q.bindValue(0, textValue(d.id));
    q.bindValue(1, textValue(d.jobId));
    q.bindValue(2, textValue(d.url));
    q.bindValue(3, textValue(d.eventType));
    q.bindValue(4, d.body.isNull() ? QByteArray("") : d.body);
    q.bindValue(5, d.createdAtMs);
    q.bindValue(6, d.attempts);
    q.bindValue(7, d.nextAttemptAtMs);
    q.bindValue(8, webhookStateName(d.state));
    q.bindValue(9, d.lastStatus);
    q.bindValue(10, textValue(d.lastError));
    QString error;
    if (!execStatement(q, "insertWebhook", &error))
        return fail(QStringLiteral("%1 (webhook %2, job %3)").arg(error, d.id, d.jobId));
    return true;
}

bool SqliteJobStore::updateWebhook(const WebhookDelivery &d)
{
    if (!requireTransaction("updateWebhook"))
        return false;
    QSqlQuery &q = m_db->writer->updateWebhook;
    q.bindValue(0, d.attempts);
    q.bindValue(1, d.nextAttemptAtMs);
    q.bindValue(2, webhookStateName(d.state));
    q.bindValue(3, d.lastStatus);
    q.bindValue(4, textValue(d.lastError));
    q.bindValue(5, textValue(d.id));
    QString error;
    if (!execStatement(q, "updateWebhook", &error))
        return fail(QStringLiteral("%1 (webhook %2)").arg(error, d.id));
    if (q.numRowsAffected() != 1)
        return fail(QStringLiteral("updateWebhook: no webhook %1").arg(d.id));
    return true;
}

bool SqliteJobStore::checkpoint()
{
    if (!requireOpen())
        return false;
    if (m_inTransaction || m_commitThread.busy())
        return fail(QStringLiteral("checkpoint: a write transaction is open"));
    QString error;
    if (!execOnce(m_db->writerDb, QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"), &error))
        return fail(QStringLiteral("checkpoint: %1").arg(error));
    return true;
}

// ===========================================================================
// Reads (the reader connection: committed state only)
// ===========================================================================

std::optional<QSet<QString>> SqliteJobStore::resultFileNames()
{
    if (!requireOpen())
        return std::nullopt;
    // Once per start, so prepared here rather than kept.
    QSqlQuery q(m_db->readerDb);
    q.setForwardOnly(true);
    QString error;
    if (!prepare(q, QStringLiteral("SELECT result_file FROM jobs WHERE result_file <> ''"),
                 &error) ||
        !execStatement(q, "resultFileNames", &error)) {
        fail(error);
        return std::nullopt;
    }
    QSet<QString> names;
    while (q.next())
        names.insert(q.value(0).toString());
    return names;
}

QList<Job> SqliteJobStore::finishedBefore(qint64 beforeMs, int limit)
{
    QList<Job> jobs;
    if (!requireOpen())
        return jobs;
    // Rare (housekeeping), so prepared here rather than kept.
    QSqlQuery q(m_db->readerDb);
    q.setForwardOnly(true);
    QString error;
    if (!prepare(q,
                 selectJobsSql(QStringLiteral("WHERE finished_at_ms > 0 AND finished_at_ms < ? "
                                              "AND status IN ('COMPLETED', 'FAILED', 'CANCELLED') "
                                              "AND NOT EXISTS (SELECT 1 FROM webhook_outbox w "
                                              "WHERE w.job_id = jobs.id AND w.state = 'pending') "
                                              "ORDER BY finished_at_ms LIMIT ?")),
                 &error)) {
        fail(error);
        return jobs;
    }
    q.bindValue(0, beforeMs);
    q.bindValue(1, std::clamp(limit, 1, 10000));
    if (!execStatement(q, "finishedBefore", &error)) {
        fail(error);
        return jobs;
    }
    if (!readJobs(q, &jobs, &error)) {
        fail(error);
        return {};
    }
    return jobs;
}

std::optional<Job> SqliteJobStore::job(const QString &id)
{
    if (!requireOpen())
        return std::nullopt;
    QSqlQuery &q = m_db->reader->jobById;
    StatementReset reset(q);
    q.bindValue(0, textValue(id));
    QString error;
    if (!execStatement(q, "job", &error)) {
        fail(QStringLiteral("%1 (job %2)").arg(error, id));
        return std::nullopt;
    }
    if (!q.next())
        return std::nullopt;
    Job job;
    if (!readJob(q, &job, &error)) {
        fail(error);
        return std::nullopt;
    }
    return job;
}

QList<Job> SqliteJobStore::unfinishedJobs()
{
    QList<Job> jobs;
    if (!requireOpen())
        return jobs;
    QSqlQuery &q = m_db->reader->unfinished;
    StatementReset reset(q);
    QString error;
    if (!execStatement(q, "unfinishedJobs", &error)) {
        fail(error);
        return jobs;
    }
    if (!readJobs(q, &jobs, &error)) {
        fail(error);
        return {};
    }
    return jobs;
}

ListPage SqliteJobStore::list(const ListQuery &query)
{
    ListPage page;
    if (!requireOpen())
        return page;

    qint64 cursorCreatedAtMs = 0;
    QString cursorId;
    const bool hasCursor = !query.cursor.isEmpty();
    if (hasCursor && !decodeCursor(query.cursor, &cursorCreatedAtMs, &cursorId)) {
        fail(QStringLiteral("invalid list cursor \"%1\"").arg(query.cursor.left(64)));
        return page;
    }
    const int limit = std::clamp(query.limit, 1, reliability::kMaxListLimit);

    // Sorted and deduplicated so each filter shape maps to one statement.
    QList<JobStatus> statuses = query.statuses;
    std::sort(statuses.begin(), statuses.end());
    statuses.erase(std::unique(statuses.begin(), statuses.end()), statuses.end());

    QStringList conditions;
    if (!query.kind.isEmpty())
        conditions << QStringLiteral("kind = ?");
    // A literal, not a parameter: only then can SQLite use the partial index.
    if (query.deadLetter)
        conditions << QStringLiteral("dead_letter = %1").arg(*query.deadLetter ? 1 : 0);
    if (hasCursor)
        conditions << QStringLiteral("(created_at_ms, id) < (?, ?)");
    const auto where = [](QStringList all) {
        return all.isEmpty() ? QString()
                             : QStringLiteral("WHERE ") + all.join(QStringLiteral(" AND "));
    };
    const QString newestFirst = QStringLiteral(" ORDER BY created_at_ms DESC, id DESC LIMIT ?");
    const QString statusMatches = where(QStringList{QStringLiteral("status = ?")} + conditions);
    // With several statuses, each walks jobs_status_newest for its newest
    // keys and only the keys are merged and sorted; the rows are then read
    // one by one. For `status IN (…)` SQLite would read and sort every
    // matching row (all the finished jobs, params included) for a page.
    const bool byKeys = statuses.size() > 1;
    QString sql;
    if (statuses.isEmpty()) {
        sql = selectJobsSql(where(conditions) + newestFirst);
    } else if (!byKeys) {
        sql = selectJobsSql(statusMatches + newestFirst);
    } else {
        const QStringList perStatus(
            statuses.size(),
            QStringLiteral("SELECT * FROM (SELECT created_at_ms, id FROM jobs %1%2)")
                .arg(statusMatches, newestFirst));
        sql = perStatus.join(QStringLiteral(" UNION ALL ")) + newestFirst;
    }

    ReaderStatements &r = *m_db->reader;
    auto it = r.lists.find(sql);
    if (it == r.lists.end()) {
        QSqlQuery prepared(m_db->readerDb);
        QString error;
        if (!prepare(prepared, sql, &error)) {
            fail(error);
            return page;
        }
        it = r.lists.insert(sql, prepared);
    }
    QString error;
    // The keys and the rows they name are read in one snapshot.
    if (byKeys && !execStatement(r.beginRead, "list (begin)", &error)) {
        fail(error);
        return page;
    }
    // Ended after the statements below are reset (declared before them).
    const auto endRead = qScopeGuard([&] {
        QString endError;
        if (byKeys && !execStatement(r.endRead, "list (end)", &endError))
            fail(endError);
    });
    QSqlQuery &q = it.value();
    StatementReset reset(q);
    int position = 0;
    // One row more than asked tells whether another page follows.
    const auto bindFilters = [&](std::optional<JobStatus> status) {
        if (status)
            q.bindValue(position++, statusName(*status));
        if (!query.kind.isEmpty())
            q.bindValue(position++, query.kind);
        if (hasCursor) {
            q.bindValue(position++, cursorCreatedAtMs);
            q.bindValue(position++, cursorId);
        }
        q.bindValue(position++, limit + 1);
    };
    if (statuses.isEmpty()) {
        bindFilters(std::nullopt);
    } else {
        for (JobStatus status : statuses)
            bindFilters(status);
        if (byKeys)
            q.bindValue(position++, limit + 1); // the merge's
    }

    if (!execStatement(q, "list", &error)) {
        fail(error);
        return page;
    }
    bool more = false;
    qsizetype bytes = 0;
    // Adds the job in `row`'s current row to the page.
    const auto take = [&](const QSqlQuery &row) {
        Job job;
        if (!readJob(row, &job, &error))
            return false;
        bytes += approximateJsonBytes(row);
        page.items.append(std::move(job));
        return true;
    };
    while (q.next()) {
        if (page.items.size() == limit || bytes >= reliability::kMaxListPageBytes) {
            more = true;
            break;
        }
        if (!byKeys) {
            if (!take(q)) {
                fail(error);
                return {};
            }
            continue;
        }
        QSqlQuery &row = r.jobById;
        StatementReset rowReset(row);
        row.bindValue(0, q.value(1));
        if (!execStatement(row, "list (row)", &error)) {
            fail(error);
            return {};
        }
        if (!row.next()) {
            // Not within one snapshot; said rather than a page silently short.
            qCWarning(lcStore) << "list: job" << q.value(1).toString() << "vanished";
            continue;
        }
        if (!take(row)) {
            fail(error);
            return {};
        }
    }
    if (more)
        page.nextCursor = encodeCursor(page.items.constLast());
    return page;
}

ChangesPage SqliteJobStore::changesSince(qint64 rev, int limit)
{
    ChangesPage page;
    page.rev = std::max(rev, m_committedRev);
    if (!requireOpen())
        return page;
    limit = std::clamp(limit, 1, reliability::kMaxListLimit);
    ReaderStatements &r = *m_db->reader;

    // Both queries read one snapshot, so a purge cannot fall between them.
    QString error;
    if (!execStatement(r.beginRead, "changesSince (begin)", &error)) {
        fail(error);
        return page;
    }
    QList<JobChange> jobs;
    QList<JobChange> tombstones;
    bool ok = true;
    // Set when the jobs read stopped at the byte budget: nothing after the
    // last of them may be returned, or a reader going on from the page's rev
    // would skip the rest.
    std::optional<qint64> cutAfterRev;
    {
        QSqlQuery &q = r.changedJobs;
        StatementReset reset(q);
        q.bindValue(0, rev);
        // One row more than asked, here and for tombstones, tells whether
        // another page follows.
        q.bindValue(1, limit + 1);
        ok = execStatement(q, "changesSince (jobs)", &error);
        qsizetype bytes = 0;
        while (ok && q.next()) {
            if (bytes >= reliability::kMaxListPageBytes) {
                cutAfterRev = jobs.constLast().job.rev;
                break;
            }
            JobChange change;
            ok = readJob(q, &change.job, &error);
            bytes += approximateJsonBytes(q);
            jobs.append(std::move(change));
        }
    }
    if (ok) {
        QSqlQuery &q = r.changedTombstones;
        StatementReset reset(q);
        q.bindValue(0, rev);
        q.bindValue(1, limit + 1);
        ok = execStatement(q, "changesSince (tombstones)", &error);
        while (ok && q.next()) {
            JobChange change;
            change.deleted = true;
            change.job.id = q.value(0).toString();
            change.job.rev = q.value(1).toLongLong();
            tombstones.append(std::move(change));
        }
    }
    QString endError;
    if (!execStatement(r.endRead, "changesSince (end)", &endError) && ok) {
        ok = false;
        error = endError;
    }
    if (!ok) {
        fail(error);
        return page;
    }

    const auto byRev = [](const JobChange &a, const JobChange &b) { return a.job.rev < b.job.rev; };
    page.items.reserve(std::min<qsizetype>(limit, jobs.size() + tombstones.size()));
    std::merge(jobs.cbegin(), jobs.cend(), tombstones.cbegin(), tombstones.cend(),
               std::back_inserter(page.items), byRev);
    if (cutAfterRev) {
        const auto firstAfter = std::upper_bound(
            page.items.begin(), page.items.end(), *cutAfterRev,
            [](qint64 cut, const JobChange &change) { return cut < change.job.rev; });
        page.items.erase(firstAfter, page.items.end());
        page.more = true;
    }
    if (page.items.size() > limit) {
        page.items.resize(limit);
        page.more = true;
    }
    if (!page.items.isEmpty())
        page.rev = page.items.constLast().job.rev;
    return page;
}

QList<JobEvent> SqliteJobStore::events(const QString &jobId)
{
    QList<JobEvent> events;
    if (!requireOpen())
        return events;
    QSqlQuery &q = m_db->reader->events;
    StatementReset reset(q);
    q.bindValue(0, textValue(jobId));
    QString error;
    if (!execStatement(q, "events", &error)) {
        fail(QStringLiteral("%1 (job %2)").arg(error, jobId));
        return events;
    }
    while (q.next()) {
        JobEvent event;
        event.seq = q.value(0).toLongLong();
        event.atMs = q.value(1).toLongLong();
        event.type = q.value(2).toString();
        event.data = readJsonObject(q.value(3));
        events.append(std::move(event));
    }
    return events;
}

std::optional<QByteArray> SqliteJobStore::resultBlob(const QString &jobId)
{
    if (!requireOpen())
        return std::nullopt;
    QSqlQuery &q = m_db->reader->resultBlob;
    StatementReset reset(q);
    q.bindValue(0, textValue(jobId));
    QString error;
    if (!execStatement(q, "resultBlob", &error)) {
        fail(QStringLiteral("%1 (job %2)").arg(error, jobId));
        return std::nullopt;
    }
    if (!q.next())
        return std::nullopt;
    return q.value(0).toByteArray();
}

QHash<JobStatus, qint64> SqliteJobStore::countsByStatus()
{
    QHash<JobStatus, qint64> counts;
    if (!requireOpen())
        return counts;
    for (JobStatus status : kAllStatuses)
        counts.insert(status, 0);
    QSqlQuery &q = m_db->reader->countsByStatus;
    StatementReset reset(q);
    QString error;
    if (!execStatement(q, "countsByStatus", &error)) {
        fail(error);
        return {};
    }
    while (q.next()) {
        const auto status = statusFromName(q.value(0).toString());
        if (!status) {
            fail(
                QStringLiteral("countsByStatus: unknown status \"%1\"").arg(q.value(0).toString()));
            return {};
        }
        counts.insert(*status, q.value(1).toLongLong());
    }
    return counts;
}

qint64 SqliteJobStore::deadLetterCount()
{
    if (!requireOpen())
        return 0;
    QSqlQuery &q = m_db->reader->deadLetterCount;
    StatementReset reset(q);
    QString error;
    if (!execStatement(q, "deadLetterCount", &error)) {
        fail(error);
        return 0;
    }
    return q.next() ? q.value(0).toLongLong() : 0;
}

qint64 SqliteJobStore::currentRev()
{
    return m_committedRev;
}

std::optional<IdempotencyRecord> SqliteJobStore::idempotencyRecord(const QString &key)
{
    if (!requireOpen())
        return std::nullopt;
    QSqlQuery &q = m_db->reader->idempotencyByKey;
    StatementReset reset(q);
    q.bindValue(0, textValue(key));
    QString error;
    if (!execStatement(q, "idempotencyRecord", &error)) {
        fail(error);
        return std::nullopt;
    }
    if (!q.next())
        return std::nullopt;
    IdempotencyRecord record;
    record.key = q.value(0).toString();
    record.fingerprint = q.value(1).toString().toUtf8();
    record.jobId = q.value(2).toString();
    record.statusCode = q.value(3).toInt();
    record.response = q.value(4).toByteArray();
    record.createdAtMs = q.value(5).toLongLong();
    return record;
}

bool SqliteJobStore::wasPurged(const QString &id)
{
    if (!requireOpen())
        return false;
    QSqlQuery &q = m_db->reader->tombstoneById;
    StatementReset reset(q);
    q.bindValue(0, textValue(id));
    QString error;
    if (!execStatement(q, "wasPurged", &error)) {
        fail(error);
        return false;
    }
    return q.next();
}

namespace {

QList<WebhookDelivery> readWebhooks(QSqlQuery &q, const char *what, QString *error)
{
    QList<WebhookDelivery> deliveries;
    if (!execStatement(q, what, error))
        return deliveries;
    while (q.next()) {
        WebhookDelivery d;
        if (!readWebhook(q, &d, error))
            return {};
        deliveries.append(std::move(d));
    }
    return deliveries;
}

} // namespace

QList<WebhookDelivery> SqliteJobStore::pendingWebhooks()
{
    if (!requireOpen())
        return {};
    QSqlQuery &q = m_db->reader->pendingWebhooks;
    StatementReset reset(q);
    QString error;
    QList<WebhookDelivery> deliveries = readWebhooks(q, "pendingWebhooks", &error);
    if (!error.isEmpty())
        fail(error);
    return deliveries;
}

QList<WebhookDelivery> SqliteJobStore::webhooks(const QString &jobId)
{
    if (!requireOpen())
        return {};
    QSqlQuery &q = m_db->reader->webhooksOfJob;
    StatementReset reset(q);
    q.bindValue(0, textValue(jobId));
    QString error;
    QList<WebhookDelivery> deliveries = readWebhooks(q, "webhooks", &error);
    if (!error.isEmpty())
        fail(error);
    return deliveries;
}

// ===========================================================================
// Per-minute aggregates (the stats series)
// ===========================================================================

bool SqliteJobStore::addMinuteAggregates(const MinuteAggregates &delta)
{
    if (!requireTransaction("addMinuteAggregates"))
        return false;
    AggregateStatements &s = *m_db->aggregates;
    QString error;
    for (const KindMinuteCounts &k : delta.kinds) {
        QSqlQuery &q = s.addKind;
        int i = 0;
        q.bindValue(i++, aggregateMinuteStart(k.minuteMs));
        q.bindValue(i++, textValue(k.kind));
        for (qint64 n : {k.submitted, k.completed, k.failed, k.cancelled, k.durationSumMs})
            q.bindValue(i++, n);
        for (qint64 n : k.durationBuckets)
            q.bindValue(i++, n);
        if (!execStatement(q, "addMinuteAggregates (counts)", &error))
            return fail(error);
    }
    if (delta.gauges) {
        const qint64 minute = aggregateMinuteStart(delta.gauges->atMs);
        const qint64 queue = delta.gauges->queueDepth;
        const qint64 busy = delta.gauges->busyWorkers;
        QSqlQuery &q = s.addGauges;
        int i = 0;
        for (qint64 v : {minute, queue, minute, queue, busy, minute, busy})
            q.bindValue(i++, v);
        if (!execStatement(q, "addMinuteAggregates (gauges)", &error))
            return fail(error);
    }
    return true;
}

int SqliteJobStore::purgeMinuteAggregates(qint64 beforeMs)
{
    if (!requireTransaction("purgeMinuteAggregates"))
        return -1;
    AggregateStatements &s = *m_db->aggregates;
    int purged = 0;
    QString error;
    for (QSqlQuery *q : {&s.purgeKinds, &s.purgeGauges}) {
        q->bindValue(0, beforeMs);
        if (!execStatement(*q, "purgeMinuteAggregates", &error)) {
            fail(error);
            return -1;
        }
        purged += std::max(0, q->numRowsAffected());
    }
    return purged;
}

std::optional<AggregateRange> SqliteJobStore::minuteAggregates(qint64 fromMs, qint64 toMs,
                                                               qint64 stepMs)
{
    if (!requireOpen())
        return std::nullopt;
    if (stepMs <= 0 || toMs <= fromMs) {
        fail(QStringLiteral("minuteAggregates: an empty range or step"));
        return std::nullopt;
    }
    ReaderStatements &r = *m_db->reader;
    AggregateStatements &s = *m_db->aggregates;

    // One snapshot for the four reads: a commit cannot fall between them.
    QString error;
    if (!execStatement(r.beginRead, "minuteAggregates (begin)", &error)) {
        fail(error);
        return std::nullopt;
    }
    AggregateRange range;
    std::map<qint64, AggregateStep> steps;
    const auto stepAt = [&steps, fromMs, stepMs](qint64 index) -> AggregateStep & {
        AggregateStep &step = steps[index];
        step.startMs = fromMs + index * stepMs;
        return step;
    };
    bool ok = true;
    {
        QSqlQuery &q = s.stepCounts;
        StatementReset reset(q);
        int i = 0;
        for (qint64 v : {fromMs, stepMs, fromMs, toMs})
            q.bindValue(i++, v);
        ok = execStatement(q, "minuteAggregates (counts)", &error);
        while (ok && q.next()) {
            AggregateStep &step = stepAt(q.value(0).toLongLong());
            step.submitted = q.value(1).toLongLong();
            step.completed = q.value(2).toLongLong();
            step.failed = q.value(3).toLongLong();
            step.cancelled = q.value(4).toLongLong();
        }
    }
    if (ok) {
        QSqlQuery &q = s.stepGauges;
        StatementReset reset(q);
        int i = 0;
        for (qint64 v : {fromMs, stepMs, fromMs, stepMs, fromMs, toMs})
            q.bindValue(i++, v);
        ok = execStatement(q, "minuteAggregates (gauges)", &error);
        while (ok && q.next()) {
            AggregateStep &step = stepAt(q.value(0).toLongLong());
            step.hasGauges = true;
            step.queueDepthPeak = q.value(1).toLongLong();
            step.busyPeak = q.value(2).toLongLong();
            step.queueDepthLast = q.value(3).toLongLong();
            step.busyLast = q.value(4).toLongLong();
        }
    }
    if (ok) {
        QSqlQuery &q = s.gaugesBefore;
        StatementReset reset(q);
        q.bindValue(0, fromMs);
        ok = execStatement(q, "minuteAggregates (gauges before)", &error);
        if (ok && q.next())
            range.gaugesBefore = GaugeSample{q.value(0).toLongLong(), q.value(1).toLongLong(),
                                             q.value(2).toLongLong()};
    }
    if (ok) {
        QSqlQuery &q = s.kindTotals;
        StatementReset reset(q);
        q.bindValue(0, fromMs);
        q.bindValue(1, toMs);
        ok = execStatement(q, "minuteAggregates (kinds)", &error);
        while (ok && q.next()) {
            KindMinuteCounts k;
            k.minuteMs = fromMs;
            k.kind = q.value(0).toString();
            k.submitted = q.value(1).toLongLong();
            k.completed = q.value(2).toLongLong();
            k.failed = q.value(3).toLongLong();
            k.cancelled = q.value(4).toLongLong();
            k.durationSumMs = q.value(5).toLongLong();
            for (int b = 0; b < kJobDurationBucketCount; ++b)
                k.durationBuckets[std::size_t(b)] = q.value(6 + b).toLongLong();
            range.kinds.append(std::move(k));
        }
    }
    QString endError;
    if (!execStatement(r.endRead, "minuteAggregates (end)", &endError) && ok) {
        ok = false;
        error = endError;
    }
    if (!ok) {
        fail(error);
        return std::nullopt;
    }
    range.steps.reserve(qsizetype(steps.size()));
    for (auto &[index, step] : steps)
        range.steps.append(step);
    return range;
}

} // namespace jobdesk
