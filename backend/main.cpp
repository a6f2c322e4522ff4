// jobdeskd: the Jobdesk backend service.

#include "daemon.h"
#include "daemonconfig.h"
#include "loglinewriter.h"
#include "signalwatcher.h"
#include "version.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <cstdio>

namespace {

void applyLogLevel(const QString &level)
{
    QString rules;
    if (level == QLatin1String("debug"))
        rules = QStringLiteral("jobdesk.*.debug=true");
    else if (level == QLatin1String("info"))
        rules = QStringLiteral("jobdesk.*.debug=false");
    else if (level == QLatin1String("warning"))
        rules = QStringLiteral("jobdesk.*.debug=false\njobdesk.*.info=false");
    else
        rules =
            QStringLiteral("jobdesk.*.debug=false\njobdesk.*.info=false\njobdesk.*.warning=false");
    QLoggingCategory::setFilterRules(rules);
}

} // namespace

int main(int argc, char *argv[])
{
    jobdesk::LogLineWriter::install();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("jobdeskd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(JOBDESK_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "The Jobdesk backend: accepts jobs over HTTP and ZeroMQ, stores them durably and runs "
        "them in supervised worker processes."));
    parser.addHelpOption();
    parser.addVersionOption();
    jobdesk::DaemonConfig::addOptions(parser);
    if (!parser.parse(QCoreApplication::arguments())) {
        std::fprintf(stderr, "jobdeskd: %s\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "jobdeskd: unexpected argument \"%s\"\n",
                     qPrintable(parser.positionalArguments().constFirst()));
        return 2;
    }

    jobdesk::DaemonConfig config;
    QString error;
    if (!config.load(parser, &error)) {
        std::fprintf(stderr, "jobdeskd: %s\n", qPrintable(error));
        return 2;
    }
    applyLogLevel(config.logLevel);

    jobdesk::SignalWatcher signalWatcher;
    jobdesk::Daemon daemon(config);
    int exitCode = 1;
    if (!daemon.start(&error, &exitCode)) {
        std::fprintf(stderr, "jobdeskd: %s\n", qPrintable(error));
        daemon.stop();
        return exitCode;
    }
    // The first signal stops gracefully; a second one stops at once.
    QObject::connect(&signalWatcher, &jobdesk::SignalWatcher::terminationRequested, &app,
                     [&daemon, asked = false](int) mutable {
                         if (asked) {
                             daemon.stop();
                             QCoreApplication::quit();
                             return;
                         }
                         asked = true;
                         daemon.shutdown();
                     });
    QObject::connect(&daemon, &jobdesk::Daemon::stopped, &app, &QCoreApplication::quit);

    std::printf("%s\n", qPrintable(daemon.readyLine()));
    std::fflush(stdout);
    return app.exec();
}
