#pragma once

#include "apierror.h"
#include "kindcatalog.h"

#include <QDialog>
#include <QJsonObject>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QSpinBox;

namespace jobdesk {

class ParamsForm;

/// Asks for a new job: its kind, the params (a form generated from the
/// kind's schema), priority, timeout and attempts. Validates before it asks
/// for a submit; stays open until the submit succeeds (submitSucceeded()) so
/// the backend's errors can be shown on their fields. Remembers the last
/// values per kind (QSettings).
class NewJobDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit NewJobDialog(const QList<KindInfo> &kinds, QWidget *parent = nullptr);

    /// `{"kind", "params", "priority", "timeout_s", "max_attempts"}`.
    QJsonObject submitFields() const;
    QString kind() const;
    void setKind(const QString &name);
    ParamsForm *form() const { return m_form; }

    /// The submit worked: remember the values and close.
    void submitSucceeded();
    /// The submit failed: show why (on the fields when the backend said
    /// which) and let the user fix it.
    void submitFailed(const ApiError &error);

Q_SIGNALS:
    /// The form is valid; the caller submits `fields` and answers with
    /// submitSucceeded() or submitFailed(). `fields` carries an
    /// `idempotency_key` the dialog keeps until a submit succeeds or the
    /// form changes: submitting the same form again after a failure (or a
    /// lost reply) cannot make a second job.
    void submitRequested(const QJsonObject &fields);

private:
    void onKindChanged();
    void onSubmitClicked();
    void showMessage(const QString &text);
    void restoreValues(const KindInfo &kind);
    void saveValues() const;
    const KindInfo *currentKind() const;

    QList<KindInfo> m_kinds;
    QComboBox *m_kind = nullptr;
    QLabel *m_description = nullptr;
    ParamsForm *m_form = nullptr;
    QSpinBox *m_priority = nullptr;
    QSpinBox *m_timeout = nullptr;
    QSpinBox *m_attempts = nullptr;
    QLabel *m_message = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    QString m_idempotencyKey;
    QJsonObject m_keyFields; // what m_idempotencyKey was made for
};

} // namespace jobdesk
