#include "jobsnapshot.h"

#include <mutex>

namespace jobdesk {

std::shared_ptr<const JobSnapshot> JobSnapshotCache::find(const QString &id) const
{
    std::shared_lock lock(m_mutex);
    return m_byId.value(id);
}

void JobSnapshotCache::publish(std::shared_ptr<const JobSnapshot> snapshot)
{
    std::unique_lock lock(m_mutex);
    m_byId.insert(snapshot->id, std::move(snapshot));
}

void JobSnapshotCache::remove(const QString &id)
{
    std::unique_lock lock(m_mutex);
    m_byId.remove(id);
}

void JobSnapshotCache::trim(qsizetype maxEntries)
{
    std::unique_lock lock(m_mutex);
    if (m_byId.size() <= maxEntries)
        return;
    // Terminal snapshots are only a speed-up: a miss reads the store. Drop
    // down to three quarters so trimming does not run on every publish.
    const qsizetype target = maxEntries * 3 / 4;
    for (auto it = m_byId.begin(); it != m_byId.end() && m_byId.size() > target;) {
        if (it.value()->terminal)
            it = m_byId.erase(it);
        else
            ++it;
    }
}

qsizetype JobSnapshotCache::size() const
{
    std::shared_lock lock(m_mutex);
    return m_byId.size();
}

} // namespace jobdesk
