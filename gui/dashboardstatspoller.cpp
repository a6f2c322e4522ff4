#include "dashboardstatspoller.h"

#include "backendclient.h"
#include "timeformat.h"

#include <QDateTime>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcDashboard, "jobdesk.gui.dashboard")

namespace jobdesk {

namespace {

constexpr qint64 kMinuteMs = 60 * 1000;
constexpr qint64 kHourMs = 60 * kMinuteMs;
constexpr std::chrono::milliseconds kDefaultInterval{5000};
constexpr std::chrono::milliseconds kAfterChange{1000};

QString offlineMessage(const BackendClient &client)
{
    return client.lastError().isEmpty()
               ? DashboardStatsPoller::tr("the backend is not answering")
               : DashboardStatsPoller::tr("the backend is not answering (%1)")
                     .arg(client.lastError());
}

/// A backend from before the dashboard answers an unknown op this way.
bool lacksStatsOp(const ApiError &error)
{
    return error.code == ErrorCode::InvalidRequest &&
           error.detail.startsWith(QLatin1String("unknown op"));
}

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
        m_backendLacksStats = false; // perhaps another, newer backend
        if (m_active)
            refreshNow();
    });
    // Said at once, not at the next poll: the numbers shown are getting old.
    connect(m_client, &BackendClient::stateChanged, this, [this](ConnectionState state) {
        if (m_active && !m_inFlight && state == ConnectionState::Offline)
            Q_EMIT failed(offlineMessage(*m_client));
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

QJsonObject DashboardStatsPoller::requestFields(const DashboardRange &range, qint64 nowMs,
                                                int utcOffsetS)
{
    const qint64 step = std::max<qint64>(kMinuteMs, range.stepMs);
    // On the local clock: the current step included, ending on a multiple
    // of the step. The backend's steps are whole minutes of UTC; every zone
    // in use is a whole number of minutes from it, so they line up.
    const qint64 offsetMs = qint64(utcOffsetS) * 1000;
    const qint64 local = nowMs + offsetMs;
    const qint64 floorSteps = local / step - (local % step < 0 ? 1 : 0);
    const qint64 to = (floorSteps + 1) * step - offsetMs;
    return QJsonObject{{QStringLiteral("from"), formatTimestamp(to - range.spanMs)},
                       {QStringLiteral("to"), formatTimestamp(to)},
                       {QStringLiteral("step"), step / 1000}};
}

QJsonObject DashboardStatsPoller::requestFields(const DashboardRange &range, qint64 nowMs)
{
    return requestFields(range, nowMs, QDateTime::fromMSecsSinceEpoch(nowMs).offsetFromUtc());
}

void DashboardStatsPoller::refreshNow()
{
    if (m_inFlight) {
        m_again = true;
        return;
    }
    if (m_backendLacksStats)
        return; // until the next connection
    switch (m_client->state()) {
    case ConnectionState::Connected:
    case ConnectionState::Reconnecting:
        break;
    case ConnectionState::Connecting:
        return; // `connected` refreshes once the backend answers
    case ConnectionState::Disconnected:
    case ConnectionState::Offline:
        Q_EMIT failed(offlineMessage(*m_client));
        return;
    }
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
        if (lacksStatsOp(reply.error())) {
            m_backendLacksStats = true;
            m_again = false;
            const QString version = m_client->info().version;
            Q_EMIT failed(version.isEmpty()
                              ? tr("this jobdeskd has no statistics: the dashboard needs a newer "
                                   "one")
                              : tr("jobdeskd %1 has no statistics: the dashboard needs a newer "
                                   "one")
                                    .arg(version));
        } else {
            Q_EMIT failed(reply.error().detail);
        }
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
