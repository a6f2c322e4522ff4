#include "dashboardchartstyle.h"

#include <QAbstractAxis>
#include <QChart>
#include <QLegend>

namespace jobdesk {

bool DashboardChartStyle::isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

QColor DashboardChartStyle::seriesColor(const QColor &base, const QPalette &palette)
{
    // The status colours are mid-tones chosen for light grounds; on a dark
    // one they need more light to keep their contrast.
    return isDark(palette) ? base.lighter(150) : base;
}

void DashboardChartStyle::apply(QChart *chart, const QPalette &palette)
{
    const QColor text = palette.color(QPalette::WindowText);
    QColor grid = text;
    grid.setAlphaF(0.12f);
    QColor line = text;
    line.setAlphaF(0.35f);

    chart->setBackgroundBrush(palette.color(QPalette::Base));
    chart->setBackgroundPen(QPen(palette.color(QPalette::Mid), 1));
    chart->setBackgroundRoundness(4);
    chart->setTitleBrush(text);
    chart->legend()->setLabelColor(text);
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setGridLineColor(grid);
        axis->setMinorGridLineColor(grid);
        axis->setLinePenColor(line);
    }
}

} // namespace jobdesk
