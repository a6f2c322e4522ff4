#pragma once

#include <QChartView>
#include <QColor>
#include <QList>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QBarCategoryAxis;
class QBarSet;
class QHorizontalBarSeries;
class QLabel;
class QValueAxis;
QT_END_NAMESPACE

namespace jobdesk {

/// A dashboard chart of one or more values per job kind, as horizontal bars
/// (kind names stay readable): e.g. the p50 and p95 durations, or the
/// failure rate. Updates change the bar values and labels in place, and
/// rebuild the rows only when kinds come, go or change places. With no kind, a line of text
/// says why the chart is empty.
class DashboardKindChart final : public QChartView
{
    Q_OBJECT
public:
    struct Set
    {
        QString name;
        QColor meaning; // on a light ground; adjusted on dark ones
    };

    /// `unit` follows each bar's label ("s", "%"); `fixedMax` > 0 pins the
    /// value axis (100 for a percentage), else it follows the values.
    DashboardKindChart(const QString &title, const QList<Set> &sets, const QString &unit,
                       double fixedMax, const QString &emptyText, QWidget *parent = nullptr);

    /// `values[set][kind]`, one list per set, each as long as `kinds`;
    /// `kinds` are the row labels, bottom first.
    void setValues(const QStringList &kinds, const QList<QList<double>> &values);

    QStringList kinds() const { return m_kinds; }
    /// The values of set `index` as shown (for tests).
    QList<double> values(int index) const;
    bool showsEmptyText() const;

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void restyle();

    QChart *m_chart = nullptr;
    QHorizontalBarSeries *m_series = nullptr;
    QBarCategoryAxis *m_kindAxis = nullptr;
    QValueAxis *m_valueAxis = nullptr;
    QList<QBarSet *> m_sets;
    QList<QColor> m_meanings;
    QStringList m_kinds;
    double m_fixedMax = 0;
    QLabel *m_emptyLabel = nullptr;
};

} // namespace jobdesk
