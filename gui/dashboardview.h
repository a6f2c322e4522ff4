#pragma once

#include "dashboardstats.h"
#include "jobstatus.h"

#include <QList>
#include <QTime>
#include <QWidget>

class QComboBox;
class QLabel;

namespace jobdesk {

class BackendClient;
class DashboardKindChart;
class DashboardStatsPoller;
class DashboardTile;
class DashboardTimeChart;

/// The jobs a dashboard tile counts, as a filter of the jobs table.
struct DashboardJobFilter
{
    QList<JobStatus> statuses; // empty: every status
    bool deadLetterOnly = false;

    bool operator==(const DashboardJobFilter &o) const
    {
        return statuses == o.statuses && deadLetterOnly == o.deadLetterOnly;
    }
};

/// The Dashboard tab: the workload at a glance. Tiles with the backend's
/// numbers (pending, processing, completed and failed in the last 24 h,
/// dead letters, workers busy/total, uptime and version), each opening the
/// jobs it counts; charts of completions and failures per step, the queue
/// depth, the duration by kind (p50/p95) and the failure rate by kind, over
/// a range to choose.
///
/// Its numbers come from the backend's per-minute aggregates (the `stats`
/// op), polled while the tab is visible; updates change values in place.
class DashboardView final : public QWidget
{
    Q_OBJECT
public:
    enum Tile
    {
        PendingTile,
        ProcessingTile,
        CompletedTile,
        FailedTile,
        DeadLetterTile,
        WorkersTile,
        BackendTile,
        TileCount
    };

    explicit DashboardView(BackendClient *client, QWidget *parent = nullptr);

    /// Shows a `stats` reply (what the poller delivers).
    void showStats(const DashboardStats &stats);
    void showError(const QString &message);

    DashboardTile *tile(Tile which) const { return m_tiles.at(which); }
    static DashboardJobFilter filterOf(Tile which);
    DashboardStatsPoller *poller() const { return m_poller; }
    DashboardTimeChart *throughputChart() const { return m_throughput; }
    DashboardTimeChart *queueChart() const { return m_queue; }
    DashboardKindChart *durationChart() const { return m_duration; }
    DashboardKindChart *failureChart() const { return m_failures; }

Q_SIGNALS:
    /// A tile was activated: show the jobs table filtered on what it counts.
    void jobsRequested(const jobdesk::DashboardJobFilter &filter);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void createTiles(QWidget *parent);
    void restyleTiles();

    DashboardStatsPoller *m_poller = nullptr;
    QList<DashboardTile *> m_tiles;
    QComboBox *m_range = nullptr;
    QLabel *m_updated = nullptr;
    QTime m_updatedAt; // when the numbers shown arrived
    DashboardTimeChart *m_throughput = nullptr;
    DashboardTimeChart *m_queue = nullptr;
    DashboardKindChart *m_duration = nullptr;
    DashboardKindChart *m_failures = nullptr;
};

} // namespace jobdesk

Q_DECLARE_METATYPE(jobdesk::DashboardJobFilter)
