#include "statusfiltertabs.h"

#include "jobpresentation.h"
#include "jobtablemodel.h"

namespace jobdesk {

namespace {

enum Tab
{
    AllTab,
    ActiveTab,
    CompletedTab,
    FailedTab,
    CancelledTab,
    TabCount
};

QString tabTitle(int tab)
{
    switch (tab) {
    case AllTab:
        return QObject::tr("All");
    case ActiveTab:
        return QObject::tr("Active");
    case CompletedTab:
        return statusTitle(JobStatus::Completed);
    case FailedTab:
        return statusTitle(JobStatus::Failed);
    case CancelledTab:
        return statusTitle(JobStatus::Cancelled);
    }
    return {};
}

} // namespace

StatusFilterTabs::StatusFilterTabs(QWidget *parent)
    : QTabBar(parent)
{
    setObjectName(QStringLiteral("statusTabs"));
    setDrawBase(false);
    setExpanding(false);
    setDocumentMode(true);
    for (int tab = 0; tab < TabCount; ++tab)
        addTab(tabTitle(tab));
    setTabIcon(ActiveTab, statusIcon(JobStatus::Processing));
    setTabIcon(CompletedTab, statusIcon(JobStatus::Completed));
    setTabIcon(FailedTab, statusIcon(JobStatus::Failed));
    setTabIcon(CancelledTab, statusIcon(JobStatus::Cancelled));
    connect(this, &QTabBar::currentChanged, this,
            [this](int tab) { Q_EMIT statusFilterChanged(statusesOf(tab)); });
}

QList<JobStatus> StatusFilterTabs::statusesOf(int tab)
{
    switch (tab) {
    case ActiveTab:
        return {JobStatus::Pending, JobStatus::Processing, JobStatus::Retrying};
    case CompletedTab:
        return {JobStatus::Completed};
    case FailedTab:
        return {JobStatus::Failed};
    case CancelledTab:
        return {JobStatus::Cancelled};
    }
    return {};
}

QList<JobStatus> StatusFilterTabs::currentStatuses() const
{
    return statusesOf(currentIndex());
}

void StatusFilterTabs::updateCounts(const JobTableModel &model)
{
    for (int tab = 0; tab < TabCount; ++tab) {
        int n = 0;
        const QList<JobStatus> statuses = statusesOf(tab);
        if (statuses.isEmpty())
            n = model.rowCount();
        for (JobStatus s : statuses)
            n += model.countOf(s);
        setTabText(tab, QStringLiteral("%1 (%2)").arg(tabTitle(tab)).arg(n));
    }
}

} // namespace jobdesk
