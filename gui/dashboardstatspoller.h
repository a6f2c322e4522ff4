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

    /// The request fields for `range` at `nowMs`, for a clock `utcOffsetS`
    /// ahead of UTC: steps start on whole multiples of the step on that
    /// clock (a 6 h step at 00:00, 06:00, ... local time, not UTC), so a bar
    /// keeps its span from poll to poll and its start reads round.
    static QJsonObject requestFields(const DashboardRange &range, qint64 nowMs, int utcOffsetS);
    /// The same on this machine's clock (its time zone's offset at `nowMs`).
    static QJsonObject requestFields(const DashboardRange &range, qint64 nowMs);

    /// Whether the backend answered that it has no `stats` op (a jobdeskd
    /// older than the dashboard): polls stop until the next (re)connection.
    bool backendLacksStats() const { return m_backendLacksStats; }

Q_SIGNALS:
    void statsReceived(const jobdesk::DashboardStats &stats);
    /// No numbers this time: the backend is offline, refused, or answered
    /// something unreadable. The last numbers received are still the newest.
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
    bool m_backendLacksStats = false;
};

} // namespace jobdesk

Q_DECLARE_METATYPE(jobdesk::DashboardStats)
