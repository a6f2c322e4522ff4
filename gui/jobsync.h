#pragma once

#include "apierror.h"
#include "job.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <chrono>

namespace jobdesk {

class BackendClient;
class JobTableModel;

/// Keeps a JobTableModel in sync with the backend the way the zguide's Clone
/// pattern does: events are applied in batches every 50 ms (the model ignores
/// stale revs), a snapshot is read with `list changed_since 0` in pages of 1,000,
/// then `list changed_since <rev>` polls fetch what changed: one request per
/// poll, whatever the number of jobs. Polls are fast while jobs are active
/// and back off while none are; an event, a seq gap or a new epoch polls at
/// once (at most one request in flight, at most one poll per 100 ms).
class JobSync final : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::milliseconds kDefaultFastInterval{500};
    static constexpr std::chrono::milliseconds kDefaultIdleInterval{5000};
    /// Jobs per `list` reply: small enough that a page of jobs with large
    /// params stays far below BackendClient::kMaxReplyBytes.
    static constexpr int kPageSize = 200;

    JobSync(BackendClient *client, JobTableModel *model, QObject *parent = nullptr);

    /// `fast` while jobs are active; while idle the interval doubles up to `idleMax`.
    void setPollIntervals(std::chrono::milliseconds fast, std::chrono::milliseconds idleMax);
    /// Polls now, or as soon as the poll in flight is answered.
    void pollNow();
    /// Forgets everything (another backend): clears the model, reads a new snapshot.
    void restart();

    qint64 rev() const { return m_rev; }
    bool snapshotComplete() const { return m_snapshotComplete; }
    std::chrono::milliseconds interval() const { return m_interval; }
    /// Polls sent since construction (for tests and the status bar).
    int pollCount() const { return m_polls; }

Q_SIGNALS:
    /// The first full snapshot after start or restart() is in the model.
    void snapshotLoaded();
    /// A poll reached the end of the change feed.
    void synced();
    void pollFailed(const QString &message);

private:
    void send();
    void onReply(const Result<QJsonObject> &reply);
    void scheduleNext(bool sawChanges);
    void onEvent(const Job &job);
    void flushEvents();

    BackendClient *m_client;
    JobTableModel *m_model;
    QTimer m_timer;
    QTimer m_eventFlush;
    QHash<QString, Job> m_pendingEvents; // newest rev per job since the last flush
    qint64 m_rev = 0;
    bool m_snapshotComplete = false;
    bool m_inFlight = false;
    bool m_pollAgain = false;
    int m_polls = 0;
    qint64 m_lastSentMs = 0;
    quint64 m_generation = 0; // replies from before restart() are ignored
    std::chrono::milliseconds m_fast = kDefaultFastInterval;
    std::chrono::milliseconds m_idleMax = kDefaultIdleInterval;
    std::chrono::milliseconds m_interval = kDefaultFastInterval;
};

} // namespace jobdesk
