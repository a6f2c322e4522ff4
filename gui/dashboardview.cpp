#include "dashboardview.h"

#include "dashboardchartstyle.h"
#include "dashboardkindchart.h"
#include "dashboardstatspoller.h"
#include "dashboardtile.h"
#include "dashboardtimechart.h"
#include "jobpresentation.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QTime>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace jobdesk {

namespace {

QString number(qint64 n)
{
    return QLocale().toString(n);
}

QColor tileMeaning(DashboardView::Tile tile)
{
    switch (tile) {
    case DashboardView::PendingTile:
        return statusColor(JobStatus::Pending);
    case DashboardView::ProcessingTile:
    case DashboardView::WorkersTile:
        return statusColor(JobStatus::Processing);
    case DashboardView::CompletedTile:
        return statusColor(JobStatus::Completed);
    case DashboardView::FailedTile:
    case DashboardView::DeadLetterTile:
        return statusColor(JobStatus::Failed);
    case DashboardView::BackendTile:
    case DashboardView::TileCount:
        break;
    }
    return QColor(0x6d, 0x5b, 0xd0);
}

QString tileTitle(DashboardView::Tile tile)
{
    switch (tile) {
    case DashboardView::PendingTile:
        return DashboardView::tr("Pending");
    case DashboardView::ProcessingTile:
        return DashboardView::tr("Processing");
    case DashboardView::CompletedTile:
        return DashboardView::tr("Completed (24 h)");
    case DashboardView::FailedTile:
        return DashboardView::tr("Failed (24 h)");
    case DashboardView::DeadLetterTile:
        return DashboardView::tr("Dead letters");
    case DashboardView::WorkersTile:
        return DashboardView::tr("Workers busy");
    case DashboardView::BackendTile:
        return DashboardView::tr("Backend up");
    case DashboardView::TileCount:
        break;
    }
    return {};
}

const char *tileObjectName(DashboardView::Tile tile)
{
    static const char *const names[] = {"pendingTile", "processingTile", "completedTile",
                                        "failedTile",  "deadLetterTile", "workersTile",
                                        "backendTile"};
    return names[tile];
}

/// "minute", "15 min", "2 h", "1 d": the span of one step of the series.
QString stepName(qint64 stepMs)
{
    const qint64 minutes = std::max<qint64>(1, stepMs / 60000);
    if (minutes == 1)
        return DashboardView::tr("minute");
    if (minutes % (24 * 60) == 0)
        return DashboardView::tr("%1 d").arg(minutes / (24 * 60));
    if (minutes % 60 == 0)
        return DashboardView::tr("%1 h").arg(minutes / 60);
    return DashboardView::tr("%1 min").arg(minutes);
}

/// "2 h 05 min", "3 d 4 h": how long the backend has been up.
QString formatUptime(qint64 seconds)
{
    constexpr qint64 kDay = 24 * 3600;
    if (seconds >= kDay)
        return DashboardView::tr("%1 d %2 h").arg(seconds / kDay).arg((seconds % kDay) / 3600);
    return formatDuration(seconds * 1000);
}

} // namespace

DashboardView::DashboardView(BackendClient *client, QWidget *parent)
    : QWidget(parent)
    , m_poller(new DashboardStatsPoller(client, this))
{
    setObjectName(QStringLiteral("dashboard"));
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    outer->addWidget(scroll);
    auto *page = new QWidget(scroll);
    scroll->setWidget(page);

    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->setSpacing(8);

    auto *header = new QHBoxLayout;
    auto *rangeLabel = new QLabel(tr("&Range:"), page);
    m_range = new QComboBox(page);
    m_range->setObjectName(QStringLiteral("dashboardRange"));
    for (const DashboardRange &range : DashboardRange::choices())
        m_range->addItem(range.title);
    rangeLabel->setBuddy(m_range);
    header->addWidget(rangeLabel);
    header->addWidget(m_range);
    header->addStretch(1);
    m_updated = new QLabel(page);
    m_updated->setObjectName(QStringLiteral("dashboardUpdated"));
    m_updated->setForegroundRole(QPalette::PlaceholderText);
    header->addWidget(m_updated);
    layout->addLayout(header);

    createTiles(page);
    auto *tiles = new QHBoxLayout;
    tiles->setSpacing(8);
    for (DashboardTile *tile : std::as_const(m_tiles))
        tiles->addWidget(tile);
    layout->addLayout(tiles);

    m_throughput = new DashboardTimeChart(tr("Jobs submitted and ended per minute"), page);
    m_throughput->setObjectName(QStringLiteral("throughputChart"));
    m_throughput->addLine(tr("Submitted"), statusColor(JobStatus::Processing),
                          [](const DashboardPoint &p) { return p.submitted; });
    m_throughput->addLine(tr("Completed"), statusColor(JobStatus::Completed),
                          [](const DashboardPoint &p) { return p.completed; });
    m_throughput->addLine(tr("Failed"), statusColor(JobStatus::Failed),
                          [](const DashboardPoint &p) { return p.failed; });
    m_queue = new DashboardTimeChart(tr("Queue depth and busy workers (highest per minute)"), page);
    m_queue->setObjectName(QStringLiteral("queueChart"));
    m_queue->addLine(
        tr("Queued"), statusColor(JobStatus::Retrying),
        [](const DashboardPoint &p) { return p.queueDepth; }, true);
    m_queue->addLine(tr("Busy workers"), statusColor(JobStatus::Processing),
                     [](const DashboardPoint &p) { return p.busy; });
    m_duration = new DashboardKindChart(tr("Run time by kind"),
                                        {{tr("median (p50)"), QColor(0x3b, 0x82, 0xc4)},
                                         {tr("95th percentile (p95)"), QColor(0x6d, 0x5b, 0xd0)}},
                                        QStringLiteral("s"), 0,
                                        tr("No job has finished in this range."), page);
    m_duration->setObjectName(QStringLiteral("durationChart"));
    m_failures = new DashboardKindChart(tr("Failure rate by kind (failed of completed + failed)"),
                                        {{tr("failure rate"), statusColor(JobStatus::Failed)}},
                                        QStringLiteral("%"), 100,
                                        tr("No job has completed or failed in this range."), page);
    m_failures->setObjectName(QStringLiteral("failureChart"));

    auto *charts = new QGridLayout;
    charts->setSpacing(8);
    charts->addWidget(m_throughput, 0, 0);
    charts->addWidget(m_queue, 0, 1);
    charts->addWidget(m_duration, 1, 0);
    charts->addWidget(m_failures, 1, 1);
    charts->setRowStretch(0, 1);
    charts->setRowStretch(1, 1);
    layout->addLayout(charts, 1);

    connect(m_range, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index >= 0 && index < DashboardRange::choices().size())
            m_poller->setRange(DashboardRange::choices().at(index));
    });
    connect(m_poller, &DashboardStatsPoller::statsReceived, this, &DashboardView::showStats);
    connect(m_poller, &DashboardStatsPoller::failed, this, &DashboardView::showError);
    restyleTiles();
}

void DashboardView::createTiles(QWidget *parent)
{
    for (int t = 0; t < TileCount; ++t) {
        const auto which = Tile(t);
        auto *tile = new DashboardTile(tileTitle(which), parent);
        tile->setObjectName(QLatin1String(tileObjectName(which)));
        tile->setToolTip(which == BackendTile ? tr("Show all jobs")
                                              : tr("Show these jobs in the jobs table"));
        connect(tile, &DashboardTile::activated, this,
                [this, which] { Q_EMIT jobsRequested(filterOf(which)); });
        m_tiles.append(tile);
    }
}

DashboardJobFilter DashboardView::filterOf(Tile which)
{
    switch (which) {
    case PendingTile:
        return {{JobStatus::Pending}, false};
    case ProcessingTile:
    case WorkersTile:
        return {{JobStatus::Processing}, false};
    case CompletedTile:
        return {{JobStatus::Completed}, false};
    case FailedTile:
        return {{JobStatus::Failed}, false};
    case DeadLetterTile:
        return {{JobStatus::Failed}, true};
    case BackendTile:
    case TileCount:
        break;
    }
    return {};
}

void DashboardView::showStats(const DashboardStats &stats)
{
    const qint64 retrying = stats.count(JobStatus::Retrying);
    tile(PendingTile)->setValue(number(stats.count(JobStatus::Pending)));
    tile(PendingTile)
        ->setCaption(retrying > 0 ? tr("%1 more retrying").arg(number(retrying))
                                  : tr("in the queue"));
    tile(ProcessingTile)->setValue(number(stats.count(JobStatus::Processing)));
    tile(ProcessingTile)->setCaption(tr("running now"));

    const auto last24h = [](const std::optional<qint64> &n) {
        return n ? number(*n) : QStringLiteral("–");
    };
    tile(CompletedTile)->setValue(last24h(stats.completedLast24h));
    tile(CompletedTile)
        ->setCaption(tr("%1 in the store").arg(number(stats.count(JobStatus::Completed))));
    tile(FailedTile)->setValue(last24h(stats.failedLast24h));
    const qint64 ended24h = stats.completedLast24h.value_or(0) + stats.failedLast24h.value_or(0);
    tile(FailedTile)
        ->setCaption(ended24h > 0 ? tr("%1 % of completed + failed")
                                        .arg(QLocale().toString(
                                            100.0 * double(stats.failedLast24h.value_or(0)) /
                                                double(ended24h),
                                            'f', 1))
                                  : tr("none ended"));
    tile(DeadLetterTile)->setValue(number(stats.deadLetters));
    tile(DeadLetterTile)->setCaption(tr("failed for good"));
    tile(WorkersTile)->setValue(tr("%1 / %2").arg(stats.workersBusy).arg(stats.workersTotal));
    tile(WorkersTile)->setCaption(tr("busy / total"));
    tile(BackendTile)->setValue(formatUptime(stats.uptimeS));
    tile(BackendTile)
        ->setCaption(stats.version.isEmpty() ? QString() : tr("jobdeskd %1").arg(stats.version));

    const QString per = stepName(stats.stepMs);
    m_throughput->setTitle(tr("Jobs submitted and ended per %1").arg(per));
    m_throughput->showStats(stats);
    m_queue->setTitle(tr("Queue depth and busy workers (highest per %1)").arg(per));
    m_queue->showStats(stats);

    QStringList durationKinds;
    QList<QList<double>> durations(2);
    QStringList rateKinds;
    QList<QList<double>> rates(1);
    // The category axis lists from the bottom up: reversed, the kinds read
    // alphabetically from the top.
    // Each row says how many jobs it stands for, so 0 % still reads as a row.
    for (auto k = stats.kinds.crbegin(); k != stats.kinds.crend(); ++k) {
        if (k->p50S && k->p95S) {
            durationKinds.append(k->durationCount == 1
                                     ? tr("%1 (1 run)").arg(k->kind)
                                     : tr("%1 (%2 runs)").arg(k->kind, number(k->durationCount)));
            durations[0].append(*k->p50S);
            durations[1].append(*k->p95S);
        }
        if (k->failureRate) {
            rateKinds.append(
                tr("%1 (%2 of %3)")
                    .arg(k->kind, number(k->failed), number(k->completed + k->failed)));
            rates[0].append(std::round(*k->failureRate * 1000.0) / 10.0);
        }
    }
    m_duration->setValues(durationKinds, durations);
    m_failures->setValues(rateKinds, rates);

    m_updatedAt = QTime::currentTime();
    m_updated->setForegroundRole(QPalette::PlaceholderText);
    m_updated->setText(tr("Updated %1").arg(m_updatedAt.toString(QStringLiteral("HH:mm:ss"))));
}

void DashboardView::showError(const QString &message)
{
    // The numbers stay (a blank dashboard helps nobody), said to be old.
    m_updated->setForegroundRole(QPalette::WindowText);
    m_updated->setText(m_updatedAt.isValid()
                           ? tr("Cannot read the statistics: %1. The numbers are from %2.")
                                 .arg(message, m_updatedAt.toString(QStringLiteral("HH:mm:ss")))
                           : tr("Cannot read the statistics: %1.").arg(message));
}

void DashboardView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    m_poller->setActive(true);
}

void DashboardView::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_poller->setActive(false);
}

void DashboardView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        restyleTiles();
}

void DashboardView::restyleTiles()
{
    for (int t = 0; t < TileCount; ++t)
        m_tiles[t]->setAccent(DashboardChartStyle::seriesColor(tileMeaning(Tile(t)), palette()));
}

} // namespace jobdesk
