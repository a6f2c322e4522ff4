#include "jobsync.h"

#include "backendclient.h"
#include "jobjson.h"
#include "jobtablemodel.h"

#include <QDateTime>
#include <QJsonArray>
#include <QLoggingCategory>
#include <algorithm>

Q_LOGGING_CATEGORY(lcSync, "jobdesk.gui.sync")

namespace jobdesk {

namespace {

constexpr qint64 kMinPollSpacingMs = 100;
constexpr int kEventBatchMs = 50;

} // namespace

JobSync::JobSync(BackendClient *client, JobTableModel *model, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_model(model)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &JobSync::send);
    connect(m_client, &BackendClient::stateChanged, this, [this](ConnectionState state) {
        if (state == ConnectionState::Connected)
            pollNow();
        else if (state == ConnectionState::Offline || state == ConnectionState::Disconnected)
            m_timer.stop();
    });
    connect(m_client, &BackendClient::resyncNeeded, this, &JobSync::pollNow);
    connect(m_client, &BackendClient::jobEvent, this,
            [this](const QString &, const Job &job) { onEvent(job); });
    m_eventFlush.setSingleShot(true);
    m_eventFlush.setInterval(kEventBatchMs);
    connect(&m_eventFlush, &QTimer::timeout, this, &JobSync::flushEvents);
}

void JobSync::onEvent(const Job &job)
{
    // Progress events of many jobs arrive many times a second: one model
    // update per batch, not per event.
    auto it = m_pendingEvents.find(job.id);
    if (it == m_pendingEvents.end())
        m_pendingEvents.insert(job.id, job);
    else if (job.rev > it->rev)
        *it = job;
    if (!m_eventFlush.isActive())
        m_eventFlush.start();
}

void JobSync::flushEvents()
{
    m_eventFlush.stop();
    if (m_pendingEvents.isEmpty())
        return;
    const QList<Job> jobs = m_pendingEvents.values();
    m_pendingEvents.clear();
    m_model->applyBatch(jobs);
    pollNow();
}

void JobSync::setPollIntervals(std::chrono::milliseconds fast, std::chrono::milliseconds idleMax)
{
    m_fast = std::max(fast, std::chrono::milliseconds(kMinPollSpacingMs));
    m_idleMax = std::max(idleMax, m_fast);
    m_interval = m_fast;
}

void JobSync::restart()
{
    ++m_generation;
    m_pendingEvents.clear();
    m_eventFlush.stop();
    m_inFlight = false;
    m_pollAgain = false;
    m_rev = 0;
    m_snapshotComplete = false;
    m_model->clear();
    if (m_client->state() == ConnectionState::Connected)
        pollNow();
}

void JobSync::pollNow()
{
    if (m_inFlight) {
        m_pollAgain = true;
        return;
    }
    const qint64 since = QDateTime::currentMSecsSinceEpoch() - m_lastSentMs;
    if (since < kMinPollSpacingMs) {
        // An event storm becomes one poll per spacing, not one per event.
        if (!m_timer.isActive() || m_timer.remainingTime() > kMinPollSpacingMs - since)
            m_timer.start(std::chrono::milliseconds(kMinPollSpacingMs - since));
        return;
    }
    m_timer.stop();
    send();
}

void JobSync::send()
{
    const ConnectionState state = m_client->state();
    if (state != ConnectionState::Connected && state != ConnectionState::Reconnecting)
        return;
    if (m_inFlight)
        return;
    m_inFlight = true;
    m_pollAgain = false;
    m_lastSentMs = QDateTime::currentMSecsSinceEpoch();
    ++m_polls;
    const quint64 generation = m_generation;
    m_client->request(
        QStringLiteral("list"),
        QJsonObject{{QStringLiteral("changed_since"), m_rev}, {QStringLiteral("limit"), kPageSize}},
        this, [this, generation](const Result<QJsonObject> &reply) {
            if (generation == m_generation)
                onReply(reply);
        });
}

void JobSync::onReply(const Result<QJsonObject> &reply)
{
    m_inFlight = false;
    if (!reply) {
        qCInfo(lcSync).noquote() << "poll failed:" << reply.error().detail;
        Q_EMIT pollFailed(reply.error().detail);
        scheduleNext(false);
        return;
    }
    const QJsonObject &page = reply.value();
    const QJsonArray items = page.value(QStringLiteral("items")).toArray();
    const qint64 rev = page.value(QStringLiteral("rev")).toInteger(m_rev);
    if (rev < m_rev) {
        // Revs only grow, across restarts too: this is another store.
        qCInfo(lcSync) << "the backend's rev went back from" << m_rev << "to" << rev
                       << "- reading a new snapshot";
        restart();
        return;
    }

    QList<Job> jobs;
    QStringList deleted;
    jobs.reserve(items.size());
    for (const QJsonValue &v : items) {
        const QJsonObject o = v.toObject();
        if (o.value(QStringLiteral("deleted")).toBool()) {
            deleted.append(o.value(QStringLiteral("id")).toString());
            continue;
        }
        Job job;
        QString error;
        if (jobFromJson(o, &job, &error))
            jobs.append(std::move(job));
        else
            qCWarning(lcSync) << "skipping an unreadable job:" << error;
    }
    m_model->applyBatch(jobs, deleted);
    m_rev = rev;

    // `more`: the page stopped at its limit or at its size with changes
    // left; a full page means the same from a backend that does not say.
    if (page.value(QStringLiteral("more")).toBool() || items.size() >= kPageSize) {
        send(); // more pages waiting
        return;
    }
    if (!m_snapshotComplete) {
        m_snapshotComplete = true;
        qCInfo(lcSync) << "snapshot loaded:" << m_model->rowCount() << "jobs, rev" << m_rev;
        Q_EMIT snapshotLoaded();
    }
    Q_EMIT synced();
    if (m_pollAgain) {
        pollNow();
        return;
    }
    scheduleNext(!items.isEmpty());
}

void JobSync::scheduleNext(bool sawChanges)
{
    if (sawChanges || m_model->activeCount() > 0)
        m_interval = m_fast;
    else
        m_interval = std::min(m_idleMax, m_interval * 2);
    const ConnectionState state = m_client->state();
    if (state == ConnectionState::Connected || state == ConnectionState::Reconnecting)
        m_timer.start(m_interval);
}

} // namespace jobdesk
