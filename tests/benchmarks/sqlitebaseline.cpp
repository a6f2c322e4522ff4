// The disk's own figure: what SQLite itself commits here with the store's
// settings (WAL, synchronous=FULL), so that jobdeskd's figures can be read
// against the fsync latency of the moment (it varies a lot on shared disks).

#include "benchoptions.h"
#include "scenarios.h"

#include <QDir>
#include <QTemporaryDir>
#include <sqlite3.h>

namespace jobdesk::bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kPhaseLength = std::chrono::seconds(3);
constexpr auto kProbeLength = std::chrono::seconds(1);

/// Inserts rows of about the size of a job row in transactions of
/// `rowsPerCommit` for `length`; one latency sample per commit.
bool measure(sqlite3 *db, int rowsPerCommit, Clock::duration length, const std::string &name,
             ScenarioFigures *figures, std::string *error)
{
    sqlite3_stmt *insert = nullptr;
    if (sqlite3_prepare_v2(db, "INSERT INTO rows (id, body) VALUES (?, ?)", -1, &insert, nullptr) !=
        SQLITE_OK) {
        *error = sqlite3_errmsg(db);
        return false;
    }
    const std::string body(400, 'x');
    LatencySamples latencies;
    static long long nextId = 0;
    std::size_t rows = 0;
    const Clock::time_point start = Clock::now();
    Clock::time_point now = start;
    while (now - start < length) {
        const Clock::time_point commitStart = Clock::now();
        sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        for (int i = 0; i < rowsPerCommit; ++i) {
            const std::string id = "row-" + std::to_string(++nextId);
            sqlite3_bind_text(insert, 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
            sqlite3_bind_text(insert, 2, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
            if (sqlite3_step(insert) != SQLITE_DONE) {
                *error = sqlite3_errmsg(db);
                sqlite3_finalize(insert);
                return false;
            }
            sqlite3_reset(insert);
        }
        if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
            *error = sqlite3_errmsg(db);
            sqlite3_finalize(insert);
            return false;
        }
        now = Clock::now();
        latencies.add(now - commitStart);
        rows += static_cast<std::size_t>(rowsPerCommit);
    }
    sqlite3_finalize(insert);
    figures->name = name;
    figures->count = rows;
    figures->seconds = std::chrono::duration<double>(now - start).count();
    figures->latency = latencies.summary(); // per commit
    return true;
}

/// A fresh database with the store's durability settings, in a temporary
/// folder of the data parent.
class BaselineDatabase final
{
public:
    explicit BaselineDatabase(const BenchOptions &options)
        : m_dir(QDir(options.dataParent).filePath(QStringLiteral("jobdesk-bench-XXXXXX")))
    {
    }
    ~BaselineDatabase() { sqlite3_close(m_db); }
    BaselineDatabase(const BaselineDatabase &) = delete;
    BaselineDatabase &operator=(const BaselineDatabase &) = delete;

    bool open(std::string *error)
    {
        if (!m_dir.isValid()) {
            *error = "cannot create a temporary folder: " + m_dir.errorString().toStdString();
            return false;
        }
        const std::string path =
            QDir(m_dir.path()).filePath(QStringLiteral("baseline.db")).toStdString();
        if (sqlite3_open(path.c_str(), &m_db) != SQLITE_OK) {
            *error = "cannot open " + path + ": " + sqlite3_errmsg(m_db);
            return false;
        }
        const char *setup = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                            "CREATE TABLE rows (id TEXT PRIMARY KEY NOT NULL, body TEXT NOT NULL);";
        char *message = nullptr;
        if (sqlite3_exec(m_db, setup, nullptr, nullptr, &message) != SQLITE_OK) {
            *error = std::string("cannot set up the baseline database: ") + message;
            sqlite3_free(message);
            return false;
        }
        return true;
    }
    sqlite3 *handle() const { return m_db; }

private:
    QTemporaryDir m_dir;
    sqlite3 *m_db = nullptr;
};

} // namespace

ScenarioOutcome runSqliteBaseline(const BenchOptions &options)
{
    ScenarioOutcome outcome;
    BaselineDatabase db(options);
    if (!db.open(&outcome.error))
        return outcome;
    for (const auto &[rows, name] : {std::pair<int, const char *>{1, "sqlite-commit-1"},
                                     std::pair<int, const char *>{100, "sqlite-commit-100"}}) {
        ScenarioFigures figures;
        if (!measure(db.handle(), rows, kPhaseLength, name, &figures, &outcome.error))
            break;
        outcome.figures.push_back(figures);
    }
    return outcome;
}

ScenarioFigures probeDisk(const BenchOptions &options, std::string *error)
{
    ScenarioFigures figures;
    BaselineDatabase db(options);
    if (db.open(error))
        measure(db.handle(), 1, kProbeLength, "disk-probe", &figures, error);
    return figures;
}

} // namespace jobdesk::bench
