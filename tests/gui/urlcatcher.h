#pragma once

#include <QList>
#include <QObject>
#include <QUrl>

/// Stands in for the desktop's "open with" (QDesktopServices::setUrlHandler):
/// records the URLs the GUI asks to open.
class UrlCatcher : public QObject
{
    Q_OBJECT
public:
    QList<QUrl> opened;

public Q_SLOTS:
    void openUrl(const QUrl &url) { opened.append(url); }
};
