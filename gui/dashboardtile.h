#pragma once

#include <QColor>
#include <QFrame>

class QLabel;

namespace jobdesk {

/// One number of the dashboard with its title and a caption, e.g.
/// "Pending / 1,204 / 3 retrying". Clicking it (or Enter/Space when it has
/// focus) emits activated(): the dashboard opens the jobs it counts.
class DashboardTile final : public QFrame
{
    Q_OBJECT
public:
    explicit DashboardTile(const QString &title, QWidget *parent = nullptr);

    void setValue(const QString &value);
    void setCaption(const QString &caption);
    /// The colour of the strip along the tile's left edge.
    void setAccent(const QColor &color);

    QString title() const;
    QString value() const;
    QString caption() const;

Q_SIGNALS:
    void activated();

protected:
    void mouseReleaseEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void enterEvent(QEnterEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void updateFonts();

    QLabel *m_title = nullptr;
    QLabel *m_value = nullptr;
    QLabel *m_caption = nullptr;
    QColor m_accent;
    bool m_hovered = false;
};

} // namespace jobdesk
