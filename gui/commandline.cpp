#include "commandline.h"

#include "version.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <cstdio>

namespace jobdesk {

std::optional<CommandLine> parseCommandLine(const QStringList &arguments, int *exitCode)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Jobdesk desktop monitor: submit, follow, cancel and open the jobs of a "
                       "jobdeskd backend.\nWith no flags and no backend answering, it offers to "
                       "start a local jobdeskd."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const ConnectionConfig defaults = ConnectionConfig::defaults();
    const QCommandLineOption control(
        QStringLiteral("control"),
        QStringLiteral("ZeroMQ control endpoint of jobdeskd (default: %1).").arg(defaults.control),
        QStringLiteral("ENDPOINT"));
    const QCommandLineOption events(
        QStringLiteral("events"),
        QStringLiteral("ZeroMQ events endpoint (default: the one the backend announces)."),
        QStringLiteral("ENDPOINT"));
    const QCommandLineOption http(
        QStringLiteral("http"),
        QStringLiteral("HTTP address of jobdeskd, for result downloads (default: the one the "
                       "backend announces)."),
        QStringLiteral("HOST:PORT"));
    const QCommandLineOption tokenFile(
        QStringLiteral("api-token-file"),
        QStringLiteral("File holding the API token (default: %1).").arg(defaults.tokenFile),
        QStringLiteral("FILE"));
    const QCommandLineOption tab(QStringLiteral("tab"),
                                 QStringLiteral("Open with this page: jobs or dashboard (default: "
                                                "the one open when jobdesk last closed)."),
                                 QStringLiteral("PAGE"));
    parser.addOptions({control, events, http, tokenFile, tab});
    // Qt's own GUI options (-style fusion, -platform xcb...) are for the
    // QApplication created later: accept them here without a word.
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    for (const char *name : {"platform", "platformpluginpath", "platformtheme", "plugin", "style",
                             "stylesheet", "qwindowgeometry", "qwindowicon", "qwindowtitle",
                             "display", "geometry", "title", "name", "session"}) {
        QCommandLineOption qtOption(QLatin1String(name), QString(), QStringLiteral("value"));
        qtOption.setFlags(QCommandLineOption::HiddenFromHelp);
        parser.addOption(qtOption);
    }
    for (const char *name : {"reverse", "widgetcount", "nograb", "dograb", "sync"}) {
        QCommandLineOption qtFlag{QLatin1String(name)};
        qtFlag.setFlags(QCommandLineOption::HiddenFromHelp);
        parser.addOption(qtFlag);
    }

    auto fail = [exitCode](const QString &message) {
        std::fprintf(stderr, "jobdesk: %s\nTry 'jobdesk --help'.\n", qPrintable(message));
        *exitCode = 2;
        return std::nullopt;
    };
    if (!parser.parse(arguments))
        return fail(parser.errorText());
    if (parser.isSet(help) || parser.isSet(QStringLiteral("help-all"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        *exitCode = 0;
        return std::nullopt;
    }
    if (parser.isSet(version)) {
        std::printf("jobdesk %s\n", JOBDESK_VERSION);
        *exitCode = 0;
        return std::nullopt;
    }
    if (!parser.positionalArguments().isEmpty())
        return fail(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));

    CommandLine out;
    out.flags.control = parser.value(control);
    out.flags.events = parser.value(events);
    out.flags.http = parser.value(http);
    out.flags.tokenFile = parser.value(tokenFile);
    if (parser.isSet(control) && !isValidEndpoint(out.flags.control))
        return fail(QStringLiteral("--control: '%1' is not tcp://HOST:PORT or ipc://PATH")
                        .arg(out.flags.control));
    if (parser.isSet(events) && !isValidEndpoint(out.flags.events))
        return fail(QStringLiteral("--events: '%1' is not tcp://HOST:PORT or ipc://PATH")
                        .arg(out.flags.events));
    if (parser.isSet(http) && !isValidHostPort(out.flags.http))
        return fail(QStringLiteral("--http: '%1' is not HOST:PORT").arg(out.flags.http));
    if (parser.isSet(tokenFile) && out.flags.tokenFile.isEmpty())
        return fail(QStringLiteral("--api-token-file: empty file name"));
    out.page = parser.value(tab);
    if (parser.isSet(tab) && out.page != QLatin1String("jobs") &&
        out.page != QLatin1String("dashboard"))
        return fail(QStringLiteral("--tab: '%1' is not jobs or dashboard").arg(out.page));
    out.anyConnectionFlag = parser.isSet(control) || parser.isSet(events) || parser.isSet(http) ||
                            parser.isSet(tokenFile);
    return out;
}

std::optional<CommandLine> parseCommandLineWithoutDisplay(int argc, char **argv, int *exitCode)
{
    // QApplication aborts without a display before it could print --help:
    // parse with a QCoreApplication, destroyed before the QApplication exists.
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("jobdesk"));
    QCoreApplication::setApplicationVersion(QStringLiteral(JOBDESK_VERSION));
    return parseCommandLine(QCoreApplication::arguments(), exitCode);
}

} // namespace jobdesk
