#include "jobprogressdelegate.h"

#include "jobpresentation.h"
#include "jobtablemodel.h"

#include <QApplication>
#include <QPainter>
#include <QStyle>
#include <QStyleOptionProgressBar>

namespace jobdesk {

JobProgressDelegate::JobProgressDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

void JobProgressDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                const QModelIndex &index) const
{
    QStyleOptionViewItem itemOption = option;
    initStyleOption(&itemOption, index);
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();

    // The cell's background and selection, without its text.
    itemOption.text.clear();
    style->drawControl(QStyle::CE_ItemViewItem, &itemOption, painter, widget);

    const auto status = static_cast<JobStatus>(index.data(JobTableModel::StatusRole).toInt());
    const QVariant progress = index.data(JobTableModel::ProgressRole);

    if (status == JobStatus::Pending) {
        painter->save();
        painter->setPen(option.palette.color(QPalette::Disabled, QPalette::Text));
        painter->drawText(option.rect.adjusted(6, 0, -6, 0), Qt::AlignVCenter | Qt::AlignLeft,
                          tr("queued"));
        painter->restore();
        return;
    }

    QStyleOptionProgressBar bar;
    if (widget)
        bar.initFrom(widget);
    bar.rect = option.rect.adjusted(3, 3, -3, -3);
    bar.state = option.state | QStyle::State_Horizontal;
    bar.direction = option.direction;
    bar.fontMetrics = option.fontMetrics;
    bar.palette = option.palette;
    bar.minimum = 0;
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;

    const bool indeterminate = !progress.isValid() && status == JobStatus::Processing;
    if (indeterminate) {
        bar.maximum = 0; // busy indicator
        bar.progress = 0;
        bar.text = tr("working…");
    } else {
        const double value = status == JobStatus::Completed ? 100.0 : progress.toDouble();
        bar.maximum = 100;
        bar.progress = qBound(0, qRound(value), 100);
        bar.text = QStringLiteral("%1%").arg(value, 0, 'f', 0);
    }
    bar.palette.setColor(QPalette::Highlight, statusColor(status));
    if (status == JobStatus::Failed || status == JobStatus::Cancelled)
        bar.state &= ~QStyle::State_Enabled;
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);
}

QSize JobProgressDelegate::sizeHint(const QStyleOptionViewItem &option,
                                    const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(qMax(size.width(), 120));
    return size;
}

} // namespace jobdesk
