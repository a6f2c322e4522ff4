#pragma once

#include "dashboardstats.h"

#include <QChartView>
#include <QColor>
#include <QList>
#include <QPointF>
#include <functional>

QT_BEGIN_NAMESPACE
class QAreaSeries;
class QDateTimeAxis;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace jobdesk {

/// A dashboard chart of the stats series over time: one line (or filled
/// area) per value of a step, a time axis over the range and a count axis
/// from 0.
///
/// Live updates change the series' points in place (one replace() per
/// line, skipped when nothing changed) and the axes only when their range
/// changes: the chart is never rebuilt, so it does not flicker.
class DashboardTimeChart final : public QChartView
{
    Q_OBJECT
public:
    using Value = std::function<qint64(const DashboardPoint &)>;

    explicit DashboardTimeChart(const QString &title, QWidget *parent = nullptr);

    /// Adds a line before the first update; `meaning` is its colour on a
    /// light ground (adjusted on dark ones); `filled` draws an area to 0.
    void addLine(const QString &name, const QColor &meaning, Value value, bool filled = false);
    /// Shows the series of `stats` (its range, step and points).
    void showStats(const DashboardStats &stats);
    /// Changes the title (nothing is redrawn when it is the same).
    void setTitle(const QString &title);

    /// The points of line `index` as last shown (for tests).
    QList<QPointF> points(int index) const;
    /// The top of the count axis.
    double countAxisMax() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    struct Line
    {
        QString name;
        QColor meaning;
        Value value;
        QLineSeries *series = nullptr;
        QAreaSeries *area = nullptr;
    };

    void restyle();
    void showTooltip(const Line &line, const QPointF &point, bool state);

    QChart *m_chart = nullptr;
    QDateTimeAxis *m_timeAxis = nullptr;
    QValueAxis *m_countAxis = nullptr;
    QList<Line> m_lines;
};

} // namespace jobdesk
