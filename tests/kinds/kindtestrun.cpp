#include "kindtestrun.h"

#include "worker/jobcontext.h"
#include "worker/resultsink.h"

#include <QDir>
#include <QFile>

using namespace jobdesk;

KindTestRun::KindTestRun(QJsonObject params, QStringList inputRoots)
    : m_params(std::move(params))
    , m_roots(std::move(inputRoots))
{
}

KindOutcome KindTestRun::run(JobKind &kind, std::chrono::milliseconds throttle)
{
    ResultSink sink(m_resultsDir.path(), QStringLiteral("job"), 7);
    JobContext ctx(
        QStringLiteral("job"), 1, m_params, token, sink,
        [this](std::optional<double> pct, const QString &message) {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_progress.push_back({pct, message});
        },
        throttle);
    ctx.setInputRoots(m_roots);
    const KindOutcome outcome = kind.run(ctx);
    if (!outcome.ok) {
        sink.discard();
        return outcome;
    }
    if (!sink.commit())
        return KindOutcome::jobError(sink.errorString(), false);
    m_filename = sink.info().filename;
    m_contentType = sink.info().contentType;
    if (sink.isInline()) {
        m_result = sink.inlineData();
    } else {
        QFile file(QDir(m_resultsDir.path()).filePath(sink.fileName()));
        if (file.open(QIODevice::ReadOnly))
            m_result = file.readAll();
    }
    return outcome;
}

std::vector<KindTestRun::Progress> KindTestRun::progress() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_progress;
}

QStringList KindTestRun::resultsFolderEntries() const
{
    return QDir(m_resultsDir.path()).entryList(QDir::Files);
}
