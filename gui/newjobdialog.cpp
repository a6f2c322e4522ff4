#include "newjobdialog.h"

#include "paramsform.h"
#include "reliability.h"
#include "uuid7.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QJsonDocument>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace jobdesk {

namespace {

QString settingsKey(const QString &kind, const char *what)
{
    return QStringLiteral("newJob/%1/%2").arg(kind, QLatin1String(what));
}

} // namespace

NewJobDialog::NewJobDialog(const QList<KindInfo> &kinds, QWidget *parent)
    : QDialog(parent)
    , m_kinds(kinds)
{
    setObjectName(QStringLiteral("newJobDialog"));
    setWindowTitle(tr("New job"));
    auto *layout = new QVBoxLayout(this);

    auto *top = new QFormLayout;
    m_kind = new QComboBox(this);
    m_kind->setObjectName(QStringLiteral("kind"));
    for (const KindInfo &k : m_kinds) {
        const QString label =
            k.title.isEmpty() ? k.name : QStringLiteral("%1 — %2").arg(k.title, k.name);
        m_kind->addItem(label, k.name);
    }
    top->addRow(tr("&Kind:"), m_kind);
    layout->addLayout(top);

    m_description = new QLabel(this);
    m_description->setWordWrap(true);
    m_description->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_description);

    auto *paramsBox = new QGroupBox(tr("Parameters"), this);
    auto *paramsLayout = new QVBoxLayout(paramsBox);
    auto *scroll = new QScrollArea(paramsBox);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_form = new ParamsForm;
    m_form->setObjectName(QStringLiteral("paramsForm"));
    scroll->setWidget(m_form);
    paramsLayout->addWidget(scroll);
    layout->addWidget(paramsBox, 1);

    auto *optionsBox = new QGroupBox(tr("Run"), this);
    auto *options = new QFormLayout(optionsBox);
    m_priority = new QSpinBox(optionsBox);
    m_priority->setObjectName(QStringLiteral("priority"));
    m_priority->setRange(reliability::kMinPriority, reliability::kMaxPriority);
    m_priority->setToolTip(tr("Higher runs first; equal priorities run oldest first."));
    options->addRow(tr("&Priority:"), m_priority);
    m_timeout = new QSpinBox(optionsBox);
    m_timeout->setObjectName(QStringLiteral("timeout"));
    m_timeout->setRange(1, reliability::kMaxTimeoutS);
    m_timeout->setSuffix(tr(" s"));
    m_timeout->setToolTip(tr("Per attempt, from the moment a worker starts it."));
    options->addRow(tr("&Timeout:"), m_timeout);
    m_attempts = new QSpinBox(optionsBox);
    m_attempts->setObjectName(QStringLiteral("maxAttempts"));
    m_attempts->setRange(1, reliability::kMaxAttemptsLimit);
    options->addRow(tr("Max &attempts:"), m_attempts);
    layout->addWidget(optionsBox);

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("message"));
    m_message->setWordWrap(true);
    QPalette palette = m_message->palette();
    palette.setColor(QPalette::WindowText, QColor(0xc8, 0x1e, 0x1e));
    m_message->setPalette(palette);
    m_message->hide();
    layout->addWidget(m_message);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Submit"));
    m_buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("submit"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &NewJobDialog::onSubmitClicked);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(m_buttons);

    connect(m_kind, &QComboBox::currentIndexChanged, this, &NewJobDialog::onKindChanged);
    const QString last = QSettings().value(QStringLiteral("newJob/lastKind")).toString();
    const int lastIndex = m_kind->findData(last);
    if (lastIndex > 0)
        m_kind->setCurrentIndex(lastIndex);
    onKindChanged();
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!m_kinds.isEmpty());
    if (m_kinds.isEmpty())
        showMessage(tr("The backend offers no job kinds."));
    resize(540, 500);
}

const KindInfo *NewJobDialog::currentKind() const
{
    const int i = m_kind->currentIndex();
    return i >= 0 && i < m_kinds.size() ? &m_kinds[i] : nullptr;
}

QString NewJobDialog::kind() const
{
    const KindInfo *k = currentKind();
    return k ? k->name : QString();
}

void NewJobDialog::setKind(const QString &name)
{
    const int i = m_kind->findData(name);
    if (i >= 0)
        m_kind->setCurrentIndex(i);
}

void NewJobDialog::onKindChanged()
{
    m_message->hide();
    const KindInfo *k = currentKind();
    if (!k) {
        m_form->setSchema({});
        return;
    }
    m_description->setText(k->description);
    m_description->setVisible(!k->description.isEmpty());
    m_form->setSchema(k->paramsSchema);
    restoreValues(*k);
}

void NewJobDialog::restoreValues(const KindInfo &kind)
{
    QSettings settings;
    m_priority->setValue(settings.value(settingsKey(kind.name, "priority"), 0).toInt());
    m_timeout->setValue(
        settings.value(settingsKey(kind.name, "timeout_s"), kind.defaultTimeoutS).toInt());
    m_attempts->setValue(
        settings.value(settingsKey(kind.name, "max_attempts"), kind.defaultMaxAttempts).toInt());
    const QByteArray params = settings.value(settingsKey(kind.name, "params")).toByteArray();
    if (!params.isEmpty())
        m_form->setValues(QJsonDocument::fromJson(params).object());
}

void NewJobDialog::saveValues() const
{
    const QString name = kind();
    if (name.isEmpty())
        return;
    QSettings settings;
    settings.setValue(QStringLiteral("newJob/lastKind"), name);
    settings.setValue(settingsKey(name, "priority"), m_priority->value());
    // A value left at the kind's default is not remembered: when the
    // backend's default changes, the next job follows it.
    const KindInfo *k = currentKind();
    const auto remember = [&](const char *key, int value, int kindDefault) {
        if (k && value == kindDefault)
            settings.remove(settingsKey(name, key));
        else
            settings.setValue(settingsKey(name, key), value);
    };
    remember("timeout_s", m_timeout->value(), k ? k->defaultTimeoutS : 0);
    remember("max_attempts", m_attempts->value(), k ? k->defaultMaxAttempts : 0);
    settings.setValue(settingsKey(name, "params"),
                      QJsonDocument(m_form->values()).toJson(QJsonDocument::Compact));
}

QJsonObject NewJobDialog::submitFields() const
{
    return QJsonObject{{QStringLiteral("kind"), kind()},
                       {QStringLiteral("params"), m_form->values()},
                       {QStringLiteral("priority"), m_priority->value()},
                       {QStringLiteral("timeout_s"), m_timeout->value()},
                       {QStringLiteral("max_attempts"), m_attempts->value()}};
}

void NewJobDialog::onSubmitClicked()
{
    m_message->hide();
    if (!m_form->validate().isEmpty()) {
        showMessage(tr("Some parameters need fixing."));
        return;
    }
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    QJsonObject fields = submitFields();
    // A failed submit may still have made its job (the reply was lost): the
    // same form goes again with the same key, a changed form is a new job.
    if (m_idempotencyKey.isEmpty() || fields != m_keyFields) {
        m_idempotencyKey = newUuid7();
        m_keyFields = fields;
    }
    fields.insert(QStringLiteral("idempotency_key"), m_idempotencyKey);
    Q_EMIT submitRequested(fields);
}

void NewJobDialog::submitSucceeded()
{
    m_idempotencyKey.clear();
    m_keyFields = {};
    saveValues();
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(true);
    accept();
}

void NewJobDialog::submitFailed(const ApiError &error)
{
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(true);
    m_form->showErrors(error.fieldErrors);
    QString text = error.detail.isEmpty() ? tr("The submit failed.") : error.detail;
    for (const FieldError &e : error.fieldErrors) {
        if (!e.field.startsWith(QLatin1String("params.")))
            text += QStringLiteral("\n%1: %2").arg(e.field, e.message);
    }
    showMessage(text);
}

void NewJobDialog::showMessage(const QString &text)
{
    m_message->setText(text);
    m_message->show();
}

} // namespace jobdesk
