#include "resultsfoldersweep.h"

#include "jobstore.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QLoggingCategory>
#include <QRegularExpression>

Q_LOGGING_CATEGORY(lcResults, "jobdesk.results")

namespace jobdesk {

int sweepResultsFolder(const QString &resultsDir, JobStore &store)
{
    QElapsedTimer timer;
    timer.start();
    // One read for every name a job serves, rather than one per file.
    const std::optional<QSet<QString>> served = store.resultFileNames();
    if (!served) {
        qCWarning(lcResults).noquote()
            << "the results folder is not swept: cannot read the jobs:" << store.lastError();
        return -1;
    }
    // What a worker writes (backend/worker/resultsink.cpp): <job id>.<fence>.<extension>,
    // and <job id>.<fence>.tmp while it writes. Anything else is not ours.
    static const QRegularExpression kWorkerFile(
        QStringLiteral("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                       "[0-9a-fA-F]{12}\\.[0-9]+\\.[0-9A-Za-z_-]{1,128}$"));
    int removed = 0;
    QDirIterator files(resultsDir, QDir::Files | QDir::Hidden | QDir::System);
    while (files.hasNext()) {
        const QString path = files.next();
        const QString name = files.fileName();
        // A job's result is kept whatever its name ends with (a program may
        // name its result *.tmp).
        if (served->contains(name) || !kWorkerFile.match(name).hasMatch())
            continue;
        if (QFile::remove(path)) {
            ++removed;
            qCDebug(lcResults).noquote() << "removed" << name << "(no job serves it)";
        } else {
            qCWarning(lcResults).noquote() << "cannot remove" << path;
        }
    }
    if (removed > 0)
        qCInfo(lcResults) << "removed" << removed << "result files no job serves, in"
                          << timer.elapsed() << "ms";
    return removed;
}

} // namespace jobdesk
