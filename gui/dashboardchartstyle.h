#pragma once

#include <QColor>
#include <QPalette>

QT_BEGIN_NAMESPACE
class QChart;
QT_END_NAMESPACE

namespace jobdesk {

/// How the dashboard's charts take the application's palette, so they read
/// well on light and dark themes alike: the chart's background, text, axes
/// and grid come from the palette; the series keep their meaning's colour
/// (completed green, failed red, ...) lightened on dark backgrounds.
class DashboardChartStyle
{
public:
    /// Whether the palette's window is dark (light text on dark ground).
    static bool isDark(const QPalette &palette);
    /// Applies the palette to a chart, its axes and its legend.
    static void apply(QChart *chart, const QPalette &palette);
    /// A meaning's colour as it should be drawn on this palette.
    static QColor seriesColor(const QColor &base, const QPalette &palette);
};

} // namespace jobdesk
