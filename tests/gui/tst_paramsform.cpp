#include "kindlist.h"
#include "newjobdialog.h"
#include "paramsform.h"

#include <QCheckBox>
#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>
#include <QToolButton>

using namespace jobdesk;

namespace {

QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}

const char *kDemoSleep = R"json({"type": "object", "properties": {
    "duration_s": {"type": "number", "minimum": 0, "maximum": 86400, "default": 5, "title": "Duration (s)"},
    "steps": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 20},
    "fail_at": {"type": "number", "minimum": 0, "maximum": 100},
    "ignore_cancel": {"type": "boolean", "default": false}}, "required": []})json";

const char *kCsv = R"json({"type": "object", "properties": {
    "input": {"type": "string", "format": "path", "title": "Input CSV"},
    "delimiter": {"type": "string"},
    "group_by": {"type": "string"},
    "format": {"type": "string", "enum": ["json", "csv", "html", "pdf"], "default": "json"}},
    "required": ["input", "format"]})json";

const char *kChoice = R"json({"type": "object", "properties": {
    "level": {"type": "integer", "enum": [1, 2, 3]},
    "mode": {"type": "string", "enum": ["fast", "slow"]}}, "required": ["mode"]})json";

} // namespace

class TestParamsForm : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void buildsFieldsFromTheSchema_data();
    void buildsFieldsFromTheSchema();
    void readsAndValidatesInput_data();
    void readsAndValidatesInput();
    void backendErrorsShowOnTheirFields();
    void dialogValidatesBeforeSubmitAndRemembersPerKind();
    void dialogKeepsItsIdempotencyKeyUntilSuccessOrChange();
};

void TestParamsForm::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
}

void TestParamsForm::buildsFieldsFromTheSchema_data()
{
    QTest::addColumn<QByteArray>("schema");
    QTest::addColumn<QStringList>("fields"); // in form order
    QTest::addColumn<QStringList>("editorClasses");
    QTest::addColumn<QString>("defaults"); // values() before any input

    QTest::newRow("demo.sleep: numbers with defaults first, booleans last")
        << QByteArray(kDemoSleep) << QStringList{"duration_s", "steps", "fail_at", "ignore_cancel"}
        << QStringList{"QLineEdit", "QLineEdit", "QLineEdit", "QCheckBox"}
        << QStringLiteral(R"({"duration_s":5,"ignore_cancel":false,"steps":20})");
    QTest::newRow("csv: required first, path and enum")
        << QByteArray(kCsv) << QStringList{"format", "input", "delimiter", "group_by"}
        << QStringList{"QComboBox", "QLineEdit", "QLineEdit", "QLineEdit"}
        << QStringLiteral(R"({"format":"json"})");
    QTest::newRow("enums of numbers and strings")
        << QByteArray(kChoice) << QStringList{"mode", "level"}
        << QStringList{"QComboBox", "QComboBox"} << QStringLiteral(R"({"mode":"fast"})");
    QTest::newRow("no properties") << QByteArray(R"({"type": "object", "properties": {}})")
                                   << QStringList{} << QStringList{} << QStringLiteral("{}");
}

void TestParamsForm::buildsFieldsFromTheSchema()
{
    QFETCH(QByteArray, schema);
    QFETCH(QStringList, fields);
    QFETCH(QStringList, editorClasses);
    QFETCH(QString, defaults);

    ParamsForm form;
    form.setSchema(json(schema.constData()));
    QCOMPARE(form.fieldNames(), fields);
    for (int i = 0; i < fields.size(); ++i)
        QCOMPARE(form.editor(fields[i])->metaObject()->className(), editorClasses[i].toLatin1());
    QCOMPARE(QJsonDocument(form.values()).toJson(QJsonDocument::Compact), defaults.toUtf8());
}

void TestParamsForm::readsAndValidatesInput_data()
{
    QTest::addColumn<QByteArray>("schema");
    QTest::addColumn<QVariantMap>("input"); // line edit text, check state, or combo index
    QTest::addColumn<QString>("expected");  // values() when valid
    QTest::addColumn<QStringList>("errorFields");

    const QByteArray sleep(kDemoSleep), csv(kCsv), choice(kChoice);
    QTest::newRow("numbers parse as numbers")
        << sleep << QVariantMap{{"duration_s", "2.5"}, {"steps", "10"}, {"fail_at", "50"}}
        << QStringLiteral(R"({"duration_s":2.5,"fail_at":50,"ignore_cancel":false,"steps":10})")
        << QStringList{};
    QTest::newRow("empty optional number is left out")
        << sleep << QVariantMap{{"fail_at", ""}, {"ignore_cancel", true}}
        << QStringLiteral(R"({"duration_s":5,"ignore_cancel":true,"steps":20})") << QStringList{};
    QTest::newRow("below the minimum")
        << sleep << QVariantMap{{"duration_s", "-1"}} << QString() << QStringList{"duration_s"};
    QTest::newRow("above the maximum")
        << sleep << QVariantMap{{"fail_at", "101"}} << QString() << QStringList{"fail_at"};
    QTest::newRow("integer given a fraction")
        << sleep << QVariantMap{{"steps", "2.5"}} << QString() << QStringList{"steps"};
    QTest::newRow("not a number") << sleep << QVariantMap{{"duration_s", "five"}, {"steps", "x"}}
                                  << QString() << QStringList{"duration_s", "steps"};
    QTest::newRow("required path missing")
        << csv << QVariantMap{{"input", ""}} << QString() << QStringList{"input"};
    QTest::newRow("path and choice")
        << csv << QVariantMap{{"input", "/data/sales.csv"}, {"format", 2}, {"delimiter", ";"}}
        << QStringLiteral(R"({"delimiter":";","format":"html","input":"/data/sales.csv"})")
        << QStringList{};
    QTest::newRow("optional enum not set is left out")
        << choice << QVariantMap{{"mode", 1}} << QStringLiteral(R"({"mode":"slow"})")
        << QStringList{};
    QTest::newRow("numeric enum keeps its type")
        << choice << QVariantMap{{"level", 3}} << QStringLiteral(R"({"level":3,"mode":"fast"})")
        << QStringList{};
}

void TestParamsForm::readsAndValidatesInput()
{
    QFETCH(QByteArray, schema);
    QFETCH(QVariantMap, input);
    QFETCH(QString, expected);
    QFETCH(QStringList, errorFields);

    ParamsForm form;
    form.setSchema(json(schema.constData()));
    for (auto it = input.cbegin(); it != input.cend(); ++it) {
        QWidget *editor = form.editor(it.key());
        QVERIFY2(editor, qPrintable(it.key()));
        if (auto *line = qobject_cast<QLineEdit *>(editor)) {
            line->clear();
            QTest::keyClicks(line, it.value().toString());
        } else if (auto *check = qobject_cast<QCheckBox *>(editor)) {
            check->setChecked(it.value().toBool());
        } else if (auto *combo = qobject_cast<QComboBox *>(editor)) {
            combo->setCurrentIndex(it.value().toInt());
        }
    }
    const QList<FieldError> errors = form.validate();
    QStringList fields;
    for (const FieldError &e : errors)
        fields.append(e.field);
    QCOMPARE(fields, errorFields);
    for (const QString &name : form.fieldNames()) {
        auto *label = form.findChild<QLabel *>(name + QStringLiteral("Error"));
        QVERIFY(label);
        QCOMPARE(label->isVisibleTo(&form), errorFields.contains(name));
    }
    if (errorFields.isEmpty())
        QCOMPARE(QString::fromUtf8(QJsonDocument(form.values()).toJson(QJsonDocument::Compact)),
                 expected);
}

void TestParamsForm::backendErrorsShowOnTheirFields()
{
    ParamsForm form;
    form.setSchema(json(kCsv));
    form.showErrors(
        {{QStringLiteral("params.input"), QStringLiteral("must lie under an input root")}});
    auto *label = form.findChild<QLabel *>(QStringLiteral("inputError"));
    QVERIFY(label->isVisibleTo(&form));
    QCOMPARE(label->text(), QStringLiteral("must lie under an input root"));
    QVERIFY(form.findChild<QToolButton *>(QStringLiteral("inputBrowse")));
    form.clearErrors();
    QVERIFY(!label->isVisibleTo(&form));
}

void TestParamsForm::dialogValidatesBeforeSubmitAndRemembersPerKind()
{
    const QJsonArray kindsJson{QJsonObject{{"name", "demo.sleep"},
                                           {"title", "Sleep"},
                                           {"params_schema", json(kDemoSleep)},
                                           {"default_timeout_s", 300},
                                           {"default_max_attempts", 3}},
                               QJsonObject{{"name", "report.csv_summary"},
                                           {"params_schema", json(kCsv)},
                                           {"default_timeout_s", 600},
                                           {"default_max_attempts", 1}}};
    const QList<KindInfo> kinds = kindsFromJson(kindsJson);
    QCOMPARE(kinds.size(), 2);

    {
        NewJobDialog dialog(kinds);
        QSignalSpy submits(&dialog, &NewJobDialog::submitRequested);
        QCOMPARE(dialog.kind(), QStringLiteral("demo.sleep"));
        auto *duration = qobject_cast<QLineEdit *>(dialog.form()->editor("duration_s"));
        duration->setText(QStringLiteral("-3"));
        QTest::mouseClick(dialog.findChild<QPushButton *>("submit"), Qt::LeftButton);
        QCOMPARE(submits.count(), 0); // invalid: not submitted

        duration->setText(QStringLiteral("7"));
        dialog.findChild<QSpinBox *>("priority")->setValue(40);
        QTest::mouseClick(dialog.findChild<QPushButton *>("submit"), Qt::LeftButton);
        QCOMPARE(submits.count(), 1);
        const QJsonObject fields = submits.at(0).at(0).toJsonObject();
        QCOMPARE(fields.value("kind").toString(), QStringLiteral("demo.sleep"));
        QCOMPARE(fields.value("params").toObject().value("duration_s").toDouble(), 7.0);
        QCOMPARE(fields.value("priority").toInt(), 40);
        QCOMPARE(fields.value("timeout_s").toInt(), 300);
        dialog.submitSucceeded();
        QCOMPARE(dialog.result(), int(QDialog::Accepted));

        // The other kind gets its own defaults.
        dialog.setKind(QStringLiteral("report.csv_summary"));
        QCOMPARE(dialog.findChild<QSpinBox *>("timeout")->value(), 600);
        QCOMPARE(dialog.findChild<QSpinBox *>("priority")->value(), 0);
    }
    {
        // Next time: the last kind, with its last values.
        NewJobDialog dialog(kinds);
        QCOMPARE(dialog.kind(), QStringLiteral("demo.sleep"));
        QCOMPARE(qobject_cast<QLineEdit *>(dialog.form()->editor("duration_s"))->text(),
                 QStringLiteral("7"));
        QCOMPARE(dialog.findChild<QSpinBox *>("priority")->value(), 40);
    }
    {
        // The timeout was left at the kind's default: when the backend's
        // default changes, the dialog follows it rather than the old value.
        QList<KindInfo> changed = kinds;
        changed[0].defaultTimeoutS = 900;
        NewJobDialog dialog(changed);
        QCOMPARE(dialog.findChild<QSpinBox *>("timeout")->value(), 900);
        QCOMPARE(dialog.findChild<QSpinBox *>("priority")->value(), 40); // chosen: kept

        // A 422 from the backend lands on its field.
        ApiError error = ApiError::make(ErrorCode::InvalidParams, QStringLiteral("invalid params"));
        error.fieldErrors = {{QStringLiteral("params.steps"), QStringLiteral("too many")}};
        dialog.submitFailed(error);
        QVERIFY(dialog.form()->findChild<QLabel *>("stepsError")->isVisibleTo(&dialog));
        QVERIFY(dialog.findChild<QLabel *>("message")->isVisibleTo(&dialog));
    }
}

void TestParamsForm::dialogKeepsItsIdempotencyKeyUntilSuccessOrChange()
{
    const QList<KindInfo> kinds = kindsFromJson(QJsonArray{QJsonObject{
        {"name", "demo.sleep"}, {"params_schema", json(kDemoSleep)}, {"default_timeout_s", 300}}});
    NewJobDialog dialog(kinds);
    QSignalSpy submits(&dialog, &NewJobDialog::submitRequested);
    qobject_cast<QLineEdit *>(dialog.form()->editor("duration_s"))->setText(QStringLiteral("2"));
    auto *submit = dialog.findChild<QPushButton *>("submit");
    auto keyOf = [&submits](int i) {
        return submits.at(i).at(0).toJsonObject().value("idempotency_key").toString();
    };

    QTest::mouseClick(submit, Qt::LeftButton);
    QCOMPARE(submits.count(), 1);
    QVERIFY(!keyOf(0).isEmpty());
    // Failed (perhaps after the job was made): the same form, the same key.
    dialog.submitFailed(ApiError::make(ErrorCode::Unavailable, QStringLiteral("offline")));
    QTest::mouseClick(submit, Qt::LeftButton);
    QCOMPARE(submits.count(), 2);
    QCOMPARE(keyOf(1), keyOf(0));
    // A changed form is another job.
    dialog.submitFailed(ApiError::make(ErrorCode::Unavailable, QStringLiteral("offline")));
    dialog.findChild<QSpinBox *>("priority")->setValue(5);
    QTest::mouseClick(submit, Qt::LeftButton);
    QCOMPARE(submits.count(), 3);
    QVERIFY(keyOf(2) != keyOf(1));
    // After a success the same form again is a new job.
    dialog.submitSucceeded();
    dialog.show();
    QTest::mouseClick(submit, Qt::LeftButton);
    QCOMPARE(submits.count(), 4);
    QVERIFY(!keyOf(3).isEmpty());
    QVERIFY(keyOf(3) != keyOf(2));
}

QTEST_MAIN(TestParamsForm)
#include "tst_paramsform.moc"
