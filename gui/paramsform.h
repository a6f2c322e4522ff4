#pragma once

#include "apierror.h"

#include <QJsonObject>
#include <QList>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;

namespace jobdesk {

/// A form generated from a kind's `params_schema` (the contract's JSON Schema
/// subset): a line edit for strings, a line edit checked against the range
/// for numbers and integers, a check box for booleans, a combo box for enums,
/// and a line edit with a file picker for `format: "path"`. Defaults are
/// filled in; required fields are marked; errors show under their field.
class ParamsForm final : public QWidget
{
    Q_OBJECT
public:
    explicit ParamsForm(QWidget *parent = nullptr);

    /// Rebuilds the form. Fields come required first, then those with a
    /// default, then the rest, booleans last (JSON objects have no order).
    void setSchema(const QJsonObject &schema);
    QJsonObject schema() const { return m_schema; }
    /// Fills the fields named in `values` (e.g. the last ones used).
    void setValues(const QJsonObject &values);
    /// The params as entered: empty optional fields are left out, numbers are
    /// numbers. Fields that do not parse are left out too (see validate()).
    QJsonObject values() const;
    /// Checks every field (and the whole against the schema), shows the
    /// problems under their fields and returns them; empty = valid.
    QList<FieldError> validate();
    /// Shows errors that came from elsewhere (the backend's 422); field
    /// names may carry the "params." prefix.
    void showErrors(const QList<FieldError> &errors);
    void clearErrors();

    /// The editor of a field (QLineEdit, QComboBox or QCheckBox), for tests.
    QWidget *editor(const QString &name) const;
    QStringList fieldNames() const;

private:
    struct Field
    {
        QString name;
        QJsonObject schema;
        QString type;
        bool required = false;
        QLineEdit *line = nullptr;
        QComboBox *combo = nullptr;
        QCheckBox *check = nullptr;
        QLabel *error = nullptr;
    };

    void addField(const QString &name, const QJsonObject &propertySchema, bool required);
    void setFieldValue(Field &field, const QJsonValue &value);
    /// The field's value, undefined when empty; `problem` says why it is not valid.
    QJsonValue fieldValue(const Field &field, QString *problem) const;
    Field *field(const QString &name);

    QJsonObject m_schema;
    QList<Field> m_fields;
    QFormLayout *m_layout = nullptr;
    QLabel *m_empty = nullptr;
};

} // namespace jobdesk
