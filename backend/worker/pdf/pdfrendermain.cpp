#include "pdfrendermain.h"

#include <QFile>
#include <QFont>
#include <QGuiApplication>
#include <QMarginsF>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QTextDocument>
#include <cstdio>
#include <cstring>

namespace jobdesk {

int renderPdfMain(int argc, char *argv[])
{
    if (argc != 4 || std::strcmp(argv[1], kRenderPdfSwitch) != 0) {
        std::fprintf(stderr, "usage: jobdesk-worker %s IN.html OUT.pdf\n", kRenderPdfSwitch);
        return 1;
    }
    const QString input = QFile::decodeName(argv[2]);
    const QString output = QFile::decodeName(argv[3]);
    // A service has no display: draw off screen, whatever the environment says.
    qputenv("QT_QPA_PLATFORM", "offscreen");
    int guiArgc = 1;
    QGuiApplication app(guiArgc, argv);

    QFile in(input);
    if (!in.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read %s: %s\n", qPrintable(input),
                     qPrintable(in.errorString()));
        return 1;
    }
    QTextDocument document;
    document.setDefaultFont(QFont(QStringLiteral("DejaVu Sans"), 9));
    document.setHtml(QString::fromUtf8(in.readAll()));

    QPdfWriter writer(output);
    writer.setCreator(QStringLiteral("Jobdesk"));
    writer.setTitle(document.metaInformation(QTextDocument::DocumentTitle));
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
    document.print(&writer);

    QFile written(output);
    if (!written.exists() || written.size() == 0) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(output));
        return 1;
    }
    return 0;
}

} // namespace jobdesk
