#pragma once

#include "dashboardstats.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>
#include <chrono>

namespace jobdesk {

class BackendClient;

/// A time range the dashboard offers: how far back, in steps of how long.
struct DashboardRange
{
    QString title; // "Last hour"
    qint64 spanMs = 0;
    qint64 stepMs = 0;

    /// What the range selector offers, shortest first.
    static const QList<DashboardRange> &choices();
};

/// Keeps the dashboard's numbers fresh while it is shown: asks the backend
/// for `stats` over the chosen range now and then, sooner after job state
/// changes (at most once a second), and never with a request already out.
///
/// The series come from the backend's per-minute aggregates, whose cost does
/// not grow with the number of jobs; the status counts still do. So the
/// poller paces itself by how long the last answer took: it waits at least
/// 10 times that after a change and 20 times that between polls, so one
/// dashboard never takes more than a tenth of the backend's time.
class DashboardStatsPoller final : public QObject
{
    Q_OBJECT
public:
    explicit DashboardStatsPoller(BackendClient *client, QObject *parent = nullptr);

    /// Polls only while active (the dashboard is visible); becoming active
    /// refreshes at once.
    void setActive(bool active);
    bool isActive() const { return m_active; }
    void setRange(const DashboardRange &range);
    const DashboardRange &range() const { return m_range; }
    /// The shortest time between polls (5 s by default; longer when the
    /// backend is slow to answer).
    void setInterval(std::chrono::milliseconds interval);
    std::chrono::milliseconds interval() const { return m_interval.intervalAsDuration(); }
    /// Asks now (or as soon as the request out comes back).
    void refreshNow();

    /// The request fields for `range` at `nowMs`: steps aligned to whole
    /// multiples of the step, so a bar keeps its span from poll to poll.
    static QJsonObject requestFields(const DashboardRange &range, qint64 nowMs);

Q_SIGNALS:
    void statsReceived(const jobdesk::DashboardStats &stats);
    void failed(const QString &message);

private:
    void onReply(const Result<QJsonObject> &reply);

    void pace(qint64 roundTripMs);

    BackendClient *m_client;
    DashboardRange m_range;
    std::chrono::milliseconds m_baseInterval;
    QElapsedTimer m_sent;
    QTimer m_interval;
    QTimer m_soon; // after job state changes
    bool m_active = false;
    bool m_inFlight = false;
    bool m_again = false;
};

} // namespace jobdesk

Q_DECLARE_METATYPE(jobdesk::DashboardStats)
