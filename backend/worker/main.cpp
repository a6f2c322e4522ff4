// jobdesk-worker: one worker process, started and supervised by jobdeskd.

#include "jobkindregistry.h"
#include "jobrunner.h"
#include "kindcatalog.h"
#include "paramsschema.h"
#include "pdf/pdfrendermain.h"
#include "version.h"
#include "workerloop.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <pthread.h>
#include <sys/signalfd.h>

using namespace jobdesk;

namespace {

constexpr int kUsageError = 2;
constexpr const char *kSecretVariable = "JOBDESK_WORKER_SECRET";

int usageError(const QString &message)
{
    std::fprintf(stderr, "jobdesk-worker: %s\n", qPrintable(message));
    return kUsageError;
}

} // namespace

int main(int argc, char *argv[])
{
    // A short-lived child of a worker that draws one PDF (see
    // PdfRenderProcess): it needs a QGuiApplication, which the worker itself
    // never creates.
    if (argc > 1 && std::strcmp(argv[1], kRenderPdfSwitch) == 0)
        return renderPdfMain(argc, argv);

    // Stop signals are taken through a signalfd in the socket thread's poll.
    // They are blocked before any thread exists (ZeroMQ's I/O thread, the job
    // thread) so that every thread inherits the mask and none of them can be
    // picked to receive one.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("jobdesk-worker"));
    QCoreApplication::setApplicationVersion(QStringLiteral(JOBDESK_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "One Jobdesk worker process: runs jobs handed over by jobdeskd.\n"
        "Started and supervised by jobdeskd, never by hand. The per-spawn secret is read\n"
        "from the environment variable JOBDESK_WORKER_SECRET."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption endpointOption(
        QStringLiteral("endpoint"), QStringLiteral("The backend's worker channel (ZeroMQ)."),
        QStringLiteral("endpoint"));
    const QCommandLineOption identityOption(QStringLiteral("identity"),
                                            QStringLiteral("This worker's name on the channel."),
                                            QStringLiteral("identity"));
    const QCommandLineOption epochOption(
        QStringLiteral("epoch"), QStringLiteral("The run of jobdeskd that started this worker."),
        QStringLiteral("epoch"));
    const QCommandLineOption resultsDirOption(QStringLiteral("results-dir"),
                                              QStringLiteral("Where large results are written."),
                                              QStringLiteral("dir"));
    const QCommandLineOption catalogOption(
        QStringLiteral("catalog"),
        QStringLiteral("The kinds and input roots, as jobdeskd resolved them (default: the "
                       "built-in kinds, the home folder as the only input root)."),
        QStringLiteral("file"));
    const QCommandLineOption startedFileOption(
        QStringLiteral("started-file"),
        QStringLiteral("Where the fence of each attempt is written as it starts, for jobdeskd "
                       "to read should this worker die."),
        QStringLiteral("file"));
    parser.addOptions({endpointOption, identityOption, epochOption, resultsDirOption, catalogOption,
                       startedFileOption});

    if (!parser.parse(QCoreApplication::arguments()))
        return usageError(parser.errorText());
    if (parser.isSet(helpOption))
        parser.showHelp(0);
    if (parser.isSet(versionOption))
        parser.showVersion();
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("unexpected argument '%1'")
                              .arg(parser.positionalArguments().constFirst()));
    for (const QCommandLineOption *required :
         {&endpointOption, &identityOption, &epochOption, &resultsDirOption}) {
        if (parser.value(*required).isEmpty())
            return usageError(
                QStringLiteral("--%1 is required").arg(required->names().constFirst()));
    }

    const QByteArray identity = parser.value(identityOption).toUtf8();
    if (identity.size() > 255)
        return usageError(QStringLiteral("--identity: at most 255 bytes"));
    const QString resultsDir = parser.value(resultsDirOption);
    if (!QFileInfo(resultsDir).isDir())
        return usageError(QStringLiteral("--results-dir: %1 is not a folder").arg(resultsDir));

    KindCatalog catalog = KindCatalog::builtin();
    if (parser.isSet(catalogOption)) {
        QString error;
        std::optional<KindCatalog> read =
            KindCatalog::readWorkerFile(parser.value(catalogOption), &error);
        if (!read)
            return usageError(QStringLiteral("--catalog: %1").arg(error));
        catalog = std::move(*read);
        // The catalog lives in jobdeskd's data dir, which no job may read.
        setDeniedInputPaths({QFileInfo(parser.value(catalogOption)).absolutePath()});
    }

    const QString secret = qEnvironmentVariable(kSecretVariable);
    if (secret.isEmpty())
        return usageError(QStringLiteral("%1 is not set").arg(QLatin1String(kSecretVariable)));
    // Programs that jobs start must not inherit it.
    qunsetenv(kSecretVariable);

    const int stopFd = signalfd(-1, &stopSignals, SFD_CLOEXEC | SFD_NONBLOCK);
    if (stopFd < 0) {
        std::perror("jobdesk-worker: signalfd");
        return 1;
    }

    const JobKindRegistry registry = JobKindRegistry::forCatalog(catalog);
    const JobRunner runner(std::move(catalog), registry, resultsDir);
    WorkerLoop::Options options;
    options.endpoint = parser.value(endpointOption).toStdString();
    options.identity = identity;
    options.secret = secret;
    options.startedFile = parser.value(startedFileOption);
    WorkerLoop loop(options, runner);
    return loop.run(stopFd);
}
