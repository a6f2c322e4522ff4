#pragma once

#include "jobstatus.h"

#include <QList>
#include <QTabBar>

namespace jobdesk {

class JobTableModel;

/// The status filter as tabs with counts: All, Active (pending, processing,
/// retrying), Completed, Failed, Cancelled.
class StatusFilterTabs final : public QTabBar
{
    Q_OBJECT
public:
    explicit StatusFilterTabs(QWidget *parent = nullptr);

    /// Relabels the tabs with the model's counts.
    void updateCounts(const JobTableModel &model);
    /// The statuses of the current tab; empty = all.
    QList<JobStatus> currentStatuses() const;
    static QList<JobStatus> statusesOf(int tab);

Q_SIGNALS:
    void statusFilterChanged(const QList<JobStatus> &statuses);
};

} // namespace jobdesk
