#include "groupstats.h"

#include "bytehash.h"
#include "columnstats.h"

#include <QJsonArray>
#include <algorithm>

namespace jobdesk {

GroupStats::GroupStats(std::size_t columns, std::size_t maxGroups)
    : m_columns(columns)
    , m_maxGroups(maxGroups)
{
}

std::size_t GroupStats::newSlot()
{
    m_rows.push_back(0);
    m_sums.resize(m_sums.size() + m_columns, 0.0);
    m_counts.resize(m_counts.size() + m_columns, 0);
    return m_rows.size() - 1;
}

std::size_t GroupStats::groupSlot(std::string_view key, bool missingKey)
{
    if (missingKey) {
        if (m_missingSlot == SIZE_MAX)
            m_missingSlot = newSlot();
        return m_missingSlot;
    }
    const std::uint64_t hash = hashBytes(key);
    if (m_keys.size() < m_maxGroups) {
        const ValueTable::Hit hit = m_keys.insert(key, hash);
        if (hit.inserted)
            m_slotOfKey.push_back(newSlot());
        return m_slotOfKey[hit.index];
    }
    // Full: a known key still counts as itself; a new one joins "other"
    // without being stored, so memory stays bounded.
    if (const std::optional<std::uint32_t> index = m_keys.find(key, hash))
        return m_slotOfKey[*index];
    if (m_otherSlot == SIZE_MAX)
        m_otherSlot = newSlot();
    return m_otherSlot;
}

void GroupStats::beginRow(std::string_view key, bool missingKey)
{
    const std::size_t slot = groupSlot(key, missingKey);
    ++m_rows[slot];
    m_rowBase = slot * m_columns;
}

QJsonObject GroupStats::groupJson(std::size_t slot,
                                  const std::vector<std::unique_ptr<ColumnStats>> &columns,
                                  std::size_t byColumn) const
{
    QJsonObject sums, means;
    for (std::size_t c = 0; c < columns.size(); ++c) {
        if (c == byColumn || !columns[c]->isNumeric())
            continue;
        const std::size_t at = slot * m_columns + c;
        sums.insert(columns[c]->name(), m_sums[at]);
        means.insert(columns[c]->name(), m_counts[at]
                                             ? QJsonValue(m_sums[at] / double(m_counts[at]))
                                             : QJsonValue(QJsonValue::Null));
    }
    return QJsonObject{{QStringLiteral("count"), qint64(m_rows[slot])},
                       {QStringLiteral("sums"), sums},
                       {QStringLiteral("means"), means}};
}

QJsonObject GroupStats::toJson(const QString &by, std::size_t byColumn,
                               const std::vector<std::unique_ptr<ColumnStats>> &columns) const
{
    struct Item
    {
        std::size_t slot;
        std::string_view key;
        bool missing;
    };
    std::vector<Item> items;
    for (std::uint32_t k = 0; k < m_keys.size(); ++k)
        items.push_back(Item{m_slotOfKey[k], m_keys.value(k), false});
    if (m_missingSlot != SIZE_MAX)
        items.push_back(Item{m_missingSlot, {}, true});
    std::sort(items.begin(), items.end(), [&](const Item &a, const Item &b) {
        if (m_rows[a.slot] != m_rows[b.slot])
            return m_rows[a.slot] > m_rows[b.slot];
        if (a.missing != b.missing)
            return b.missing; // the missing key after real ones of equal size
        return a.key < b.key;
    });

    QJsonArray out;
    for (const Item &item : items) {
        QJsonObject o = groupJson(item.slot, columns, byColumn);
        o.insert(QStringLiteral("key"),
                 item.missing
                     ? QJsonValue(QJsonValue::Null)
                     : QJsonValue(QString::fromUtf8(item.key.data(), qsizetype(item.key.size()))));
        out.append(o);
    }
    QJsonObject groups{{QStringLiteral("by"), by},
                       {QStringLiteral("items"), out},
                       {QStringLiteral("truncated"), m_otherSlot != SIZE_MAX}};
    if (m_otherSlot != SIZE_MAX)
        groups.insert(QStringLiteral("other"), groupJson(m_otherSlot, columns, byColumn));
    return groups;
}

} // namespace jobdesk
