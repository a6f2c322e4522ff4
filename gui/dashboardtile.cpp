#include "dashboardtile.h"

#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QVBoxLayout>

namespace jobdesk {

namespace {

constexpr int kAccentWidth = 4;

} // namespace

DashboardTile::DashboardTile(const QString &title, QWidget *parent)
    : QFrame(parent)
    , m_accent(palette().color(QPalette::Highlight))
{
    setFocusPolicy(Qt::StrongFocus);
    setCursor(Qt::PointingHandCursor);
    setAttribute(Qt::WA_Hover);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    setMinimumWidth(130);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);

    m_title = new QLabel(title, this);
    m_title->setObjectName(QStringLiteral("tileTitle"));
    m_title->setForegroundRole(QPalette::PlaceholderText);
    m_value = new QLabel(QStringLiteral("–"), this);
    m_value->setObjectName(QStringLiteral("tileValue"));
    m_caption = new QLabel(this);
    m_caption->setObjectName(QStringLiteral("tileCaption"));
    m_caption->setForegroundRole(QPalette::PlaceholderText);
    for (QLabel *label : {m_title, m_value, m_caption})
        label->setTextInteractionFlags(Qt::NoTextInteraction);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(kAccentWidth + 10, 8, 10, 8);
    layout->setSpacing(2);
    layout->addWidget(m_title);
    layout->addWidget(m_value);
    layout->addWidget(m_caption);
    updateFonts();
    setAccessibleName(title);
}

void DashboardTile::setValue(const QString &value)
{
    if (m_value->text() == value)
        return; // no relayout, no repaint: live updates stay still
    m_value->setText(value);
    setAccessibleDescription(value + QLatin1Char(' ') + m_caption->text());
}

void DashboardTile::setCaption(const QString &caption)
{
    if (m_caption->text() == caption)
        return;
    // An empty caption keeps its line, so the tiles keep one height.
    m_caption->setText(caption.isEmpty() ? QStringLiteral(" ") : caption);
    setAccessibleDescription(m_value->text() + QLatin1Char(' ') + caption);
}

void DashboardTile::setAccent(const QColor &color)
{
    m_accent = color;
    update();
}

QString DashboardTile::title() const
{
    return m_title->text();
}

QString DashboardTile::value() const
{
    return m_value->text();
}

QString DashboardTile::caption() const
{
    return m_caption->text().trimmed();
}

void DashboardTile::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton && rect().contains(event->position().toPoint())) {
        Q_EMIT activated();
        return;
    }
    QFrame::mouseReleaseEvent(event);
}

void DashboardTile::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Return:
    case Qt::Key_Enter:
    case Qt::Key_Space:
        Q_EMIT activated();
        return;
    default:
        QFrame::keyPressEvent(event);
    }
}

void DashboardTile::enterEvent(QEnterEvent *event)
{
    m_hovered = true;
    update();
    QFrame::enterEvent(event);
}

void DashboardTile::leaveEvent(QEvent *event)
{
    m_hovered = false;
    update();
    QFrame::leaveEvent(event);
}

void DashboardTile::paintEvent(QPaintEvent *event)
{
    QFrame::paintEvent(event);
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette &pal = palette();
    const bool emphasised = m_hovered || hasFocus();
    QColor border = emphasised ? pal.color(QPalette::Highlight) : pal.color(QPalette::Mid);
    p.setPen(QPen(border, emphasised ? 1.5 : 1.0));
    p.setBrush(Qt::NoBrush);
    p.drawRoundedRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
    p.setPen(Qt::NoPen);
    p.setBrush(m_accent);
    p.drawRoundedRect(QRectF(1, 1, kAccentWidth, height() - 2), 2, 2);
}

void DashboardTile::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::FontChange)
        updateFonts();
    QFrame::changeEvent(event);
}

void DashboardTile::updateFonts()
{
    const auto scaled = [this](double factor) {
        QFont f = font();
        if (f.pointSizeF() > 0)
            f.setPointSizeF(f.pointSizeF() * factor);
        else
            f.setPixelSize(qRound(f.pixelSize() * factor));
        return f;
    };
    QFont valueFont = scaled(1.9);
    valueFont.setWeight(QFont::DemiBold);
    m_value->setFont(valueFont);
    m_title->setFont(scaled(0.9));
    m_caption->setFont(scaled(0.9));
}

} // namespace jobdesk
