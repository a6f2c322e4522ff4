#include "columnstats.h"

#include "bytehash.h"
#include "cellparse.h"

#include <QJsonArray>
#include <cmath>

namespace jobdesk {

ColumnStats::ColumnStats(QString name, DistinctBudget &budget, std::size_t exactDistinctLimit)
    : m_name(std::move(name))
    , m_distinct(budget, exactDistinctLimit)
{
}

void ColumnStats::prepare(std::string_view cell, PreparedCell &p) const
{
    p.value = cellparse::trimmed(cell);
    p.missing = cellparse::isMissing(p.value);
    if (!p.missing) {
        p.hash = hashBytes(p.value);
        m_distinct.prefetch(p.hash);
    }
}

bool ColumnStats::add(const PreparedCell &cell, double *number)
{
    if (cell.missing) {
        ++m_missing;
        return false;
    }
    const std::string_view v = cell.value;
    const bool first = m_count == 0;
    ++m_count;
    m_distinct.add(v, cell.hash);

    bool numeric = false;
    if (m_mayBeNumber) {
        double d = 0;
        if (m_mayBeInteger) {
            std::int64_t i = 0;
            if (cellparse::parseInteger(v, &i)) {
                numeric = true;
                d = double(i);
                if (first || i < m_intMin)
                    m_intMin = i;
                if (first || i > m_intMax)
                    m_intMax = i;
            } else {
                m_mayBeInteger = false;
            }
        }
        if (!numeric) {
            numeric = cellparse::parseNumber(v, &d);
            if (!numeric)
                m_mayBeNumber = false;
        }
        if (numeric) {
            // Welford: stable where sum-of-squares formulas cancel out.
            const double delta = d - m_mean;
            m_mean += delta / double(m_count);
            m_m2 += delta * (d - m_mean);
            if (first || d < m_min)
                m_min = d;
            if (first || d > m_max)
                m_max = d;
            *number = d;
        }
    }
    if (m_mayBeBoolean) {
        bool b = false;
        if (!cellparse::parseBoolean(v, &b))
            m_mayBeBoolean = false;
    }
    if (m_mayBeDate) {
        std::int64_t us = 0;
        bool hasTime = false;
        if (cellparse::parseDate(v, &us, &hasTime)) {
            if (first || us < m_dateMin) {
                m_dateMin = us;
                m_dateMinText.assign(v);
            }
            if (first || us > m_dateMax) {
                m_dateMax = us;
                m_dateMaxText.assign(v);
            }
        } else {
            m_mayBeDate = false;
        }
    }
    return numeric;
}

QString ColumnStats::type() const
{
    if (m_count == 0)
        return QStringLiteral("string");
    if (m_mayBeInteger && m_mayBeNumber)
        return QStringLiteral("integer");
    if (m_mayBeNumber)
        return QStringLiteral("number");
    if (m_mayBeBoolean)
        return QStringLiteral("boolean");
    if (m_mayBeDate)
        return QStringLiteral("date");
    return QStringLiteral("string");
}

QJsonObject ColumnStats::toJson(std::size_t topCount) const
{
    const QString t = type();
    QJsonObject o{
        {QStringLiteral("name"), m_name},
        {QStringLiteral("type"), t},
        {QStringLiteral("count"), qint64(m_count)},
        {QStringLiteral("missing"), qint64(m_missing)},
        {QStringLiteral("distinct"), qint64(m_distinct.distinct())},
        {QStringLiteral("distinct_estimated"), m_distinct.estimated()},
    };
    if (t == QLatin1String("integer")) {
        o.insert(QStringLiteral("min"), qint64(m_intMin));
        o.insert(QStringLiteral("max"), qint64(m_intMax));
    } else if (t == QLatin1String("number")) {
        o.insert(QStringLiteral("min"), m_min);
        o.insert(QStringLiteral("max"), m_max);
    } else if (t == QLatin1String("date")) {
        o.insert(QStringLiteral("min"),
                 QString::fromUtf8(m_dateMinText.data(), qsizetype(m_dateMinText.size())));
        o.insert(QStringLiteral("max"),
                 QString::fromUtf8(m_dateMaxText.data(), qsizetype(m_dateMaxText.size())));
    }
    if (isNumeric()) {
        o.insert(QStringLiteral("mean"), m_mean);
        o.insert(QStringLiteral("stddev"), m_count > 1
                                               ? QJsonValue(std::sqrt(m_m2 / double(m_count - 1)))
                                               : QJsonValue(QJsonValue::Null));
    }
    QJsonArray top;
    for (const TopValue &v : m_distinct.top(topCount)) {
        top.append(QJsonObject{
            {QStringLiteral("value"), QString::fromUtf8(v.value.data(), qsizetype(v.value.size()))},
            {QStringLiteral("count"), qint64(v.count)}});
    }
    o.insert(QStringLiteral("top"), top);
    o.insert(QStringLiteral("top_estimated"), m_distinct.estimated());
    return o;
}

} // namespace jobdesk
