#include "benchoptions.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace jobdesk::bench {

std::size_t BenchOptions::countFor(const QString &scenario) const
{
    if (count)
        return *count;
    if (scenario == QLatin1String("e2e"))
        return 10000;
    if (scenario == QLatin1String("http-submit-1"))
        return 5000; // one fsync-bound commit each: keep the run short
    if (scenario == QLatin1String("http-poll"))
        return 100000; // each: long enough to measure at tens of thousands a second
    return 20000;
}

namespace {

bool readPositive(const QCommandLineParser &parser, const QString &name, long long max,
                  long long *out, QString *error)
{
    if (!parser.isSet(name))
        return true;
    bool ok = false;
    const long long v = parser.value(name).toLongLong(&ok);
    if (!ok || v < 1 || v > max) {
        *error = QStringLiteral("--%1: expected a whole number from 1 to %2, got \"%3\"")
                     .arg(name)
                     .arg(max)
                     .arg(parser.value(name));
        return false;
    }
    *out = v;
    return true;
}

} // namespace

bool parseBenchOptions(const QStringList &arguments, BenchOptions *options, QString *error)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Measures the real jobdeskd (its production durability, nothing disabled): durable "
        "submits over HTTP and ZeroMQ, status polls, and end-to-end job throughput. Each "
        "scenario runs against a fresh jobdeskd in a temporary data dir. See "
        "docs/benchmarks.md."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({
        {QStringLiteral("scenario"),
         QStringLiteral("all, or one or more (comma-separated) of: %1.")
             .arg(kScenarioNames.join(QStringLiteral(", "))),
         QStringLiteral("name"), QStringLiteral("all")},
        {QStringLiteral("count"),
         QStringLiteral(
             "Operations per scenario (default 20000; http-submit-1 5000; http-poll 100000 of each "
             "kind; e2e 10000)."),
         QStringLiteral("n")},
        {QStringLiteral("connections"),
         QStringLiteral("Concurrent keep-alive HTTP connections (default 32)."),
         QStringLiteral("n")},
        {QStringLiteral("window"),
         QStringLiteral("ZeroMQ submits in flight on the DEALER socket (default 64)."),
         QStringLiteral("n")},
        {QStringLiteral("workers"),
         QStringLiteral("Workers of the e2e daemon (default 2). The submit and poll scenarios "
                        "run with one worker kept busy so that their jobs stay PENDING."),
         QStringLiteral("n")},
        {QStringLiteral("repeat"),
         QStringLiteral("Runs of each scenario, each against a fresh daemon; medians are "
                        "printed at the end (default 1)."),
         QStringLiteral("n")},
        {QStringLiteral("poll-ids"),
         QStringLiteral("Jobs the status polls rotate over (default 1000)."), QStringLiteral("n")},
        {QStringLiteral("jobdeskd"),
         QStringLiteral("The jobdeskd to run (default: the one beside this program)."),
         QStringLiteral("path")},
        {QStringLiteral("data-parent"),
         QStringLiteral("Folder for the temporary data dirs; must be on the disk being "
                        "measured, not tmpfs (default: the system temporary folder)."),
         QStringLiteral("dir")},
        {QStringLiteral("keep-data"), QStringLiteral("Keep the data dirs (and jobdeskd logs).")},
    });
    if (!parser.parse(arguments)) {
        *error = parser.errorText();
        return false;
    }
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();

    if (!parser.positionalArguments().isEmpty()) {
        *error =
            QStringLiteral("unexpected argument \"%1\"").arg(parser.positionalArguments().first());
        return false;
    }
    const QString scenario = parser.value(QStringLiteral("scenario"));
    if (scenario == QLatin1String("all")) {
        options->scenarios = kScenarioNames;
    } else {
        for (const QString &name : scenario.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            if (!kScenarioNames.contains(name)) {
                *error = QStringLiteral("--scenario: unknown scenario \"%1\" (expected all or %2)")
                             .arg(name, kScenarioNames.join(QStringLiteral(", ")));
                return false;
            }
            options->scenarios.append(name);
        }
        if (options->scenarios.isEmpty()) {
            *error = QStringLiteral("--scenario: no scenario named");
            return false;
        }
    }

    long long value = 0;
    if (!readPositive(parser, QStringLiteral("count"), 100000000, &value, error))
        return false;
    if (parser.isSet(QStringLiteral("count")))
        options->count = static_cast<std::size_t>(value);
    value = options->connections;
    if (!readPositive(parser, QStringLiteral("connections"), 1000, &value, error))
        return false;
    options->connections = static_cast<int>(value);
    value = options->window;
    if (!readPositive(parser, QStringLiteral("window"), 100000, &value, error))
        return false;
    options->window = static_cast<int>(value);
    value = options->workers;
    if (!readPositive(parser, QStringLiteral("workers"), 256, &value, error))
        return false;
    options->workers = static_cast<int>(value);
    value = options->repeat;
    if (!readPositive(parser, QStringLiteral("repeat"), 100, &value, error))
        return false;
    options->repeat = static_cast<int>(value);
    value = static_cast<long long>(options->pollIds);
    if (!readPositive(parser, QStringLiteral("poll-ids"), 1000000, &value, error))
        return false;
    options->pollIds = static_cast<std::size_t>(value);

    options->daemonProgram =
        parser.isSet(QStringLiteral("jobdeskd"))
            ? parser.value(QStringLiteral("jobdeskd"))
            : QCoreApplication::applicationDirPath() + QStringLiteral("/jobdeskd");
    if (!QFileInfo(options->daemonProgram).isExecutable()) {
        *error = QStringLiteral("--jobdeskd: %1 is not an executable").arg(options->daemonProgram);
        return false;
    }
    options->dataParent = parser.isSet(QStringLiteral("data-parent"))
                              ? parser.value(QStringLiteral("data-parent"))
                              : QDir::tempPath();
    if (!QFileInfo(options->dataParent).isDir()) {
        *error = QStringLiteral("--data-parent: %1 is not a folder").arg(options->dataParent);
        return false;
    }
    options->keepData = parser.isSet(QStringLiteral("keep-data"));
    return true;
}

} // namespace jobdesk::bench
