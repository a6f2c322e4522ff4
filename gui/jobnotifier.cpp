#include "jobnotifier.h"

#include "jobpresentation.h"
#include "jobtablemodel.h"

#include <QSystemTrayIcon>
#include <vector>

namespace jobdesk {

JobNotifier::JobNotifier(JobTableModel *model, QObject *parent)
    : QObject(parent)
    , m_model(model)
{
    connect(m_model, &JobTableModel::batchApplied, this, &JobNotifier::check);
}

void JobNotifier::setTrayIcon(QSystemTrayIcon *tray)
{
    if (m_tray)
        disconnect(m_tray, nullptr, this, nullptr);
    m_tray = tray;
    if (m_tray) {
        connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] {
            if (!m_lastNotified.isEmpty())
                Q_EMIT jobActivated(m_lastNotified);
        });
    }
}

void JobNotifier::setNotifyOn(bool completed, bool failed)
{
    m_onCompleted = completed;
    m_onFailed = failed;
}

void JobNotifier::watch(const QString &jobId)
{
    m_watched.insert(jobId);
    check(); // it may have ended already
}

void JobNotifier::check()
{
    if (m_watched.isEmpty())
        return;
    // Ended jobs leave the watch list before anyone hears of them: a
    // receiver may watch() again or change the model, which would pull the
    // list and the model's rows from under this loop.
    struct Notice
    {
        QString jobId;
        QString title;
        QString text;
        bool completed;
    };
    std::vector<Notice> notices;
    for (auto it = m_watched.begin(); it != m_watched.end();) {
        const Job *job = m_model->job(*it);
        if (!job || !isTerminal(job->status)) {
            ++it;
            continue;
        }
        const bool completed = job->status == JobStatus::Completed;
        const bool failed = job->status == JobStatus::Failed;
        if ((completed && m_onCompleted) || (failed && m_onFailed)) {
            QString text = QStringLiteral("%1 · %2").arg(job->kind, shortJobId(job->id));
            if (completed && job->result)
                text += QLatin1Char('\n') + job->result->filename;
            if (failed && job->error)
                text += QLatin1Char('\n') + job->error->message;
            notices.push_back({job->id, completed ? tr("Job completed") : tr("Job failed"),
                               std::move(text), completed});
        }
        it = m_watched.erase(it);
    }
    for (const Notice &notice : notices) {
        m_lastNotified = notice.jobId;
        if (m_tray && m_tray->isVisible())
            m_tray->showMessage(
                notice.title, notice.text,
                notice.completed ? QSystemTrayIcon::Information : QSystemTrayIcon::Warning, 10000);
        Q_EMIT notified(notice.jobId, notice.title, notice.text);
    }
}

} // namespace jobdesk
