#include "workfolder.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <cerrno>
#include <csignal>
#include <mutex>
#include <unistd.h>

namespace jobdesk::workfolder {

QString templateFor(const QString &purpose)
{
    return QDir(QDir::tempPath())
        .filePath(QStringLiteral("jobdesk-%1-%2-XXXXXX").arg(purpose).arg(::getpid()));
}

void sweepAbandoned()
{
    static std::once_flag once;
    std::call_once(once, [] {
        const QDir temp(QDir::tempPath());
        const auto entries =
            temp.entryInfoList({QStringLiteral("jobdesk-*-*-*")},
                               QDir::Dirs | QDir::NoDotAndDotDot | QDir::NoSymLinks);
        for (const QFileInfo &entry : entries) {
            const QStringList parts = entry.fileName().split(QLatin1Char('-'));
            bool ok = false;
            const qint64 pid = parts.size() == 4 ? parts.at(2).toLongLong(&ok) : 0;
            if (!ok || pid <= 0 || entry.ownerId() != ::getuid())
                continue;
            // Alive, or not ours to ask about: leave it. A reused pid only
            // delays the sweep.
            if (::kill(pid_t(pid), 0) == 0 || errno != ESRCH)
                continue;
            QDir(entry.absoluteFilePath()).removeRecursively();
        }
    });
}

} // namespace jobdesk::workfolder
