#include "dashboardstatspoller.h"

#include "backendclient.h"
#include "timeformat.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcDashboard, "jobdesk.gui.dashboard")

namespace jobdesk {

namespace {

constexpr qint64 kMinuteMs = 60 * 1000;
constexpr qint64 kHourMs = 60 * kMinuteMs;
constexpr std::chrono::milliseconds kDefaultInterval{5000};
constexpr std::chrono::milliseconds kAfterChange{1000};

} // namespace

const QList<DashboardRange> &DashboardRange::choices()
{
    // Each under the backend's step limit, and about a hundred points or
    // fewer: enough detail, cheap to draw.
    static const QList<DashboardRange> ranges = {
        {QObject::tr("Last hour"), kHourMs, kMinuteMs},
        {QObject::tr("Last 6 hours"), 6 * kHourMs, 5 * kMinuteMs},
        {QObject::tr("Last 24 hours"), 24 * kHourMs, 15 * kMinuteMs},
        {QObject::tr("Last 7 days"), 7 * 24 * kHourMs, 2 * kHourMs},
        {QObject::tr("Last 30 days"), 30 * 24 * kHourMs, 6 * kHourMs},
    };
    return ranges;
}

DashboardStatsPoller::DashboardStatsPoller(BackendClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_range(DashboardRange::choices().first())
    , m_baseInterval(kDefaultInterval)
{
    m_interval.setInterval(kDefaultInterval);
    connect(&m_interval, &QTimer::timeout, this, &DashboardStatsPoller::refreshNow);
    m_soon.setSingleShot(true);
    m_soon.setInterval(kAfterChange);
    connect(&m_soon, &QTimer::timeout, this, &DashboardStatsPoller::refreshNow);
    connect(m_client, &BackendClient::jobEvent, this, [this](const QString &topic) {
        if (m_active && topic == QLatin1String("job.state") && !m_soon.isActive())
            m_soon.start();
    });
    connect(m_client, &BackendClient::connected, this, [this] {
        if (m_active)
            refreshNow();
    });
}

void DashboardStatsPoller::setActive(bool active)
{
    if (active == m_active)
        return;
    m_active = active;
    if (active) {
        m_interval.start();
        refreshNow();
    } else {
        m_interval.stop();
        m_soon.stop();
    }
}

void DashboardStatsPoller::setRange(const DashboardRange &range)
{
    m_range = range;
    if (m_active)
        refreshNow();
}

void DashboardStatsPoller::setInterval(std::chrono::milliseconds interval)
{
    m_baseInterval = interval;
    m_interval.setInterval(interval);
}

void DashboardStatsPoller::pace(qint64 roundTripMs)
{
    const auto paced = [roundTripMs](std::chrono::milliseconds base, int factor) {
        return std::max<qint64>(base.count(), std::min<qint64>(60000, roundTripMs * factor));
    };
    m_interval.setInterval(int(paced(m_baseInterval, 20)));
    m_soon.setInterval(int(paced(kAfterChange, 10)));
}

QJsonObject DashboardStatsPoller::requestFields(const DashboardRange &range, qint64 nowMs)
{
    const qint64 step = std::max<qint64>(kMinuteMs, range.stepMs);
    const qint64 to = (nowMs / step + 1) * step; // the current step included
    return QJsonObject{{QStringLiteral("from"), formatTimestamp(to - range.spanMs)},
                       {QStringLiteral("to"), formatTimestamp(to)},
                       {QStringLiteral("step"), step / 1000}};
}

void DashboardStatsPoller::refreshNow()
{
    if (m_inFlight) {
        m_again = true;
        return;
    }
    if (m_client->state() != ConnectionState::Connected &&
        m_client->state() != ConnectionState::Reconnecting)
        return; // `connected` refreshes once the backend answers
    m_inFlight = true;
    m_again = false;
    m_sent.start();
    m_client->request(QStringLiteral("stats"), requestFields(m_range, nowMs()), this,
                      [this](const Result<QJsonObject> &reply) { onReply(reply); });
}

void DashboardStatsPoller::onReply(const Result<QJsonObject> &reply)
{
    m_inFlight = false;
    pace(m_sent.elapsed());
    if (!reply) {
        qCDebug(lcDashboard) << "stats failed:" << reply.error().detail;
        Q_EMIT failed(reply.error().detail);
    } else {
        Result<DashboardStats> stats = DashboardStats::fromJson(reply.value());
        if (stats)
            Q_EMIT statsReceived(stats.value());
        else
            Q_EMIT failed(stats.error().detail);
    }
    if (m_again && m_active)
        refreshNow();
}

} // namespace jobdesk
