#pragma once

#include "job.h"

#include <QJsonArray>
#include <QWidget>

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace jobdesk {

/// Everything about one job: its fields, params, error and result, and its
/// timeline (the `events` op: state changes, attempts, webhook deliveries).
/// The owner feeds it; it keeps its scroll position across live updates.
class JobDetailsPane final : public QWidget
{
    Q_OBJECT
public:
    explicit JobDetailsPane(QWidget *parent = nullptr);

    /// nullptr = nothing selected.
    void showJob(const Job *job);
    QString jobId() const { return m_jobId; }
    /// The timeline of `jobId` (ignored if another job is shown by now).
    void showTimeline(const QString &jobId, const QJsonArray &items);
    void showTimelineError(const QString &jobId, const QString &message);

    QTreeWidget *fieldsView() const { return m_fields; }
    QTreeWidget *timelineView() const { return m_timeline; }

private:
    void addSection(const QString &title);
    QTreeWidgetItem *addRow(const QString &name, const QString &value, const QString &toolTip = {});

    QString m_jobId;
    QLabel *m_title = nullptr;
    QTreeWidget *m_fields = nullptr;
    QTreeWidget *m_timeline = nullptr;
};

/// One line of a timeline entry's details: "PENDING → PROCESSING", the
/// error, the webhook's answer..., from the entry's fields.
QString timelineDetails(const QJsonObject &event);

} // namespace jobdesk
