#include "dashboardtimechart.h"

#include "dashboardchartstyle.h"

#include <QAreaSeries>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLegend>
#include <QLineSeries>
#include <QLocale>
#include <QToolTip>
#include <QValueAxis>
#include <cmath>

namespace jobdesk {

namespace {

constexpr qint64 kHourMs = 3600 * 1000;

/// The top of a count axis with four intervals of 1, 2, 2.5 or 5 times a
/// power of ten, so every label is a round whole number (2.5 only from 25
/// up) and the highest value takes at least 40 % of the height.
double niceCountMax(double max)
{
    const double wanted = std::max(1.0, max / 4.0);
    const double power = std::pow(10.0, std::floor(std::log10(wanted)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        if (m == 2.5 && power < 10.0)
            continue; // 2.5 would label 2.5, 7.5
        if (m * power >= wanted)
            return 4.0 * m * power;
    }
    return 40.0 * power;
}

QString timeFormatFor(qint64 spanMs)
{
    if (spanMs <= 24 * kHourMs)
        return QStringLiteral("HH:mm");
    if (spanMs <= 7 * 24 * kHourMs)
        return QStringLiteral("ddd HH:mm");
    return QStringLiteral("d MMM");
}

} // namespace

DashboardTimeChart::DashboardTimeChart(const QString &title, QWidget *parent)
    : QChartView(parent)
    , m_chart(new QChart)
    , m_timeAxis(new QDateTimeAxis(m_chart))
    , m_countAxis(new QValueAxis(m_chart))
{
    setChart(m_chart); // the view owns the chart
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(220);
    m_chart->setTitle(title);
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->setMargins(QMargins(6, 6, 6, 6));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_timeAxis->setTickCount(7);
    m_timeAxis->setFormat(timeFormatFor(kHourMs));
    m_countAxis->setLabelFormat(QStringLiteral("%.0f"));
    m_countAxis->setTickCount(5);
    m_countAxis->setRange(0, niceCountMax(0));
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_countAxis, Qt::AlignLeft);
    restyle();
}

void DashboardTimeChart::addLine(const QString &name, const QColor &meaning, Value value,
                                 bool filled)
{
    Line line{name, meaning, std::move(value), new QLineSeries(m_chart), nullptr};
    line.series->setName(name);
    QAbstractSeries *shown = line.series;
    if (filled) {
        line.area = new QAreaSeries(line.series);
        line.area->setName(name);
        shown = line.area;
    }
    m_chart->addSeries(shown);
    shown->attachAxis(m_timeAxis);
    shown->attachAxis(m_countAxis);
    const int index = int(m_lines.size());
    connect(line.series, &QLineSeries::hovered, this, [this, index](const QPointF &p, bool state) {
        showTooltip(m_lines.at(index), p, state);
    });
    if (line.area) {
        connect(line.area, &QAreaSeries::hovered, this,
                [this, index](const QPointF &p, bool state) {
                    showTooltip(m_lines.at(index), p, state);
                });
    }
    m_lines.append(line);
    m_chart->legend()->setVisible(m_lines.size() > 1);
    restyle();
}

void DashboardTimeChart::showStats(const DashboardStats &stats)
{
    double top = 0;
    for (Line &line : m_lines) {
        QList<QPointF> points;
        points.reserve(stats.series.size());
        for (const DashboardPoint &p : stats.series) {
            const double v = double(line.value(p));
            top = std::max(top, v);
            points.append(QPointF(double(p.tMs), v));
        }
        if (points != line.series->points())
            line.series->replace(points);
    }
    const QDateTime from = QDateTime::fromMSecsSinceEpoch(stats.fromMs);
    const QDateTime to = QDateTime::fromMSecsSinceEpoch(stats.toMs);
    // A reply without a range (a backend without the series) keeps the axis.
    if (stats.toMs > stats.fromMs && stats.fromMs > 0 &&
        (m_timeAxis->min() != from || m_timeAxis->max() != to)) {
        m_timeAxis->setFormat(timeFormatFor(stats.toMs - stats.fromMs));
        m_timeAxis->setRange(from, to);
    }
    const double countMax = niceCountMax(top);
    if (m_countAxis->max() != countMax)
        m_countAxis->setRange(0, countMax);
}

void DashboardTimeChart::setTitle(const QString &title)
{
    if (m_chart->title() != title)
        m_chart->setTitle(title);
}

QList<QPointF> DashboardTimeChart::points(int index) const
{
    return m_lines.at(index).series->points();
}

double DashboardTimeChart::countAxisMax() const
{
    return m_countAxis->max();
}

void DashboardTimeChart::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        restyle();
}

void DashboardTimeChart::restyle()
{
    const QPalette pal = palette();
    DashboardChartStyle::apply(m_chart, pal);
    for (Line &line : m_lines) {
        const QColor color = DashboardChartStyle::seriesColor(line.meaning, pal);
        QPen pen(color, 2);
        if (line.area) {
            // Opaque, mixed into the chart's ground: the legend's marker
            // shows the same colour as the area, on either theme.
            const QColor ground = pal.color(QPalette::Base);
            const auto mix = [](int a, int b) { return (a * 2 + b * 3) / 5; };
            const QColor fill(mix(color.red(), ground.red()), mix(color.green(), ground.green()),
                              mix(color.blue(), ground.blue()));
            line.area->setPen(pen);
            line.area->setBrush(fill);
        } else {
            line.series->setPen(pen);
        }
    }
}

void DashboardTimeChart::showTooltip(const Line &line, const QPointF &point, bool state)
{
    if (!state) {
        QToolTip::hideText();
        return;
    }
    // The nearest step to where the pointer is.
    const QList<QPointF> points = line.series->points();
    if (points.isEmpty())
        return;
    const QPointF *nearest = &points.first();
    for (const QPointF &p : points) {
        if (std::abs(p.x() - point.x()) < std::abs(nearest->x() - point.x()))
            nearest = &p;
    }
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(qint64(nearest->x()));
    QToolTip::showText(QCursor::pos(),
                       tr("%1: %2 (%3)")
                           .arg(line.name, QLocale().toString(qint64(nearest->y())),
                                QLocale().toString(t, QLocale::ShortFormat)),
                       this);
}

} // namespace jobdesk
