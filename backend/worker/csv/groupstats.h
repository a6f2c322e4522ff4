#pragma once

#include "valuetable.h"

#include <QJsonObject>
#include <QStringList>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace jobdesk {

class ColumnStats;

/// Per value of the group_by column: the row count and, for every column,
/// the sum and count of its numeric cells (which columns are numeric is only
/// known at the end). At most `maxGroups` groups are kept; rows of further
/// keys are summed into one "other" group, flagged in the output.
class GroupStats
{
public:
    GroupStats(std::size_t columns, std::size_t maxGroups);

    /// Starts a row of the group `key` (trimmed; a missing key is its own
    /// group, shown as null).
    void beginRow(std::string_view key, bool missingKey);
    /// A numeric cell of column `column` in the current row.
    void addNumber(std::size_t column, double value)
    {
        m_sums[m_rowBase + column] += value;
        ++m_counts[m_rowBase + column];
    }

    /// `"groups"` of the summary: by, items (largest first), truncated, other.
    QJsonObject toJson(const QString &by, std::size_t byColumn,
                       const std::vector<std::unique_ptr<ColumnStats>> &columns) const;

private:
    std::size_t newSlot();
    std::size_t groupSlot(std::string_view key, bool missingKey);
    QJsonObject groupJson(std::size_t slot,
                          const std::vector<std::unique_ptr<ColumnStats>> &columns,
                          std::size_t byColumn) const;

    std::size_t m_columns = 0;
    std::size_t m_maxGroups = 0;
    ValueTable m_keys;
    // Slots: the keys in order of first sight, then the missing key, then other.
    std::vector<std::uint64_t> m_rows;
    std::vector<double> m_sums;          // slot * columns + column
    std::vector<std::uint64_t> m_counts; // slot * columns + column
    std::size_t m_missingSlot = SIZE_MAX;
    std::size_t m_otherSlot = SIZE_MAX;
    std::vector<std::size_t> m_slotOfKey; // key index -> slot
    std::size_t m_rowBase = 0;
};

} // namespace jobdesk
