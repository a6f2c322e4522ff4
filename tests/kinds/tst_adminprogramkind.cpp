// Admin-defined kinds: programs started without a shell, PROGRESS and
// RESULT lines, stderr kept bounded, failures, and cancellation that stops
// the whole process group, even when the worker itself is killed.

#include "kindcatalog.h"
#include "kindtestrun.h"
#include "paramsschema.h"
#include "worker/program/adminprogramkind.h"
#include "workerharness.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <thread>

using namespace jobdesk;
using namespace std::chrono_literals;

namespace {

// Processes whose command line contains `marker`.
int processesWith(const QByteArray &marker)
{
    int found = 0;
    for (const QString &pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (!cmdline.open(QIODevice::ReadOnly))
            continue;
        QByteArray text = cmdline.readAll();
        text.replace('\0', ' ');
        if (text.contains(marker))
            ++found;
    }
    return found;
}

qint64 peakRssOfThisProcess()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return -1;
}

} // namespace

class tst_AdminProgramKind : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void reportsProgressAndItsResultFile();
    void passesParamsAsWholeArguments();
    void completesWithoutAResultFile();
    void failsOnANonZeroExitWithStderr();
    void failsWhenTheProgramCannotStart();
    void failsWhenTheResultIsMissing();
    void cancelStopsTheWholeGroup();
    void killsAProgramThatIgnoresSigterm();
    void keepsOnlyTheTailOfAStderrFlood();
    void survivesAnEndlessLine();
    void stopsTheGroupWhenTheWorkerIsKilled();
    void runsTheShippedExample();

private:
    QString script(const QString &name, const QByteArray &body);
    ProgramSpec spec(const QString &program, QStringList arguments = {});

    QTemporaryDir m_dir;
};

void tst_AdminProgramKind::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void tst_AdminProgramKind::cleanupTestCase()
{
    QTRY_COMPARE_WITH_TIMEOUT(processesWith("jobdesk-test-marker"), 0, 5000);
}

QString tst_AdminProgramKind::script(const QString &name, const QByteArray &body)
{
    const QString path = m_dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write("#!/bin/sh\n" + body) < 0)
        return {};
    f.close();
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return path;
}

ProgramSpec tst_AdminProgramKind::spec(const QString &program, QStringList arguments)
{
    ProgramSpec s;
    s.program = program;
    s.arguments = std::move(arguments);
    return s;
}

void tst_AdminProgramKind::reportsProgressAndItsResultFile()
{
    const QString program = script(QStringLiteral("progress.sh"), R"sh(
echo "PROGRESS 10 starting"
echo "some chatter the worker ignores"
echo "PROGRESS nonsense"
sleep 0.1
printf 'PROGRESS 55.5 half way\r\n'
printf 'region,total\nnorth,3\n' > "$JOBDESK_WORK_DIR/out.csv"
echo "RESULT out.csv"
)sh");
    KindTestRun run({}, {});
    AdminProgramKind kind(QStringLiteral("site.progress"), spec(program));
    const KindOutcome outcome = run.run(kind);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    const auto reports = run.progress();
    QCOMPARE(reports.size(), std::size_t(2));
    QCOMPARE(*reports[0].pct, 10.0);
    QCOMPARE(reports[0].message, QStringLiteral("starting"));
    QCOMPARE(*reports[1].pct, 55.5);
    QCOMPARE(reports[1].message, QStringLiteral("half way"));
    QCOMPARE(run.filename(), QStringLiteral("out.csv"));
    QCOMPARE(run.contentType(), QStringLiteral("text/csv"));
    QCOMPARE(run.result(), QByteArray("region,total\nnorth,3\n"));
}

void tst_AdminProgramKind::passesParamsAsWholeArguments()
{
    const QString out = m_dir.filePath(QStringLiteral("args.txt"));
    const QString program = script(QStringLiteral("args.sh"), R"sh(
{
  for a in "$@"; do printf '[%s]\n' "$a"; done
  printf 'cwd=%s\n' "$(pwd)"
  printf 'job=%s attempt=%s mode=%s\n' "$JOBDESK_JOB_ID" "$JOBDESK_ATTEMPT" "$REPORT_MODE"
  printf 'params=%s\n' "$JOBDESK_PARAMS"
} > "$OUT"
echo "RESULT $OUT"
)sh");
    ProgramSpec s = spec(program, {QStringLiteral("--name"), QStringLiteral("{name}"),
                                   QStringLiteral("--n={n}"), QStringLiteral("{missing}")});
    s.workingDirectory = m_dir.path();
    s.environment = {{QStringLiteral("REPORT_MODE"), QStringLiteral("full")},
                     {QStringLiteral("OUT"), out}};
    const QString nasty = QStringLiteral("a b; touch /tmp/jobdesk-pwned $(id) `id` 'q' \"d\" *");
    KindTestRun run(QJsonObject{{QStringLiteral("name"), nasty}, {QStringLiteral("n"), 3}}, {});
    AdminProgramKind kind(QStringLiteral("site.args"), s);
    const KindOutcome outcome = run.run(kind);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    const QList<QByteArray> lines = run.result().split('\n');
    QCOMPARE(lines[0], QByteArray("[--name]"));
    QCOMPARE(QString::fromUtf8(lines[1]), QLatin1Char('[') + nasty + QLatin1Char(']'));
    QCOMPARE(lines[2], QByteArray("[--n=3]"));
    QCOMPARE(lines[3], "cwd=" + QFile::encodeName(m_dir.path()));
    QCOMPARE(lines[4], QByteArray("job=job attempt=1 mode=full"));
    QVERIFY(lines[5].startsWith("params={"));
    QVERIFY(!QFile::exists(QStringLiteral("/tmp/jobdesk-pwned")));
}

void tst_AdminProgramKind::completesWithoutAResultFile()
{
    KindTestRun run({}, {});
    AdminProgramKind kind(QStringLiteral("site.true"), spec(QStringLiteral("/bin/true")));
    const KindOutcome outcome = run.run(kind);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    QCOMPARE(run.filename(), QStringLiteral("result.json"));
    const QJsonObject result = QJsonDocument::fromJson(run.result()).object();
    QCOMPARE(result.value(QStringLiteral("exit_code")).toInt(), 0);
    QCOMPARE(result.value(QStringLiteral("kind")).toString(), QStringLiteral("site.true"));
}

void tst_AdminProgramKind::failsOnANonZeroExitWithStderr()
{
    const QString program = script(QStringLiteral("fail.sh"), R"sh(
echo "PROGRESS 20 reading"
echo "warming up" >&2
echo "disk full: /var/reports" >&2
exit 3
)sh");
    KindTestRun run({}, {});
    AdminProgramKind kind(QStringLiteral("site.fail"), spec(program));
    const KindOutcome outcome = run.run(kind);
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error.code, QStringLiteral("job_error"));
    QVERIFY(outcome.retryable);
    QCOMPARE(outcome.error.message,
             QStringLiteral("the program exited with code 3: disk full: /var/reports"));
    QCOMPARE(outcome.stderrTail, QStringLiteral("warming up\ndisk full: /var/reports\n"));
    QCOMPARE(run.resultsFolderEntries(), QStringList());

    const QString crash = script(QStringLiteral("crash.sh"), "kill -SEGV $$\n");
    KindTestRun crashed({}, {});
    AdminProgramKind crashing(QStringLiteral("site.crash"), spec(crash));
    const KindOutcome crashOutcome = crashed.run(crashing);
    QVERIFY(!crashOutcome.ok);
    QVERIFY2(crashOutcome.error.message.contains(QLatin1String("killed by signal 11")),
             qPrintable(crashOutcome.error.message));
}

void tst_AdminProgramKind::failsWhenTheProgramCannotStart()
{
    KindTestRun run({}, {});
    AdminProgramKind kind(QStringLiteral("site.none"),
                          spec(m_dir.filePath(QStringLiteral("gone"))));
    const KindOutcome outcome = run.run(kind);
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error.code, QStringLiteral("job_error"));
    QVERIFY(!outcome.retryable);
    QVERIFY2(outcome.error.message.contains(QLatin1String("could not be started (exec:")),
             qPrintable(outcome.error.message));

    ProgramSpec badDir = spec(QStringLiteral("/bin/true"));
    badDir.workingDirectory = m_dir.filePath(QStringLiteral("no-such-folder"));
    AdminProgramKind lost(QStringLiteral("site.lost"), badDir);
    const KindOutcome lostOutcome = run.run(lost);
    QVERIFY(!lostOutcome.ok);
    QVERIFY2(lostOutcome.error.message.contains(QLatin1String("(chdir:")),
             qPrintable(lostOutcome.error.message));
}

void tst_AdminProgramKind::failsWhenTheResultIsMissing()
{
    const QString program = script(QStringLiteral("noresult.sh"), "echo 'RESULT nowhere.csv'\n");
    KindTestRun run({}, {});
    AdminProgramKind kind(QStringLiteral("site.noresult"), spec(program));
    const KindOutcome outcome = run.run(kind);
    QVERIFY(!outcome.ok);
    QVERIFY(!outcome.retryable);
    QVERIFY2(
        outcome.error.message.contains(QLatin1String("nowhere.csv, which is not a readable file")),
        qPrintable(outcome.error.message));
}

void tst_AdminProgramKind::cancelStopsTheWholeGroup()
{
    // A script that leaves a grandchild: cancelling must reach it too.
    const QString program = script(QStringLiteral("hang.sh"), R"sh(
sh -c 'sleep 600; :' jobdesk-test-marker-hang &
echo "PROGRESS 5 waiting"
wait
)sh");
    KindTestRun run({}, {});
    AdminProgramKind kind(QStringLiteral("site.hang"), spec(program));
    QElapsedTimer sinceCancel;
    std::thread canceller([&] {
        while (run.progress().empty())
            std::this_thread::sleep_for(10ms);
        sinceCancel.start();
        run.token.cancel();
    });
    const KindOutcome outcome = run.run(kind);
    const qint64 took = sinceCancel.elapsed();
    canceller.join();
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error.code, QStringLiteral("cancelled"));
    QVERIFY2(took < 1500, qPrintable(QString::number(took)));
    QCOMPARE(processesWith("jobdesk-test-marker-hang"), 0);

    // The worker shutting down ends it the same way, as a retryable error.
    KindTestRun stopped({}, {});
    stopped.token.requestStop();
    const KindOutcome stoppedOutcome = stopped.run(kind);
    QVERIFY(!stoppedOutcome.ok);
    QCOMPARE(stoppedOutcome.error.code, QStringLiteral("job_error"));
    QVERIFY(stoppedOutcome.retryable);
    QCOMPARE(processesWith("jobdesk-test-marker-hang"), 0);
}

void tst_AdminProgramKind::killsAProgramThatIgnoresSigterm()
{
    const QString program = script(QStringLiteral("stubborn.sh"), R"sh(
trap '' TERM
sh -c 'trap "" TERM; sleep 600; :' jobdesk-test-marker-stubborn &
echo "PROGRESS 1 not listening"
while :; do sleep 0.05; done
)sh");
    KindTestRun run({}, {});
    AdminProgramKind kind(QStringLiteral("site.stubborn"), spec(program));
    QElapsedTimer sinceCancel;
    std::thread canceller([&] {
        while (run.progress().empty())
            std::this_thread::sleep_for(10ms);
        sinceCancel.start();
        run.token.cancel();
    });
    const KindOutcome outcome = run.run(kind);
    const qint64 took = sinceCancel.elapsed();
    canceller.join();
    QCOMPARE(outcome.error.code, QStringLiteral("cancelled"));
    // SIGTERM, the grace period, then SIGKILL: well before the backend's own
    // grace period ends.
    QVERIFY2(took >= 1900 && took < 4000, qPrintable(QString::number(took)));
    QCOMPARE(processesWith("jobdesk-test-marker-stubborn"), 0);
}

void tst_AdminProgramKind::keepsOnlyTheTailOfAStderrFlood()
{
    const QString program = script(QStringLiteral("flood.sh"), R"sh(
head -c 60000000 /dev/zero | tr '\0' 'e' >&2
echo >&2
echo "the last words" >&2
)sh");
    const qint64 before = peakRssOfThisProcess();
    KindTestRun run({}, {});
    AdminProgramKind kind(QStringLiteral("site.flood"), spec(program));
    const KindOutcome outcome = run.run(kind);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    QVERIFY(outcome.stderrTail.endsWith(QLatin1String("\nthe last words\n")));
    QVERIFY(outcome.stderrTail.size() <= 64 * 1024);
    QVERIFY(outcome.stderrTail.size() > 60 * 1024);
    QVERIFY2(peakRssOfThisProcess() - before < 20 * 1024 * 1024,
             qPrintable(QString::number(peakRssOfThisProcess() - before)));
}

void tst_AdminProgramKind::survivesAnEndlessLine()
{
    const QString program = script(QStringLiteral("longline.sh"), R"sh(
head -c 60000000 /dev/zero | tr '\0' 'x'
printf '\nPROGRESS 50 after the long line\n'
printf 'PROGRESS 60 no newline at the end'
)sh");
    const qint64 before = peakRssOfThisProcess();
    KindTestRun run({}, {});
    AdminProgramKind kind(QStringLiteral("site.longline"), spec(program));
    const KindOutcome outcome = run.run(kind);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message));
    const auto reports = run.progress();
    QCOMPARE(reports.size(), std::size_t(2));
    QCOMPARE(reports[0].message, QStringLiteral("after the long line"));
    QCOMPARE(reports[1].message, QStringLiteral("no newline at the end"));
    QVERIFY2(peakRssOfThisProcess() - before < 20 * 1024 * 1024,
             qPrintable(QString::number(peakRssOfThisProcess() - before)));
}

void tst_AdminProgramKind::stopsTheGroupWhenTheWorkerIsKilled()
{
    const QString program = script(QStringLiteral("orphan.sh"), R"sh(
sh -c 'sleep 600; :' jobdesk-test-marker-orphan &
echo "PROGRESS 5 started"
wait
)sh");
    KindCatalog catalog = KindCatalog::builtin();
    KindInfo hang;
    hang.name = QStringLiteral("site.orphan");
    hang.paramsSchema = QJsonObject{{QStringLiteral("type"), QStringLiteral("object")}};
    hang.program = spec(program);
    catalog.add(hang);
    KindInfo quick = hang;
    quick.name = QStringLiteral("site.quick");
    quick.program = spec(QStringLiteral("/bin/true"));
    catalog.add(quick);
    const QString catalogFile = m_dir.filePath(QStringLiteral("catalog.json"));
    QString error;
    QVERIFY2(catalog.writeWorkerFile(catalogFile, &error), qPrintable(error));

    WorkerHarness worker;
    QVERIFY2(worker.start(catalogFile), qPrintable(worker.errorText()));
    bool started = false;
    const qint64 workerPid = worker.pid();
    // Wait for the program to report, then kill the worker without a word.
    worker.run(QStringLiteral("site.orphan"), {}, 10000, [&](const WorkerMessage &) {
        if (!started) {
            started = true;
            QCOMPARE(processesWith("jobdesk-test-marker-orphan"), 1);
            ::kill(pid_t(workerPid), SIGKILL);
        }
    });
    QVERIFY(started);
    QTRY_COMPARE_WITH_TIMEOUT(processesWith("jobdesk-test-marker-orphan"), 0, 5000);

    // The killed worker could not remove its work folder; the next worker
    // to run a program does.
    const QString abandoned = QStringLiteral("jobdesk-job-%1-*").arg(workerPid);
    QCOMPARE(QDir(QDir::tempPath()).entryList({abandoned}, QDir::Dirs).size(), 1);
    WorkerHarness next;
    QVERIFY2(next.start(catalogFile), qPrintable(next.errorText()));
    const auto done = next.run(QStringLiteral("site.quick"), {}, 10000);
    QVERIFY(done && done->type == WorkerMessageType::Done);
    QCOMPARE(QDir(QDir::tempPath()).entryList({abandoned}, QDir::Dirs).size(), 0);
}

void tst_AdminProgramKind::runsTheShippedExample()
{
    // The example config, pointed at the example script in the source tree.
    QFile example(QStringLiteral(JOBDESK_EXAMPLES_DIR "/kinds/jobdeskd.conf.example"));
    QVERIFY(example.open(QIODevice::ReadOnly));
    QByteArray config = example.readAll();
    config.replace("program=/usr/local/lib/jobdesk/folder-report.py",
                   "program=" JOBDESK_EXAMPLES_DIR "/kinds/folder-report.py");
    const QString configPath = m_dir.filePath(QStringLiteral("example.conf"));
    QFile out(configPath);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(config);
    out.close();
    QString error;
    const std::optional<KindCatalog::Settings> settings =
        KindCatalog::readSettings(configPath, &error);
    const std::optional<QList<KindInfo>> kinds =
        settings ? std::optional<QList<KindInfo>>(settings->adminKinds) : std::nullopt;
    QVERIFY2(kinds && kinds->size() == 1, qPrintable(error));
    const KindInfo &kind = kinds->first();
    QCOMPARE(kind.name, QStringLiteral("site.folder_report"));

    const QString tree = m_dir.filePath(QStringLiteral("tree"));
    QVERIFY(QDir().mkpath(tree + QStringLiteral("/big")));
    QVERIFY(QDir().mkpath(tree + QStringLiteral("/small")));
    QFile big(tree + QStringLiteral("/big/a.bin"));
    QVERIFY(big.open(QIODevice::WriteOnly));
    big.write(QByteArray(5000, 'a'));
    big.close();
    QFile small(tree + QStringLiteral("/small/b.bin"));
    QVERIFY(small.open(QIODevice::WriteOnly));
    small.write(QByteArray(10, 'b'));
    small.close();

    const QJsonObject params = withDefaults(kind.paramsSchema, {{QStringLiteral("root"), tree}});
    QVERIFY(validateParams(kind.paramsSchema, params).isEmpty());
    KindTestRun run(params, {m_dir.path()});
    AdminProgramKind program(kind.name, *kind.program);
    const KindOutcome outcome = run.run(program);
    QVERIFY2(outcome.ok, qPrintable(outcome.error.message + QLatin1Char(' ') + outcome.stderrTail));
    QCOMPARE(run.filename(), QStringLiteral("folder-report.csv"));
    const QList<QByteArray> lines = run.result().trimmed().split('\n');
    QCOMPARE(lines.size(), 4);
    QCOMPARE(lines[0].trimmed(), QByteArray("folder,files,bytes"));
    QCOMPARE(lines[1].trimmed(), QByteArray(".,2,5010"));
    QCOMPARE(lines[2].trimmed(), QByteArray("big,1,5000"));
    QVERIFY(!run.progress().empty());
}

QTEST_GUILESS_MAIN(tst_AdminProgramKind)
#include "tst_adminprogramkind.moc"
