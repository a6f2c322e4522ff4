#pragma once

#include <QObject>
#include <QSet>
#include <QString>

class QSystemTrayIcon;

namespace jobdesk {

class JobTableModel;

/// Tells the user when a job submitted from this GUI completes or fails: a
/// desktop notification through the tray icon; clicking it asks for the job
/// to be selected (jobActivated).
class JobNotifier final : public QObject
{
    Q_OBJECT
public:
    JobNotifier(JobTableModel *model, QObject *parent = nullptr);

    /// nullptr or an icon without a system tray: nothing is shown, but
    /// notified() is still emitted.
    void setTrayIcon(QSystemTrayIcon *tray);
    void setNotifyOn(bool completed, bool failed);
    /// Follows this job until it ends.
    void watch(const QString &jobId);
    bool isWatching(const QString &jobId) const { return m_watched.contains(jobId); }

Q_SIGNALS:
    void notified(const QString &jobId, const QString &title, const QString &text);
    void jobActivated(const QString &jobId);

private:
    void check();

    JobTableModel *m_model;
    QSystemTrayIcon *m_tray = nullptr;
    QSet<QString> m_watched;
    QString m_lastNotified;
    bool m_onCompleted = true;
    bool m_onFailed = true;
};

} // namespace jobdesk
