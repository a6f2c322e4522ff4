// bench_csvsummary: times report.csv_summary in a real jobdesk-worker on a
// generated CSV, next to pandas.read_csv(...).describe() on the same file in
// the same run, and prints throughput and peak memory for both.
//
//   bench_csvsummary [--size-mb N] [--dir DIR] [--python PATH] [--no-pandas] [--keep]
//
// Needs JOBDESK_BIN_DIR (the folder of jobdesk-worker); Debian's
// python3-pandas for the comparison.

#include "csvfixtures.h"
#include "kindcatalog.h"
#include "workerharness.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <unistd.h>

using namespace jobdesk;

namespace {

constexpr double kMB = 1.0e6;

// Reads the file once so both contenders start from a warm page cache.
void warmCache(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return;
    QByteArray chunk(4 << 20, Qt::Uninitialized);
    while (file.read(chunk.data(), chunk.size()) > 0) {
    }
}

struct Figures
{
    bool ok = false;
    double seconds = 0;    // wall clock
    double cpuSeconds = 0; // user + system time of the process doing the work
    double peakMB = 0;
    long long rows = 0;
    QString note;
};

// User plus system time of a process so far, from /proc/<pid>/stat.
double cpuSecondsOf(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray line = stat.readAll();
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return 0;
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    return double(fields[11].toLongLong() + fields[12].toLongLong()) /
           double(::sysconf(_SC_CLK_TCK));
}

Figures runWorker(const QString &csv, const QString &root)
{
    Figures f;
    QTemporaryDir dir;
    KindCatalog catalog = KindCatalog::builtin();
    catalog.setInputRoots({root});
    const QString catalogFile = dir.filePath(QStringLiteral("catalog.json"));
    QString error;
    if (!catalog.writeWorkerFile(catalogFile, &error)) {
        f.note = error;
        return f;
    }
    WorkerHarness worker;
    if (!worker.start(catalogFile)) {
        f.note = worker.errorText();
        return f;
    }
    const double startupMB = double(worker.peakRssBytes()) / kMB;
    const double cpuBefore = cpuSecondsOf(worker.pid());
    QElapsedTimer clock;
    clock.start();
    const auto done = worker.run(QStringLiteral("report.csv_summary"),
                                 QJsonObject{{QStringLiteral("input"), csv},
                                             {QStringLiteral("format"), QStringLiteral("json")}},
                                 3600 * 1000);
    f.seconds = double(clock.nsecsElapsed()) / 1e9;
    f.cpuSeconds = cpuSecondsOf(worker.pid()) - cpuBefore;
    f.peakMB = double(worker.peakRssBytes()) / kMB;
    if (!done || done->type != WorkerMessageType::Done) {
        f.note = done ? done->error.message : QStringLiteral("no answer");
        return f;
    }
    QByteArray json = done->inlineData;
    if (!done->resultFile.isEmpty()) {
        QFile result(QDir(worker.resultsDir()).filePath(done->resultFile));
        if (result.open(QIODevice::ReadOnly))
            json = result.readAll();
    }
    f.rows = QJsonDocument::fromJson(json).object().value(QStringLiteral("rows")).toInteger();
    f.ok = true;
    f.note = QStringLiteral("worker at start: %1 MB").arg(startupMB, 0, 'f', 1);
    return f;
}

Figures runPandas(const QString &python, const QString &csv)
{
    Figures f;
    // Timed inside Python so that the interpreter's and pandas' start-up do
    // not count; ru_maxrss is the process's peak resident memory in KiB.
    const QString script =
        QStringLiteral("import resource, sys, time\n"
                       "import pandas as pd\n"
                       "r = resource.getrusage(resource.RUSAGE_SELF)\n"
                       "t = time.perf_counter()\n"
                       "df = pd.read_csv(sys.argv[1])\n"
                       "d = df.describe()\n"
                       "wall = time.perf_counter() - t\n"
                       "s = resource.getrusage(resource.RUSAGE_SELF)\n"
                       "cpu = (s.ru_utime + s.ru_stime) - (r.ru_utime + r.ru_stime)\n"
                       "print(len(df), wall, cpu, s.ru_maxrss)\n");
    QProcess p;
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    p.start(python, {QStringLiteral("-c"), script, csv});
    if (!p.waitForFinished(3600 * 1000) || p.exitStatus() != QProcess::NormalExit ||
        p.exitCode() != 0) {
        f.note = QStringLiteral("pandas did not run (%1)").arg(p.errorString());
        return f;
    }
    const QList<QByteArray> parts = p.readAllStandardOutput().trimmed().split(' ');
    if (parts.size() != 4) {
        f.note = QStringLiteral("unexpected output from pandas");
        return f;
    }
    f.rows = parts[0].toLongLong();
    f.seconds = parts[1].toDouble();
    f.cpuSeconds = parts[2].toDouble();
    f.peakMB = parts[3].toDouble() * 1024.0 / kMB;
    f.ok = true;
    return f;
}

void print(const char *who, const Figures &f, double fileMB)
{
    if (!f.ok) {
        std::printf("%-30s failed: %s\n", who, qPrintable(f.note));
        return;
    }
    std::printf(
        "%-30s %9lld rows %7.2f s %7.1f MB/s (CPU %6.2f s, %7.1f MB/s)  peak %7.1f MB  %s\n", who,
        f.rows, f.seconds, fileMB / f.seconds, f.cpuSeconds,
        f.cpuSeconds > 0 ? fileMB / f.cpuSeconds : 0.0, f.peakMB, qPrintable(f.note));
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Times report.csv_summary in a real jobdesk-worker next to pandas."));
    parser.addHelpOption();
    const QCommandLineOption sizeOption(QStringLiteral("size-mb"),
                                        QStringLiteral("Size of the generated CSV (default 300)."),
                                        QStringLiteral("N"), QStringLiteral("300"));
    const QCommandLineOption dirOption(
        QStringLiteral("dir"), QStringLiteral("Where to generate it (default: a temp dir)."),
        QStringLiteral("DIR"));
    const QCommandLineOption pythonOption(
        QStringLiteral("python"), QStringLiteral("Python with pandas (default /usr/bin/python3)."),
        QStringLiteral("PATH"), QStringLiteral("/usr/bin/python3"));
    const QCommandLineOption noPandasOption(QStringLiteral("no-pandas"),
                                            QStringLiteral("Skip pandas."));
    const QCommandLineOption keepOption(QStringLiteral("keep"), QStringLiteral("Keep the CSV."));
    parser.addOptions({sizeOption, dirOption, pythonOption, noPandasOption, keepOption});
    parser.process(app);

    if (!QFileInfo(WorkerHarness::workerProgram()).isExecutable()) {
        std::fprintf(stderr, "set JOBDESK_BIN_DIR to the folder of jobdesk-worker\n");
        return 2;
    }
    // Without --dir, a temporary folder that goes away with the file.
    std::unique_ptr<QTemporaryDir> temp;
    if (!parser.isSet(dirOption)) {
        temp = std::make_unique<QTemporaryDir>();
        temp->setAutoRemove(!parser.isSet(keepOption));
    }
    const QString dir =
        temp ? temp->path() : QFileInfo(parser.value(dirOption)).canonicalFilePath();
    const QString csv = QDir(dir).filePath(QStringLiteral("bench-sales.csv"));
    const long long targetBytes = parser.value(sizeOption).toLongLong() * 1000 * 1000;

    QElapsedTimer clock;
    clock.start();
    const long long rows = csvfixtures::writeSales(csv, targetBytes);
    if (rows < 0) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(csv));
        return 1;
    }
    const double fileMB = double(QFileInfo(csv).size()) / kMB;
    std::printf("generated %s: %.1f MB, %lld rows, 8 columns, in %.1f s\n", qPrintable(csv), fileMB,
                rows, double(clock.elapsed()) / 1000.0);
    double load[3] = {0, 0, 0};
    ::getloadavg(load, 3);
    std::printf("machine: %d cores, load average %.1f; page cache warm for both\n",
                QThread::idealThreadCount(), load[0]);

    warmCache(csv);
    print("report.csv_summary (worker)", runWorker(csv, dir), fileMB);
    if (!parser.isSet(noPandasOption)) {
        warmCache(csv);
        print("pandas read_csv().describe()", runPandas(parser.value(pythonOption), csv), fileMB);
    }
    if (!parser.isSet(keepOption))
        QFile::remove(csv);
    return 0;
}
