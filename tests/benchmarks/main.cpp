// jobdesk-bench: measures the real jobdeskd. See docs/benchmarks.md.

#include "benchoptions.h"
#include "processprobe.h"
#include "scenarios.h"
#include "version.h"

#include <QCoreApplication>
#include <QStorageInfo>
#include <QSysInfo>
#include <cstdio>
#include <map>
#include <unistd.h>

using namespace jobdesk::bench;

namespace {

void printLine(const std::string &line)
{
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

ScenarioOutcome runScenario(const BenchOptions &options, const QString &name, PeakMemory &peak)
{
    if (name == QLatin1String("sqlite-baseline"))
        return runSqliteBaseline(options);
    if (name == QLatin1String("http-submit-32"))
        return runHttpSubmit(options, "http-submit-32", options.connections, peak);
    if (name == QLatin1String("http-submit-1"))
        return runHttpSubmit(options, "http-submit-1", 1, peak);
    if (name == QLatin1String("zmq-submit"))
        return runZmqSubmit(options, peak);
    if (name == QLatin1String("http-poll"))
        return runHttpPoll(options, peak);
    return runEndToEnd(options, peak);
}

/// polls/s divided by healthz/s of one run, or 0 when the run lacks either.
double pollRatio(const std::vector<ScenarioFigures> &figures)
{
    double poll = 0, health = 0;
    for (const ScenarioFigures &f : figures) {
        if (f.name == "http-poll")
            poll = f.rate();
        else if (f.name == "http-healthz")
            health = f.rate();
    }
    return health > 0 ? poll / health : 0;
}

void printRatio(const char *label, double ratio)
{
    char line[128];
    std::snprintf(line, sizeof line, "%-18s polls/healthz=%.2f", label, ratio);
    printLine(line);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("jobdesk-bench"));
    QCoreApplication::setApplicationVersion(QStringLiteral(JOBDESK_VERSION));

    BenchOptions options;
    QString error;
    if (!parseBenchOptions(QCoreApplication::arguments(), &options, &error)) {
        std::fprintf(stderr, "jobdesk-bench: %s\n", qPrintable(error));
        return 2;
    }

    const QStorageInfo storage(options.dataParent);
    printLine(QStringLiteral("jobdesk-bench %1: jobdeskd %2, data under %3 (%4 on %5), %6 CPUs")
                  .arg(QStringLiteral(JOBDESK_VERSION), options.daemonProgram, options.dataParent,
                       QString::fromUtf8(storage.fileSystemType()),
                       QString::fromUtf8(storage.device()))
                  .arg(sysconf(_SC_NPROCESSORS_ONLN))
                  .toStdString());
    if (storage.fileSystemType() == "tmpfs" || storage.fileSystemType() == "ramfs") {
        std::fprintf(stderr,
                     "jobdesk-bench: warning: %s is in memory: fsync costs nothing there, "
                     "so these are not durable figures (use --data-parent)\n",
                     qPrintable(options.dataParent));
    }

    PeakMemory peak;
    std::map<std::string, std::vector<ScenarioFigures>> runsByName;
    std::vector<std::string> order;
    std::vector<double> ratios;
    bool failed = false;
    for (int run = 1; run <= options.repeat; ++run) {
        for (const QString &name : options.scenarios) {
            ScenarioOutcome outcome;
            if (name != QLatin1String("sqlite-baseline")) {
                std::string probeError;
                ScenarioFigures probe = probeDisk(options, &probeError);
                if (probeError.empty())
                    outcome.figures.push_back(probe);
                else
                    std::fprintf(stderr, "jobdesk-bench: disk probe: %s\n", probeError.c_str());
            }
            ScenarioOutcome measured = runScenario(options, name, peak);
            outcome.figures.insert(outcome.figures.end(), measured.figures.begin(),
                                   measured.figures.end());
            outcome.warnings = std::move(measured.warnings);
            outcome.error = std::move(measured.error);
            for (const ScenarioFigures &f : outcome.figures) {
                if (!runsByName.count(f.name))
                    order.push_back(f.name);
                runsByName[f.name].push_back(f);
                printLine(f.format());
            }
            if (name == QLatin1String("http-poll") && pollRatio(outcome.figures) > 0) {
                ratios.push_back(pollRatio(outcome.figures));
                printRatio("http-poll-ratio", ratios.back());
            }
            for (const std::string &warning : outcome.warnings)
                std::fprintf(stderr, "jobdesk-bench: warning: %s\n", warning.c_str());
            if (!outcome.error.empty()) {
                std::fprintf(stderr, "jobdesk-bench: %s: %s\n", qPrintable(name),
                             outcome.error.c_str());
                failed = true;
            }
        }
    }

    if (options.repeat > 1) {
        printLine("-- medians of " + std::to_string(options.repeat) + " runs --");
        for (const std::string &name : order)
            printLine(medianOf(runsByName[name]).format());
        if (!ratios.empty()) {
            std::sort(ratios.begin(), ratios.end());
            const std::size_t mid = ratios.size() / 2;
            printRatio("http-poll-ratio",
                       ratios.size() % 2 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2);
        }
    }
    auto mib = [](long kib) {
        return kib < 0 ? std::string("n/a")
                       : std::to_string(kib / 1024) + '.' + std::to_string(kib % 1024 * 10 / 1024) +
                             " MiB";
    };
    const std::string memory = "peak RSS (VmHWM): jobdeskd " + mib(peak.daemonKiB) +
                               ", largest jobdesk-worker " + mib(peak.workerKiB) +
                               ", jobdesk-bench " + mib(processprobe::peakRssKiB(getpid()));
    printLine(memory);
    return failed ? 1 : 0;
}
