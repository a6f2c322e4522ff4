#include "resultsfoldersweep.h"

#include "jobstore.h"

#include <QDir>
#include <QFile>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcResults, "jobdesk.results")

namespace jobdesk {

int sweepResultsFolder(const QString &resultsDir, JobStore &store)
{
    int removed = 0;
    const QDir dir(resultsDir);
    const QStringList names = dir.entryList(QDir::Files | QDir::Hidden | QDir::System);
    for (const QString &name : names) {
        bool garbage = name.endsWith(QLatin1String(".tmp"));
        if (!garbage) {
            const QString jobId = name.section(QLatin1Char('.'), 0, 0);
            const std::optional<Job> job = store.job(jobId);
            if (!job && !store.lastError().isEmpty()) {
                qCWarning(lcResults).noquote()
                    << "cannot check" << name << "against its job:" << store.lastError();
                continue;
            }
            garbage = !job || job->resultFile != name;
        }
        if (!garbage)
            continue;
        if (QFile::remove(dir.filePath(name))) {
            ++removed;
            qCInfo(lcResults).noquote() << "removed" << name << "(no job serves it)";
        } else {
            qCWarning(lcResults).noquote() << "cannot remove" << dir.filePath(name);
        }
    }
    return removed;
}

} // namespace jobdesk
