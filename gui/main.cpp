#include "appsettings.h"
#include "commandline.h"
#include "guiresources.h"
#include "mainwindow.h"
#include "version.h"

#include <QApplication>
#include <QIcon>

using namespace jobdesk;

int main(int argc, char **argv)
{
    int exitCode = 0;
    const std::optional<CommandLine> commandLine =
        parseCommandLineWithoutDisplay(argc, argv, &exitCode);
    if (!commandLine)
        return exitCode;

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("jobdesk"));
    QApplication::setApplicationName(QStringLiteral("jobdesk"));
    QApplication::setApplicationDisplayName(QStringLiteral("Jobdesk"));
    QApplication::setApplicationVersion(QStringLiteral(JOBDESK_VERSION));
    QApplication::setDesktopFileName(
        QStringLiteral("io.jobdesk.Jobdesk")); // installer/: JOBDESK_APP_ID
    initGuiResources();
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/jobdesk.svg")));

    // Flags win over the settings, the settings over jobdeskd's defaults.
    ConnectionConfig connection = AppSettings::load().effectiveConnection();
    const ConnectionConfig &flags = commandLine->flags;
    if (!flags.control.isEmpty()) {
        connection.control = flags.control;
        connection.events.clear(); // another backend: ask it where its events are
    }
    if (!flags.events.isEmpty())
        connection.events = flags.events;
    if (!flags.http.isEmpty())
        connection.http = flags.http;
    if (!flags.tokenFile.isEmpty())
        connection.tokenFile = flags.tokenFile;
    const bool offerLocalBackend = !commandLine->anyConnectionFlag &&
                                   connection.control == ConnectionConfig::defaults().control;

    MainWindow window(connection, offerLocalBackend);
    if (const auto page = MainWindow::pageNamed(commandLine->page))
        window.showPage(*page);
    window.show();
    return app.exec();
}
