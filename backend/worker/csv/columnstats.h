#pragma once

#include "distinctcounter.h"

#include <QJsonObject>
#include <QString>
#include <cstdint>
#include <string>
#include <string_view>

namespace jobdesk {

/// Everything report.csv_summary learns about one column, one cell at a
/// time: the narrowest type that fits every value, counts, distinct and top
/// values, min and max, and a numerically stable mean and variance
/// (Welford). Each check stops as soon as a value rules its type out, so a
/// text column costs little more than its hashing.
class ColumnStats
{
public:
    ColumnStats(QString name, DistinctBudget &budget, std::size_t exactDistinctLimit);

    /// A cell trimmed, checked for a missing marker and hashed.
    struct PreparedCell
    {
        std::string_view value;
        std::uint64_t hash = 0;
        bool missing = true;
    };

    /// The first half of add(): also starts loading the memory the second
    /// half will touch, so a row's cells can be prepared first and their
    /// cache misses overlap.
    void prepare(std::string_view cell, PreparedCell &out) const;
    /// Adds one prepared cell. Returns true and sets `number` when the cell
    /// is numeric while the column may still be numeric, for the group sums.
    bool add(const PreparedCell &cell, double *number);
    /// Both halves at once (cell: quotes removed).
    bool add(std::string_view cell, double *number)
    {
        PreparedCell p;
        prepare(cell, p);
        return add(p, number);
    }
    /// A cell the record did not have (a short row).
    void addMissing() { ++m_missing; }

    const QString &name() const { return m_name; }
    /// "integer", "number", "boolean", "date" or "string".
    QString type() const;
    bool isNumeric() const { return m_count > 0 && m_mayBeNumber; }
    std::uint64_t count() const { return m_count; }
    std::uint64_t missing() const { return m_missing; }

    /// The column's part of the summary (see the contract's JSON).
    QJsonObject toJson(std::size_t topCount) const;

private:
    QString m_name;
    std::uint64_t m_count = 0;
    std::uint64_t m_missing = 0;
    DistinctCounter m_distinct;

    bool m_mayBeInteger = true;
    bool m_mayBeNumber = true;
    bool m_mayBeBoolean = true;
    bool m_mayBeDate = true;

    // Numbers: Welford's running mean and sum of squared deviations.
    double m_mean = 0;
    double m_m2 = 0;
    double m_min = 0;
    double m_max = 0;
    std::int64_t m_intMin = 0;
    std::int64_t m_intMax = 0;

    // Dates: compared as instants, shown as written.
    std::int64_t m_dateMin = 0;
    std::int64_t m_dateMax = 0;
    std::string m_dateMinText;
    std::string m_dateMaxText;
};

} // namespace jobdesk
