#pragma once

#include <QStyledItemDelegate>

namespace jobdesk {

/// Paints the progress column as a native progress bar (QStyle::CE_ProgressBar):
/// no widget per row. A running job with a null progress gets a busy
/// (indeterminate) bar; a pending job shows "queued"; a job that ended
/// without completing keeps its last value, greyed.
class JobProgressDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit JobProgressDelegate(QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace jobdesk
