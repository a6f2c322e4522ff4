#pragma once

#include "http/pollhint.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <memory>
#include <shared_mutex>

namespace jobdesk {

/// An immutable view of one job as last committed: what a status poll
/// answers. Published by the write path after each commit, so polls on the
/// HTTP thread never wait for the store.
struct JobSnapshot
{
    QString id;
    qint64 rev = 0;
    bool terminal = false;
    QByteArray json; // the job object, serialized once
    QByteArray etag; // "r<rev>", quotes included
    PollState poll;  // what Retry-After is derived from
};

/// Thread-safe map from job id to its latest snapshot. The write path is the
/// only writer; HTTP and control reads may come from any thread.
class JobSnapshotCache
{
public:
    std::shared_ptr<const JobSnapshot> find(const QString &id) const;
    void publish(std::shared_ptr<const JobSnapshot> snapshot);
    void remove(const QString &id);
    /// Drops terminal snapshots when the cache holds more than `maxEntries`,
    /// so memory follows the active set, not the history.
    void trim(qsizetype maxEntries);
    qsizetype size() const;

private:
    mutable std::shared_mutex m_mutex;
    QHash<QString, std::shared_ptr<const JobSnapshot>> m_byId;
};

} // namespace jobdesk
