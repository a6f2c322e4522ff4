#pragma once

#include "appsettings.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace jobdesk {

/// Edits AppSettings: endpoints and token file, poll intervals, notifications.
/// OK is refused while an endpoint is malformed.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit SettingsDialog(const AppSettings &settings, QWidget *parent = nullptr);

    AppSettings settings() const;

private:
    void setFields(const AppSettings &settings);
    bool validate();
    void accept() override;

    QLineEdit *m_control = nullptr;
    QLineEdit *m_events = nullptr;
    QLineEdit *m_http = nullptr;
    QLineEdit *m_tokenFile = nullptr;
    QSpinBox *m_fastPoll = nullptr;
    QSpinBox *m_idlePoll = nullptr;
    QCheckBox *m_notifyCompleted = nullptr;
    QCheckBox *m_notifyFailed = nullptr;
    QLabel *m_error = nullptr;
};

} // namespace jobdesk
