#include "paramsform.h"

#include "paramsschema.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace jobdesk {

namespace {

QString numberText(double value)
{
    return QLocale::c().toString(value, 'g', 15);
}

QString valueText(const QJsonValue &value)
{
    if (value.isString())
        return value.toString();
    if (value.isDouble())
        return numberText(value.toDouble());
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    return QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact))
        .mid(1)
        .chopped(1);
}

// How a choice reads in a combo box: invisible characters get a name.
QString optionLabel(const QJsonValue &value)
{
    if (value.isString()) {
        const QString text = value.toString();
        if (text == QLatin1String("\t"))
            return QObject::tr("Tab");
        if (text == QLatin1String(" "))
            return QObject::tr("Space");
        if (text.isEmpty())
            return QObject::tr("(empty)");
    }
    return valueText(value);
}

// "0 – 100", "≥ 1", "≤ 10" or empty.
QString rangeText(const QJsonObject &schema)
{
    const bool hasMin = schema.contains(QStringLiteral("minimum"));
    const bool hasMax = schema.contains(QStringLiteral("maximum"));
    const QString min = numberText(schema.value(QStringLiteral("minimum")).toDouble());
    const QString max = numberText(schema.value(QStringLiteral("maximum")).toDouble());
    if (hasMin && hasMax)
        return QStringLiteral("%1 – %2").arg(min, max);
    if (hasMin)
        return QStringLiteral("≥ %1").arg(min);
    if (hasMax)
        return QStringLiteral("≤ %1").arg(max);
    return {};
}

int fieldRank(const QJsonObject &schema, bool required)
{
    if (schema.value(QStringLiteral("type")).toString() == QLatin1String("boolean"))
        return 3;
    if (required)
        return 0;
    return schema.contains(QStringLiteral("default")) ? 1 : 2;
}

} // namespace

ParamsForm::ParamsForm(QWidget *parent)
    : QWidget(parent)
{
    m_layout = new QFormLayout(this);
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
}

void ParamsForm::setSchema(const QJsonObject &schema)
{
    while (m_layout->rowCount() > 0)
        m_layout->removeRow(0);
    m_fields.clear();
    m_empty = nullptr;
    m_schema = schema;

    const QJsonObject properties = schema.value(QStringLiteral("properties")).toObject();
    QStringList required;
    for (const QJsonValue &v : schema.value(QStringLiteral("required")).toArray())
        required.append(v.toString());

    QStringList names = properties.keys();
    std::stable_sort(names.begin(), names.end(), [&](const QString &a, const QString &b) {
        return fieldRank(properties.value(a).toObject(), required.contains(a)) <
               fieldRank(properties.value(b).toObject(), required.contains(b));
    });
    for (const QString &name : names)
        addField(name, properties.value(name).toObject(), required.contains(name));
    if (m_fields.isEmpty()) {
        m_empty = new QLabel(tr("This kind takes no parameters."), this);
        m_layout->addRow(m_empty);
    }
}

void ParamsForm::addField(const QString &name, const QJsonObject &schema, bool required)
{
    Field f;
    f.name = name;
    f.schema = schema;
    f.type = schema.value(QStringLiteral("type")).toString();
    f.required = required;

    auto *cell = new QWidget(this);
    auto *cellLayout = new QVBoxLayout(cell);
    cellLayout->setContentsMargins(0, 0, 0, 0);
    cellLayout->setSpacing(2);
    QWidget *editor = nullptr;

    const QString description = schema.value(QStringLiteral("description")).toString();
    if (schema.value(QStringLiteral("enum")).isArray()) {
        f.combo = new QComboBox(cell);
        if (!required && !schema.contains(QStringLiteral("default")))
            f.combo->addItem(tr("(not set)"), QVariant());
        for (const QJsonValue &option : schema.value(QStringLiteral("enum")).toArray())
            f.combo->addItem(optionLabel(option), option.toVariant());
        editor = f.combo;
    } else if (f.type == QLatin1String("boolean")) {
        f.check = new QCheckBox(cell);
        editor = f.check;
    } else {
        f.line = new QLineEdit(cell);
        f.line->setClearButtonEnabled(true);
        editor = f.line;
        QString hint;
        if (f.type == QLatin1String("number") || f.type == QLatin1String("integer")) {
            hint = rangeText(schema);
            if (f.type == QLatin1String("integer"))
                hint = hint.isEmpty() ? tr("a whole number") : hint + tr(", whole");
        }
        if (!required)
            hint = hint.isEmpty() ? tr("optional") : hint + tr(", optional");
        f.line->setPlaceholderText(hint);
        if (schema.value(QStringLiteral("format")).toString() == QLatin1String("path")) {
            auto *row = new QWidget(cell);
            auto *rowLayout = new QHBoxLayout(row);
            rowLayout->setContentsMargins(0, 0, 0, 0);
            f.line->setParent(row);
            rowLayout->addWidget(f.line);
            auto *browse = new QToolButton(row);
            browse->setText(QStringLiteral("…"));
            browse->setToolTip(tr("Choose a file"));
            browse->setObjectName(name + QStringLiteral("Browse"));
            QLineEdit *line = f.line;
            connect(browse, &QToolButton::clicked, this, [this, line, name] {
                const QString path =
                    QFileDialog::getOpenFileName(this, tr("Choose %1").arg(name), line->text());
                if (!path.isEmpty())
                    line->setText(path);
            });
            rowLayout->addWidget(browse);
            editor = row;
        }
    }
    editor->setToolTip(description);
    (f.line ? static_cast<QWidget *>(f.line) : editor)->setObjectName(name);
    cellLayout->addWidget(editor);

    f.error = new QLabel(cell);
    f.error->setObjectName(name + QStringLiteral("Error"));
    f.error->setWordWrap(true);
    QPalette palette = f.error->palette();
    palette.setColor(QPalette::WindowText, QColor(0xc8, 0x1e, 0x1e));
    f.error->setPalette(palette);
    f.error->hide();
    cellLayout->addWidget(f.error);

    QString label = schema.value(QStringLiteral("title")).toString();
    if (label.isEmpty())
        label = name;
    if (required)
        label += QStringLiteral(" *");
    auto *labelWidget = new QLabel(label + QLatin1Char(':'), this);
    labelWidget->setToolTip(description.isEmpty() ? name
                                                  : name + QStringLiteral(": ") + description);
    labelWidget->setBuddy(f.line ? static_cast<QWidget *>(f.line) : editor);
    m_layout->addRow(labelWidget, cell);

    m_fields.append(f);
    if (schema.contains(QStringLiteral("default")))
        setFieldValue(m_fields.last(), schema.value(QStringLiteral("default")));
}

ParamsForm::Field *ParamsForm::field(const QString &name)
{
    for (Field &f : m_fields) {
        if (f.name == name)
            return &f;
    }
    return nullptr;
}

QWidget *ParamsForm::editor(const QString &name) const
{
    for (const Field &f : m_fields) {
        if (f.name == name)
            return f.line    ? static_cast<QWidget *>(f.line)
                   : f.combo ? static_cast<QWidget *>(f.combo)
                             : f.check;
    }
    return nullptr;
}

QStringList ParamsForm::fieldNames() const
{
    QStringList out;
    for (const Field &f : m_fields)
        out.append(f.name);
    return out;
}

void ParamsForm::setFieldValue(Field &f, const QJsonValue &value)
{
    if (f.combo) {
        const int index = f.combo->findData(value.toVariant());
        if (index >= 0)
            f.combo->setCurrentIndex(index);
    } else if (f.check) {
        f.check->setChecked(value.toBool());
    } else if (f.line) {
        f.line->setText(value.isUndefined() || value.isNull() ? QString() : valueText(value));
    }
}

void ParamsForm::setValues(const QJsonObject &values)
{
    for (auto it = values.begin(); it != values.end(); ++it) {
        if (Field *f = field(it.key()))
            setFieldValue(*f, it.value());
    }
}

QJsonValue ParamsForm::fieldValue(const Field &f, QString *problem) const
{
    problem->clear();
    if (f.combo) {
        const QVariant data = f.combo->currentData();
        if (!data.isValid()) {
            if (f.required)
                *problem = tr("Choose a value.");
            return QJsonValue(QJsonValue::Undefined);
        }
        return QJsonValue::fromVariant(data);
    }
    if (f.check)
        return f.check->isChecked();

    const QString text = f.line->text().trimmed();
    if (text.isEmpty()) {
        if (f.required)
            *problem = tr("Required.");
        return QJsonValue(QJsonValue::Undefined);
    }
    if (f.type != QLatin1String("number") && f.type != QLatin1String("integer"))
        return f.line->text(); // strings are kept as typed

    bool ok = false;
    double number = QLocale::c().toDouble(text, &ok);
    if (!ok)
        number = QLocale().toDouble(text, &ok);
    if (!ok || !std::isfinite(number)) {
        *problem = f.type == QLatin1String("integer") ? tr("Enter a whole number.")
                                                      : tr("Enter a number.");
        return QJsonValue(QJsonValue::Undefined);
    }
    if (f.type == QLatin1String("integer") && number != std::floor(number)) {
        *problem = tr("Enter a whole number.");
        return QJsonValue(QJsonValue::Undefined);
    }
    const QJsonValue min = f.schema.value(QStringLiteral("minimum"));
    const QJsonValue max = f.schema.value(QStringLiteral("maximum"));
    if ((min.isDouble() && number < min.toDouble()) ||
        (max.isDouble() && number > max.toDouble())) {
        *problem = tr("Must be %1.").arg(rangeText(f.schema));
        return QJsonValue(QJsonValue::Undefined);
    }
    if (f.type == QLatin1String("integer"))
        return static_cast<qint64>(number);
    return number;
}

QJsonObject ParamsForm::values() const
{
    QJsonObject out;
    QString problem;
    for (const Field &f : m_fields) {
        const QJsonValue v = fieldValue(f, &problem);
        if (!v.isUndefined())
            out.insert(f.name, v);
    }
    return out;
}

QList<FieldError> ParamsForm::validate()
{
    QList<FieldError> errors;
    QString problem;
    for (const Field &f : m_fields) {
        fieldValue(f, &problem);
        if (!problem.isEmpty())
            errors.append(FieldError{f.name, problem});
    }
    if (errors.isEmpty()) {
        // The backend's own rules, for whatever the widgets cannot express.
        for (FieldError e : validateParams(m_schema, values())) {
            if (e.field.startsWith(QLatin1String("params.")))
                e.field = e.field.mid(7);
            errors.append(e);
        }
    }
    showErrors(errors);
    return errors;
}

void ParamsForm::clearErrors()
{
    for (Field &f : m_fields) {
        f.error->clear();
        f.error->hide();
    }
}

void ParamsForm::showErrors(const QList<FieldError> &errors)
{
    clearErrors();
    for (const FieldError &e : errors) {
        QString name = e.field;
        if (name.startsWith(QLatin1String("params.")))
            name = name.mid(7);
        if (Field *f = field(name)) {
            f->error->setText(f->error->text().isEmpty()
                                  ? e.message
                                  : f->error->text() + QLatin1Char('\n') + e.message);
            f->error->show();
        }
    }
}

} // namespace jobdesk
