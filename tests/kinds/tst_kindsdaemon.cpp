// The report kinds end to end through the real jobdeskd: built-in kinds and
// admin-defined ones from its config file, input roots checked at submit,
// results downloaded over HTTP, failures, cancellation.

#include "backendprocess.h"
#include "controltestclient.h"
#include "csvfixtures.h"
#include "httptestclient.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <sqlite3.h>

namespace {

QByteArray toJson(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

bool writeExecutable(const QString &path, const QByteArray &body)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write("#!/bin/sh\n" + body) < 0)
        return false;
    f.close();
    return f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                            QFileDevice::ExeOwner);
}

QByteArray sha256(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly)
               ? QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex()
               : QByteArray();
}

int processesWith(const QByteArray &marker)
{
    int found = 0;
    for (const QString &pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (cmdline.open(QIODevice::ReadOnly) && cmdline.readAll().contains(marker))
            ++found;
    }
    return found;
}

} // namespace

class tst_KindsDaemon : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void listsKindsWithoutPrivateDetails();
    void summarisesACsv();
    void rendersAPdf();
    void refusesFilesOutsideTheRootsAtSubmit();
    void runsAReadOnlyQuery();
    void builtinDefaultsComeFromTheConfig();
    void refusesAWriteWithoutRetrying();
    void runsAnAdminKindWithProgress();
    void failsAnAdminKindWithItsStderr();
    void cancelsAHangingAdminKind();
    void refusesABadKindInTheConfig();

private:
    QString submit(const QString &kind, const QJsonObject &params, HttpReply *replyOut = nullptr);
    QJsonObject job(const QString &id);
    /// Polls until the job is in a terminal state (or `timeoutMs` passes).
    QJsonObject waitTerminal(const QString &id, int timeoutMs = 60000);
    QByteArray result(const QString &id, QByteArray *contentType = nullptr);

    QTemporaryDir m_dir;
    QString m_root;
    QString m_db;
    std::unique_ptr<BackendProcess> m_backend;
    std::unique_ptr<HttpTestClient> m_http;
};

void tst_KindsDaemon::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString base = QFileInfo(m_dir.path()).canonicalFilePath();
    m_root = base + QStringLiteral("/inputs");
    QVERIFY(QDir().mkpath(m_root));
    QVERIFY(QDir().mkpath(base + QStringLiteral("/programs")));

    QVERIFY(csvfixtures::write(m_root + QStringLiteral("/sales.csv"),
                               "\xEF\xBB\xBFregion;amount;note\n"
                               "north;10;\"a;b\"\n"
                               "south;4;plain\n"
                               "north;6;\"say \"\"hi\"\"\"\n"));
    m_db = m_root + QStringLiteral("/sales.db");
    sqlite3 *db = nullptr;
    QCOMPARE(sqlite3_open(QFile::encodeName(m_db).constData(), &db), SQLITE_OK);
    QCOMPARE(sqlite3_exec(db,
                          "CREATE TABLE sales(region TEXT, amount REAL);"
                          "INSERT INTO sales VALUES ('north', 10), ('south', 4), ('north', 6);",
                          nullptr, nullptr, nullptr),
             SQLITE_OK);
    sqlite3_close(db);

    const QString programs = base + QStringLiteral("/programs");
    QVERIFY(writeExecutable(programs + QStringLiteral("/progress.sh"), R"sh(
echo "PROGRESS 40 counting $1"
sleep 1
printf '%s\n' "$1" > "$JOBDESK_WORK_DIR/report.txt"
echo "RESULT report.txt"
)sh"));
    QVERIFY(writeExecutable(programs + QStringLiteral("/fail.sh"), R"sh(
echo "looking at $1" >&2
echo "cannot reach the warehouse" >&2
exit 2
)sh"));
    QVERIFY(writeExecutable(programs + QStringLiteral("/hang.sh"), R"sh(
sh -c 'sleep 600; :' jobdesk-test-marker-daemon-hang &
echo "PROGRESS 1 waiting forever"
wait
)sh"));

    const QString config = base + QStringLiteral("/jobdeskd.conf");
    const QByteArray schema =
        R"({"type": "object", "properties": {"what": {"type": "string", "default": "apples"}}})";
    QVERIFY(csvfixtures::write(
        config, "[kind.site.progress]\ntitle=Counting\nprogram=" + QFile::encodeName(programs) +
                    "/progress.sh\narguments=[\"{what}\"]\nparams_schema=" + schema +
                    "\nmax_attempts=1\n\n"
                    "[kind.site.fail]\nprogram=" +
                    QFile::encodeName(programs) +
                    "/fail.sh\narguments=[\"{what}\"]\nparams_schema=" + schema +
                    "\nmax_attempts=1\n\n"
                    "[kind.site.hang]\nprogram=" +
                    QFile::encodeName(programs) +
                    "/hang.sh\nmax_attempts=1\n\n"
                    "[kind.demo.sleep]\nmax_attempts=7\n"));

    m_backend = std::make_unique<BackendProcess>();
    QVERIFY2(m_backend->start(
                 2, {QStringLiteral("--input-root"), m_root, QStringLiteral("--config"), config}),
             qPrintable(m_backend->errorText()));
    m_http = std::make_unique<HttpTestClient>(m_backend->httpBase(), m_backend->token());
}

void tst_KindsDaemon::cleanupTestCase()
{
    m_http.reset();
    if (m_backend)
        QCOMPARE(m_backend->stop(), 0);
    m_backend.reset();
    QTRY_COMPARE_WITH_TIMEOUT(processesWith("jobdesk-test-marker-daemon"), 0, 5000);
}

QString tst_KindsDaemon::submit(const QString &kind, const QJsonObject &params, HttpReply *replyOut)
{
    const HttpReply reply =
        m_http->post(QStringLiteral("/api/v1/jobs"),
                     toJson({{QStringLiteral("kind"), kind}, {QStringLiteral("params"), params}}));
    if (replyOut)
        *replyOut = reply;
    return reply.status == 202 ? reply.json().value(QStringLiteral("id")).toString() : QString();
}

QJsonObject tst_KindsDaemon::job(const QString &id)
{
    return m_http->get(QStringLiteral("/api/v1/jobs/") + id).json();
}

QJsonObject tst_KindsDaemon::waitTerminal(const QString &id, int timeoutMs)
{
    static const QStringList terminal = {QStringLiteral("COMPLETED"), QStringLiteral("FAILED"),
                                         QStringLiteral("CANCELLED")};
    QElapsedTimer clock;
    clock.start();
    QJsonObject j;
    while (clock.elapsed() < timeoutMs) {
        j = m_http->get(QStringLiteral("/api/v1/jobs/%1?wait=5").arg(id)).json();
        if (terminal.contains(j.value(QStringLiteral("status")).toString()))
            return j;
    }
    return j;
}

QByteArray tst_KindsDaemon::result(const QString &id, QByteArray *contentType)
{
    const HttpReply reply = m_http->get(QStringLiteral("/api/v1/jobs/%1/result").arg(id));
    if (contentType)
        *contentType = reply.header("Content-Type");
    return reply.status == 200 ? reply.body : QByteArray();
}

void tst_KindsDaemon::listsKindsWithoutPrivateDetails()
{
    const HttpReply reply = m_http->get(QStringLiteral("/api/v1/kinds"));
    QCOMPARE(reply.status, 200);
    QStringList names;
    for (const QJsonValue &k : reply.json().value(QStringLiteral("kinds")).toArray())
        names.append(k.toObject().value(QStringLiteral("name")).toString());
    for (const char *name : {"demo.sleep", "report.csv_summary", "report.sql", "site.progress",
                             "site.fail", "site.hang"})
        QVERIFY2(names.contains(QLatin1String(name)), qPrintable(names.join(QLatin1Char(' '))));
    QVERIFY(!reply.body.contains("x-input-roots"));
    QVERIFY(!reply.body.contains(QFile::encodeName(m_root)));
    QVERIFY(!reply.body.contains("progress.sh"));

    ControlTestClient control(m_backend->controlEndpoint(), m_backend->token());
    const QJsonObject kinds = control.request(QStringLiteral("kinds"));
    QVERIFY(kinds.value(QStringLiteral("ok")).toBool());
    QCOMPARE(kinds.value(QStringLiteral("kinds")).toArray().size(), names.size());
}

void tst_KindsDaemon::summarisesACsv()
{
    const QString id = submit(QStringLiteral("report.csv_summary"),
                              {{QStringLiteral("input"), m_root + QStringLiteral("/sales.csv")},
                               {QStringLiteral("group_by"), QStringLiteral("region")}});
    QVERIFY(!id.isEmpty());
    const QJsonObject done = waitTerminal(id);
    QCOMPARE(done.value(QStringLiteral("status")).toString(), QStringLiteral("COMPLETED"));
    QCOMPARE(
        done.value(QStringLiteral("params")).toObject().value(QStringLiteral("format")).toString(),
        QStringLiteral("json")); // the default, filled in at submit
    QByteArray type;
    const QJsonObject summary = QJsonDocument::fromJson(result(id, &type)).object();
    QVERIFY(type.startsWith("application/json"));
    QCOMPARE(summary.value(QStringLiteral("rows")).toInteger(), 3);
    QCOMPARE(summary.value(QStringLiteral("file"))
                 .toObject()
                 .value(QStringLiteral("delimiter"))
                 .toString(),
             QStringLiteral(";"));
    const QJsonArray groups =
        summary.value(QStringLiteral("groups")).toObject().value(QStringLiteral("items")).toArray();
    QCOMPARE(groups.first().toObject().value(QStringLiteral("key")).toString(),
             QStringLiteral("north"));
    QCOMPARE(groups.first()
                 .toObject()
                 .value(QStringLiteral("sums"))
                 .toObject()
                 .value(QStringLiteral("amount"))
                 .toDouble(),
             16.0);
}

void tst_KindsDaemon::rendersAPdf()
{
    const QString id = submit(QStringLiteral("report.csv_summary"),
                              {{QStringLiteral("input"), m_root + QStringLiteral("/sales.csv")},
                               {QStringLiteral("format"), QStringLiteral("pdf")}});
    QVERIFY(!id.isEmpty());
    const QJsonObject done = waitTerminal(id);
    QCOMPARE(done.value(QStringLiteral("status")).toString(), QStringLiteral("COMPLETED"));
    QCOMPARE(done.value(QStringLiteral("result"))
                 .toObject()
                 .value(QStringLiteral("filename"))
                 .toString(),
             QStringLiteral("summary.pdf"));
    QByteArray type;
    QVERIFY(result(id, &type).startsWith("%PDF-"));
    QCOMPARE(type, QByteArray("application/pdf"));
}

void tst_KindsDaemon::refusesFilesOutsideTheRootsAtSubmit()
{
    for (const QString &path :
         {QStringLiteral("/etc/passwd"), m_root + QStringLiteral("/../jobdeskd.conf"),
          QStringLiteral("relative.csv")}) {
        HttpReply reply;
        QVERIFY(
            submit(QStringLiteral("report.csv_summary"), {{QStringLiteral("input"), path}}, &reply)
                .isEmpty());
        QCOMPARE(reply.status, 422);
        const QJsonArray errors = reply.json().value(QStringLiteral("errors")).toArray();
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors.first().toObject().value(QStringLiteral("field")).toString(),
                 QStringLiteral("params.input"));
    }
    ControlTestClient control(m_backend->controlEndpoint(), m_backend->token());
    const QJsonObject reply =
        control.request(QStringLiteral("submit"),
                        {{QStringLiteral("kind"), QStringLiteral("report.sql")},
                         {QStringLiteral("params"),
                          QJsonObject{{QStringLiteral("database"), QStringLiteral("/etc/shadow")},
                                      {QStringLiteral("query"), QStringLiteral("SELECT 1")}}}});
    QVERIFY(!reply.value(QStringLiteral("ok")).toBool(true));
    QCOMPARE(
        reply.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
        QStringLiteral("invalid_params"));
}

void tst_KindsDaemon::runsAReadOnlyQuery()
{
    const QString id = submit(
        QStringLiteral("report.sql"),
        {{QStringLiteral("database"), m_db},
         {QStringLiteral("query"),
          QStringLiteral(
              "SELECT region, sum(amount) AS total FROM sales GROUP BY region ORDER BY region")}});
    QVERIFY(!id.isEmpty());
    const QJsonObject done = waitTerminal(id);
    QCOMPARE(done.value(QStringLiteral("status")).toString(), QStringLiteral("COMPLETED"));
    QCOMPARE(result(id), QByteArray("region,total\r\nnorth,16\r\nsouth,4\r\n"));
}

void tst_KindsDaemon::refusesAWriteWithoutRetrying()
{
    const QByteArray before = sha256(m_db);
    const QString id = submit(QStringLiteral("report.sql"),
                              {{QStringLiteral("database"), m_db},
                               {QStringLiteral("query"), QStringLiteral("DELETE FROM sales")}});
    QVERIFY(!id.isEmpty()); // valid params: the statement is checked in the worker
    const QJsonObject done = waitTerminal(id);
    QCOMPARE(done.value(QStringLiteral("status")).toString(), QStringLiteral("FAILED"));
    QCOMPARE(
        done.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
        QStringLiteral("invalid_params"));
    QVERIFY(done.value(QStringLiteral("dead_letter")).toBool());
    QCOMPARE(done.value(QStringLiteral("attempt")).toInt(), 1);
    QCOMPARE(sha256(m_db), before);
}

void tst_KindsDaemon::runsAnAdminKindWithProgress()
{
    const QString id = submit(QStringLiteral("site.progress"),
                              {{QStringLiteral("what"), QStringLiteral("pears and plums")}});
    QVERIFY(!id.isEmpty());
    // The program reports 40 % and then works for a second.
    QElapsedTimer clock;
    clock.start();
    bool sawProgress = false;
    while (clock.elapsed() < 20000 && !sawProgress) {
        const QJsonObject j = job(id);
        sawProgress = j.value(QStringLiteral("progress")).toDouble() == 40.0 &&
                      j.value(QStringLiteral("message")).toString() ==
                          QLatin1String("counting pears and plums");
        if (j.value(QStringLiteral("status")).toString() == QLatin1String("COMPLETED"))
            break;
        QTest::qWait(50);
    }
    QVERIFY(sawProgress);
    const QJsonObject done = waitTerminal(id);
    QCOMPARE(done.value(QStringLiteral("status")).toString(), QStringLiteral("COMPLETED"));
    QCOMPARE(done.value(QStringLiteral("result"))
                 .toObject()
                 .value(QStringLiteral("filename"))
                 .toString(),
             QStringLiteral("report.txt"));
    QCOMPARE(result(id), QByteArray("pears and plums\n"));
}

void tst_KindsDaemon::failsAnAdminKindWithItsStderr()
{
    const QString id = submit(QStringLiteral("site.fail"), {});
    QVERIFY(!id.isEmpty());
    const QJsonObject done = waitTerminal(id);
    QCOMPARE(done.value(QStringLiteral("status")).toString(), QStringLiteral("FAILED"));
    const QJsonObject error = done.value(QStringLiteral("error")).toObject();
    QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("job_error"));
    QCOMPARE(error.value(QStringLiteral("message")).toString(),
             QStringLiteral("the program exited with code 2: cannot reach the warehouse"));

    const QByteArray events = m_http->get(QStringLiteral("/api/v1/jobs/%1/events").arg(id)).body;
    // The program's stderr is kept in the failed attempt's timeline entry.
    QVERIFY2(events.contains("looking at apples"), events.constData());
}

void tst_KindsDaemon::cancelsAHangingAdminKind()
{
    const QString id = submit(QStringLiteral("site.hang"), {});
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(job(id).value(QStringLiteral("message")).toString() ==
                                 QLatin1String("waiting forever"),
                             20000);
    QCOMPARE(processesWith("jobdesk-test-marker-daemon-hang"), 1);
    const HttpReply cancel = m_http->post(QStringLiteral("/api/v1/jobs/%1/cancel").arg(id), "{}");
    QCOMPARE(cancel.status, 202);
    const QJsonObject done = waitTerminal(id, 20000);
    QCOMPARE(done.value(QStringLiteral("status")).toString(), QStringLiteral("CANCELLED"));
    QTRY_COMPARE_WITH_TIMEOUT(processesWith("jobdesk-test-marker-daemon-hang"), 0, 5000);
}

void tst_KindsDaemon::refusesABadKindInTheConfig()
{
    const QString config = m_dir.filePath(QStringLiteral("bad.conf"));
    QVERIFY(csvfixtures::write(config,
                               "[kind.site.broken]\nprogram=/bin/true\narguments=[\"{ghost}\"]\n"));
    QProcess daemon;
    daemon.start(BackendProcess::program(QStringLiteral("jobdeskd")),
                 {QStringLiteral("--data-dir"), m_dir.filePath(QStringLiteral("other-data")),
                  QStringLiteral("--config"), config, QStringLiteral("--http-listen"),
                  QStringLiteral("127.0.0.1:0")});
    QVERIFY(daemon.waitForFinished(10000));
    QCOMPARE(daemon.exitCode(), 2);
    const QByteArray err = daemon.readAllStandardError();
    QVERIFY2(err.contains("[kind.site.broken] arguments: {ghost} is not a property"),
             err.constData());

    QProcess rootless;
    rootless.start(BackendProcess::program(QStringLiteral("jobdeskd")),
                   {QStringLiteral("--data-dir"), m_dir.filePath(QStringLiteral("other-data")),
                    QStringLiteral("--input-root"),
                    m_dir.filePath(QStringLiteral("no-such-folder")),
                    QStringLiteral("--http-listen"), QStringLiteral("127.0.0.1:0")});
    QVERIFY(rootless.waitForFinished(10000));
    QCOMPARE(rootless.exitCode(), 2);
    QVERIFY(rootless.readAllStandardError().contains("--input-root"));
}

void tst_KindsDaemon::builtinDefaultsComeFromTheConfig()
{
    // [kind.demo.sleep] max_attempts=7: what /kinds says and what a job gets.
    const QJsonArray kinds = m_http->get(QStringLiteral("/api/v1/kinds"))
                                 .json()
                                 .value(QStringLiteral("kinds"))
                                 .toArray();
    bool found = false;
    for (const QJsonValue &k : kinds) {
        if (k.toObject().value(QStringLiteral("name")).toString() == QLatin1String("demo.sleep")) {
            QCOMPARE(k.toObject().value(QStringLiteral("default_max_attempts")).toInt(), 7);
            found = true;
        }
    }
    QVERIFY(found);
    const QString id = submit(QStringLiteral("demo.sleep"), {{QStringLiteral("duration_s"), 0}});
    QVERIFY(!id.isEmpty());
    QCOMPARE(job(id).value(QStringLiteral("max_attempts")).toInt(), 7);
}

QTEST_GUILESS_MAIN(tst_KindsDaemon)
#include "tst_kindsdaemon.moc"
