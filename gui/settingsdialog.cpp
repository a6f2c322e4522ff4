#include "settingsdialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace jobdesk {

SettingsDialog::SettingsDialog(const AppSettings &settings, QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("settingsDialog"));
    setWindowTitle(tr("Settings"));
    auto *layout = new QVBoxLayout(this);
    const ConnectionConfig defaults = ConnectionConfig::defaults();

    auto *connectionBox = new QGroupBox(tr("Backend"), this);
    auto *connection = new QFormLayout(connectionBox);
    m_control = new QLineEdit(connectionBox);
    m_control->setObjectName(QStringLiteral("control"));
    m_control->setPlaceholderText(defaults.control);
    connection->addRow(tr("&Control endpoint:"), m_control);
    m_events = new QLineEdit(connectionBox);
    m_events->setObjectName(QStringLiteral("events"));
    m_events->setPlaceholderText(tr("as the backend says"));
    connection->addRow(tr("&Events endpoint:"), m_events);
    m_http = new QLineEdit(connectionBox);
    m_http->setObjectName(QStringLiteral("http"));
    m_http->setPlaceholderText(tr("as the backend says (HOST:PORT)"));
    connection->addRow(tr("&HTTP address:"), m_http);
    auto *tokenRow = new QWidget(connectionBox);
    auto *tokenLayout = new QHBoxLayout(tokenRow);
    tokenLayout->setContentsMargins(0, 0, 0, 0);
    m_tokenFile = new QLineEdit(tokenRow);
    m_tokenFile->setObjectName(QStringLiteral("tokenFile"));
    m_tokenFile->setPlaceholderText(defaults.tokenFile);
    tokenLayout->addWidget(m_tokenFile);
    auto *browse = new QToolButton(tokenRow);
    browse->setText(QStringLiteral("…"));
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("API token file"), m_tokenFile->text());
        if (!path.isEmpty())
            m_tokenFile->setText(path);
    });
    tokenLayout->addWidget(browse);
    connection->addRow(tr("API &token file:"), tokenRow);
    auto *hint = new QLabel(tr("Leave a field empty for jobdeskd's default. Over tcp:// every "
                               "request carries the token; over ipc:// the folder's permissions "
                               "are the check."),
                            connectionBox);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    connection->addRow(hint);
    layout->addWidget(connectionBox);

    auto *pollBox = new QGroupBox(tr("Polling"), this);
    auto *poll = new QFormLayout(pollBox);
    m_fastPoll = new QSpinBox(pollBox);
    m_fastPoll->setObjectName(QStringLiteral("fastPoll"));
    m_fastPoll->setRange(100, 10000);
    m_fastPoll->setSingleStep(100);
    m_fastPoll->setSuffix(tr(" ms"));
    poll->addRow(tr("While jobs are &active:"), m_fastPoll);
    m_idlePoll = new QSpinBox(pollBox);
    m_idlePoll->setObjectName(QStringLiteral("idlePoll"));
    m_idlePoll->setRange(500, 600000);
    m_idlePoll->setSingleStep(500);
    m_idlePoll->setSuffix(tr(" ms"));
    poll->addRow(tr("At most, while &idle:"), m_idlePoll);
    layout->addWidget(pollBox);

    auto *notifyBox = new QGroupBox(tr("Notifications for jobs submitted here"), this);
    auto *notify = new QVBoxLayout(notifyBox);
    m_notifyCompleted = new QCheckBox(tr("When a job &completes"), notifyBox);
    m_notifyFailed = new QCheckBox(tr("When a job &fails"), notifyBox);
    notify->addWidget(m_notifyCompleted);
    notify->addWidget(m_notifyFailed);
    layout->addWidget(notifyBox);

    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    QPalette palette = m_error->palette();
    palette.setColor(QPalette::WindowText, QColor(0xc8, 0x1e, 0x1e));
    m_error->setPalette(palette);
    m_error->hide();
    layout->addWidget(m_error);

    auto *buttons = new QDialogButtonBox(
        QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
            [this] { setFields(AppSettings{}); });
    layout->addWidget(buttons);

    setFields(settings);
    resize(560, sizeHint().height());
}

void SettingsDialog::setFields(const AppSettings &s)
{
    m_control->setText(s.connection.control);
    m_events->setText(s.connection.events);
    m_http->setText(s.connection.http);
    m_tokenFile->setText(s.connection.tokenFile);
    m_fastPoll->setValue(s.fastPollMs);
    m_idlePoll->setValue(s.idlePollMs);
    m_notifyCompleted->setChecked(s.notifyCompleted);
    m_notifyFailed->setChecked(s.notifyFailed);
}

AppSettings SettingsDialog::settings() const
{
    AppSettings s;
    s.connection.control = m_control->text().trimmed();
    s.connection.events = m_events->text().trimmed();
    s.connection.http = m_http->text().trimmed();
    s.connection.tokenFile = m_tokenFile->text().trimmed();
    s.fastPollMs = m_fastPoll->value();
    s.idlePollMs = std::max(m_idlePoll->value(), m_fastPoll->value());
    s.notifyCompleted = m_notifyCompleted->isChecked();
    s.notifyFailed = m_notifyFailed->isChecked();
    return s;
}

bool SettingsDialog::validate()
{
    const AppSettings s = settings();
    QStringList problems;
    if (!s.connection.control.isEmpty() && !isValidEndpoint(s.connection.control))
        problems << tr("The control endpoint must look like tcp://HOST:PORT or ipc:///path.");
    if (!s.connection.events.isEmpty() && !isValidEndpoint(s.connection.events))
        problems << tr("The events endpoint must look like tcp://HOST:PORT or ipc:///path.");
    if (!s.connection.http.isEmpty() && !isValidHostPort(s.connection.http))
        problems << tr("The HTTP address must look like HOST:PORT.");
    m_error->setText(problems.join(QLatin1Char('\n')));
    m_error->setVisible(!problems.isEmpty());
    return problems.isEmpty();
}

void SettingsDialog::accept()
{
    if (validate())
        QDialog::accept();
}

} // namespace jobdesk
