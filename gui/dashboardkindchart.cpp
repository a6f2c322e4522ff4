#include "dashboardkindchart.h"

#include "dashboardchartstyle.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLegend>
#include <QValueAxis>
#include <cmath>

namespace jobdesk {

namespace {

/// A round top for the value axis: 1, 2 or 5 times a power of ten above
/// the largest value, with some room for the bar labels.
double niceMax(double max)
{
    const double wanted = std::max(1e-3, max * 1.15);
    const double power = std::pow(10.0, std::floor(std::log10(wanted)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * power >= wanted)
            return m * power;
    }
    return 10.0 * power;
}

} // namespace

DashboardKindChart::DashboardKindChart(const QString &title, const QList<Set> &sets,
                                       const QString &unit, double fixedMax,
                                       const QString &emptyText, QWidget *parent)
    : QChartView(parent)
    , m_chart(new QChart)
    , m_series(new QHorizontalBarSeries(m_chart))
    , m_kindAxis(new QBarCategoryAxis(m_chart))
    , m_valueAxis(new QValueAxis(m_chart))
    , m_fixedMax(fixedMax)
{
    setChart(m_chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(220);
    m_chart->setTitle(title);
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->setMargins(QMargins(6, 6, 6, 6));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->legend()->setVisible(sets.size() > 1);
    for (const Set &s : sets) {
        m_sets.append(new QBarSet(s.name, m_series));
        m_meanings.append(s.meaning);
    }
    // Horizontal bars stack a category's sets from the bottom up: appended
    // in reverse, the first set is on top, and the legend reads the same way.
    for (auto set = m_sets.crbegin(); set != m_sets.crend(); ++set)
        m_series->append(*set);
    m_chart->legend()->setReverseMarkers(true);
    m_series->setLabelsVisible(true);
    m_series->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    m_series->setLabelsPrecision(3);
    m_series->setLabelsFormat(unit.isEmpty() ? QStringLiteral("@value")
                                             : QStringLiteral("@value %1").arg(unit));
    m_chart->addSeries(m_series);
    m_chart->addAxis(m_kindAxis, Qt::AlignLeft);
    m_chart->addAxis(m_valueAxis, Qt::AlignBottom);
    m_series->attachAxis(m_kindAxis);
    m_series->attachAxis(m_valueAxis);
    m_valueAxis->setRange(0, m_fixedMax > 0 ? m_fixedMax : 1.0);
    m_valueAxis->setTickCount(6);
    m_valueAxis->setLabelFormat(QStringLiteral("%g"));
    if (!unit.isEmpty())
        m_valueAxis->setTitleText(unit);

    m_emptyLabel = new QLabel(emptyText, this);
    m_emptyLabel->setObjectName(QStringLiteral("emptyChartText"));
    m_emptyLabel->setAlignment(Qt::AlignCenter);
    m_emptyLabel->setWordWrap(true);
    m_emptyLabel->setForegroundRole(QPalette::PlaceholderText);
    m_emptyLabel->setAttribute(Qt::WA_TransparentForMouseEvents);
    restyle();
}

void DashboardKindChart::setValues(const QStringList &kinds, const QList<QList<double>> &values)
{
    Q_ASSERT(values.size() == m_sets.size());
    double top = 0;
    for (const QList<double> &set : values) {
        for (double v : set)
            top = std::max(top, v);
    }
    // Relabelling row i renames its category, which QBarCategoryAxis
    // refuses (silently) when the new name is still another row's: then the
    // rows are rebuilt, as when kinds come or go.
    bool relabelInPlace = kinds.size() == m_kinds.size();
    for (int i = 0; relabelInPlace && i < kinds.size(); ++i)
        relabelInPlace = kinds.at(i) == m_kinds.at(i) || !m_kinds.contains(kinds.at(i));
    if (!relabelInPlace) {
        // Kinds came, went or changed places: new categories and new bars (rare).
        for (QBarSet *set : std::as_const(m_sets))
            set->remove(0, set->count());
        m_kindAxis->setCategories(kinds);
        for (int s = 0; s < m_sets.size(); ++s)
            m_sets[s]->append(values.value(s));
        m_kinds = kinds;
    } else {
        // The same number of rows: relabel and revalue them in place.
        for (int i = 0; i < kinds.size(); ++i) {
            if (kinds.at(i) != m_kinds.at(i))
                m_kindAxis->replace(m_kinds.at(i), kinds.at(i));
        }
        m_kinds = kinds;
        for (int s = 0; s < m_sets.size(); ++s) {
            for (int i = 0; i < kinds.size(); ++i) {
                const double v = values.value(s).value(i);
                if (m_sets[s]->at(i) != v)
                    m_sets[s]->replace(i, v);
            }
        }
    }
    const double max = m_fixedMax > 0 ? m_fixedMax : niceMax(top);
    if (m_valueAxis->max() != max)
        m_valueAxis->setRange(0, max);
    m_emptyLabel->setVisible(kinds.isEmpty());
}

QList<double> DashboardKindChart::values(int index) const
{
    QList<double> out;
    const QBarSet *set = m_sets.at(index);
    for (int i = 0; i < set->count(); ++i)
        out.append(set->at(i));
    return out;
}

bool DashboardKindChart::showsEmptyText() const
{
    return !m_emptyLabel->isHidden();
}

void DashboardKindChart::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        restyle();
}

void DashboardKindChart::resizeEvent(QResizeEvent *event)
{
    QChartView::resizeEvent(event);
    m_emptyLabel->setGeometry(rect().adjusted(20, 40, -20, -40));
}

void DashboardKindChart::restyle()
{
    const QPalette pal = palette();
    DashboardChartStyle::apply(m_chart, pal);
    m_series->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    for (int s = 0; s < m_sets.size(); ++s) {
        const QColor color = DashboardChartStyle::seriesColor(m_meanings.at(s), pal);
        m_sets[s]->setColor(color);
        m_sets[s]->setBorderColor(color);
        m_sets[s]->setLabelColor(pal.color(QPalette::WindowText));
    }
}

} // namespace jobdesk
