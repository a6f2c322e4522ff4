#include "jobjson.h"
#include "jsonwriter.h"
#include "timeformat.h"
#include "uuid7.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <cmath>
#include <limits>

using namespace jobdesk;

Q_DECLARE_METATYPE(jobdesk::Job)

class tst_JobJson : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void contractFields();
    void resultOnlyWhenCompleted();
    void rejectsIncomplete();
    void timestamps();
    void writerValuesAsQJsonDocument();
    void uuid7();
};

namespace {

Job baseJob()
{
    Job j;
    j.id = QStringLiteral("0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b");
    j.kind = QStringLiteral("demo.sleep");
    j.params = QJsonObject{{QStringLiteral("duration_s"), 5}};
    j.createdAtMs = 1795000000123;
    j.updatedAtMs = 1795000002500;
    j.rev = 48213;
    return j;
}

// Internal fields never travel, so a round trip compares the public view.
Job publicView(Job j)
{
    Job defaults;
    j.callbackUrl = defaults.callbackUrl;
    j.fence = defaults.fence;
    j.attemptLimit = defaults.attemptLimit;
    j.interruptions = defaults.interruptions;
    j.resultFile = defaults.resultFile;
    return j;
}

// The serializer before the hand-written writer, through QJsonObject and
// QJsonDocument: the oracle the writer's bytes must equal.
QByteArray referenceBytes(const Job &job)
{
    const auto number = [](const std::optional<double> &v) {
        return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
    };
    const bool hasResult = job.status == JobStatus::Completed && job.result;
    QJsonObject o;
    o.insert(QStringLiteral("id"), job.id);
    o.insert(QStringLiteral("kind"), job.kind);
    o.insert(QStringLiteral("params"), job.params);
    o.insert(QStringLiteral("status"), statusName(job.status));
    o.insert(QStringLiteral("progress"), number(job.progress));
    o.insert(QStringLiteral("message"), job.message);
    o.insert(QStringLiteral("eta_s"), number(job.etaS));
    o.insert(QStringLiteral("priority"), job.priority);
    o.insert(QStringLiteral("attempt"), job.attempt);
    o.insert(QStringLiteral("max_attempts"), job.maxAttempts);
    o.insert(QStringLiteral("timeout_s"), job.timeoutS);
    o.insert(QStringLiteral("next_attempt_at"), timestampOrNull(job.nextAttemptAtMs));
    o.insert(QStringLiteral("cancel_requested"), job.cancelRequested);
    o.insert(QStringLiteral("dead_letter"), job.deadLetter);
    o.insert(QStringLiteral("error"),
             job.error ? QJsonValue(jobErrorToJson(*job.error)) : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("created_at"), timestampOrNull(job.createdAtMs));
    o.insert(QStringLiteral("started_at"), timestampOrNull(job.startedAtMs));
    o.insert(QStringLiteral("updated_at"), timestampOrNull(job.updatedAtMs));
    o.insert(QStringLiteral("finished_at"), timestampOrNull(job.finishedAtMs));
    o.insert(QStringLiteral("result"),
             hasResult ? QJsonValue(resultInfoToJson(*job.result)) : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("status_url"), jobStatusPath(job.id));
    o.insert(QStringLiteral("result_url"),
             hasResult ? QJsonValue(jobResultPath(job.id)) : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("rev"), job.rev);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

void tst_JobJson::roundTrip_data()
{
    QTest::addColumn<Job>("job");

    QTest::newRow("fresh pending") << baseJob();

    Job running = baseJob();
    running.status = JobStatus::Processing;
    running.progress = 45.0;
    running.message = QStringLiteral("step 9 of 20");
    running.etaS = 2.7;
    running.attempt = 1;
    running.startedAtMs = 1795000000130;
    running.cancelRequested = true;
    QTest::newRow("processing with eta and cancel requested") << running;

    Job indeterminate = running;
    indeterminate.progress.reset();
    indeterminate.etaS.reset();
    QTest::newRow("indeterminate progress") << indeterminate;

    Job retrying = running;
    retrying.status = JobStatus::Retrying;
    retrying.cancelRequested = false;
    retrying.nextAttemptAtMs = 1795000009000;
    retrying.error = JobError{QStringLiteral("job_error"), QStringLiteral("failed at 50%")};
    QTest::newRow("retrying with next attempt") << retrying;

    Job done = running;
    done.status = JobStatus::Completed;
    done.progress = 100.0;
    done.etaS.reset();
    done.finishedAtMs = 1795000010000;
    done.result = ResultInfo{QStringLiteral("result.json"), QStringLiteral("application/json"), 42,
                             QStringLiteral("ab12")};
    QTest::newRow("completed with result") << done;

    Job dead = retrying;
    dead.status = JobStatus::Failed;
    dead.nextAttemptAtMs = 0;
    dead.deadLetter = true;
    dead.priority = -100;
    dead.maxAttempts = 7;
    dead.timeoutS = 1;
    QTest::newRow("dead letter") << dead;

    Job unicode = baseJob();
    unicode.message = QStringLiteral("Größe \"quoted\" \\ ünïcødé \u2713 \t\n\x01\x1f\x7f/");
    unicode.params = QJsonObject{
        {QStringLiteral("nested"), QJsonObject{{QStringLiteral("a"), 1}}},
        {QStringLiteral("k\"ey \u00e9\n"),
         QJsonArray{1.5, QJsonArray{}, QJsonObject{}, QJsonValue(),
                    QJsonObject{{QStringLiteral("b"), true}}}},
    };
    QTest::newRow("unicode and nesting") << unicode;
    Job escapes = baseJob();
    escapes.message = QStringLiteral("ascii \"quoted\" \\ tab\t del\x7f");
    QTest::newRow("ascii that needs escapes") << escapes;

    // Numbers at the edges of how QJsonValue keeps them.
    Job numbers = baseJob();
    numbers.status = JobStatus::Processing;
    numbers.progress = -0.0;
    numbers.etaS = 100000.0;
    numbers.params = QJsonObject{
        {QStringLiteral("big"), qint64(9007199254740993)}, // 2^53 + 1
        {QStringLiteral("e15"), 1e15},
        {QStringLiteral("e20"), 1e20},

        {QStringLiteral("tiny"), 1e-7},
        {QStringLiteral("third"), 1.0 / 3.0},
        {QStringLiteral("min"), std::numeric_limits<qint64>::min()},
    };
    QTest::newRow("numbers") << numbers;
    Job hugeEta = baseJob();
    hugeEta.status = JobStatus::Processing;
    hugeEta.etaS = 123456789012.5;
    hugeEta.progress = 99.99;
    QTest::newRow("large eta") << hugeEta;
    // Integral doubles past 2^53, which QJsonDocument writes in 'g' form.
    for (double eta : {1e17, 9007199254740994.0, -9223372036854775808.0}) {
        Job far = baseJob();
        far.status = JobStatus::Processing;
        far.etaS = eta;
        QTest::newRow(qPrintable(QStringLiteral("eta %1").arg(eta, 0, 'g', 17))) << far;
    }

    Job surrogate = baseJob();
    surrogate.message = QStringLiteral("lone ") + QChar(0xd800) + QStringLiteral(" and ") +
                        QChar(0xdc00) + QStringLiteral(" \u2028 ") + QChar(0x2028);
    QTest::newRow("lone surrogates") << surrogate;
}

void tst_JobJson::roundTrip()
{
    QFETCH(Job, job);
    const QByteArray bytes = jobToJsonBytes(job);
    const QJsonDocument doc = QJsonDocument::fromJson(bytes);
    QVERIFY(doc.isObject());
    Job back;
    QString error;
    QVERIFY2(jobFromJson(doc.object(), &back, &error), qPrintable(error));
    if (QStringView(job.message).isValidUtf16()) // a lone surrogate reads back as U+FFFD
        QCOMPARE(back, publicView(job));
    // The writer spells a job exactly as QJsonDocument would: same member
    // order, numbers and escapes.
    QCOMPARE(bytes, referenceBytes(job));
    // The params cache the write path keeps changes nothing on the wire.
    Job cached = job;
    cached.paramsJson = QJsonDocument(job.params).toJson(QJsonDocument::Compact);
    QCOMPARE(jobToJsonBytes(cached), bytes);
}

void tst_JobJson::contractFields()
{
    Job j = baseJob();
    j.callbackUrl = QStringLiteral("http://127.0.0.1/hook");
    j.fence = 99;
    j.resultFile = QStringLiteral("secret-name.bin");
    const QJsonObject o = jobToJson(j);
    const QStringList expected = {QStringLiteral("id"),
                                  QStringLiteral("kind"),
                                  QStringLiteral("params"),
                                  QStringLiteral("status"),
                                  QStringLiteral("progress"),
                                  QStringLiteral("message"),
                                  QStringLiteral("eta_s"),
                                  QStringLiteral("priority"),
                                  QStringLiteral("attempt"),
                                  QStringLiteral("max_attempts"),
                                  QStringLiteral("timeout_s"),
                                  QStringLiteral("next_attempt_at"),
                                  QStringLiteral("cancel_requested"),
                                  QStringLiteral("dead_letter"),
                                  QStringLiteral("error"),
                                  QStringLiteral("created_at"),
                                  QStringLiteral("started_at"),
                                  QStringLiteral("updated_at"),
                                  QStringLiteral("finished_at"),
                                  QStringLiteral("result"),
                                  QStringLiteral("status_url"),
                                  QStringLiteral("result_url"),
                                  QStringLiteral("rev")};
    QStringList keys = o.keys();
    QStringList want = expected;
    keys.sort();
    want.sort();
    QCOMPARE(keys, want); // internal fields (fence, result file, callback) never leak
    QCOMPARE(o.value(QStringLiteral("status_url")).toString(),
             QStringLiteral("/api/v1/jobs/0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b"));
    QCOMPARE(o.value(QStringLiteral("created_at")).toString(), formatTimestamp(1795000000123));
    QVERIFY(o.value(QStringLiteral("started_at")).isNull());
}

void tst_JobJson::resultOnlyWhenCompleted()
{
    Job j = baseJob();
    j.result =
        ResultInfo{QStringLiteral("r.txt"), QStringLiteral("text/plain"), 1, QStringLiteral("00")};
    j.status = JobStatus::Processing;
    QVERIFY(jobToJson(j).value(QStringLiteral("result_url")).isNull());
    j.status = JobStatus::Completed;
    QCOMPARE(jobToJson(j).value(QStringLiteral("result_url")).toString(), jobResultPath(j.id));
}

void tst_JobJson::rejectsIncomplete()
{
    Job out;
    QString error;
    QVERIFY(!jobFromJson(QJsonObject{{QStringLiteral("status"), QStringLiteral("PENDING")}}, &out,
                         &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!jobFromJson(QJsonObject{{QStringLiteral("id"), QStringLiteral("x")},
                                     {QStringLiteral("status"), QStringLiteral("DONE")}},
                         &out, &error));
}

void tst_JobJson::timestamps()
{
    QCOMPARE(formatTimestamp(0), QStringLiteral("1970-01-01T00:00:00.000Z"));
    QCOMPARE(formatTimestamp(1795000000123), QStringLiteral("2026-11-18T11:06:40.123Z"));
    QCOMPARE(parseTimestamp(formatTimestamp(1795000000123)), qint64(1795000000123));
    QCOMPARE(parseTimestamp(QStringLiteral("not a time")), qint64(0));
    // The hand-written calendar agrees with Qt's on leap days, centuries and
    // before the epoch.
    const qint64 samples[] = {-1,           -86400000,     -62135596800000, 951782400000,
                              951868799999, 4107542400000, 253402300799999, 1709164800123};
    for (qint64 ms : samples) {
        QCOMPARE(formatTimestamp(ms), QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)
                                          .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ")));
    }
    QVERIFY(timestampOrNull(0).isNull());
}

void tst_JobJson::writerValuesAsQJsonDocument()
{
    // Values a QJsonObject built in code can hold: integral doubles past
    // 2^53 are doubles to QJsonDocument, integers are integers.
    const QJsonArray values{std::ldexp(1.0, 60),
                            -std::ldexp(1.0, 63),
                            9007199254740994.0,
                            qint64(1) << 60,
                            std::numeric_limits<qint64>::max(),
                            1e300,
                            QJsonObject{{QStringLiteral("k"), std::ldexp(1.0, 62)}}};
    for (const QJsonValue &value : values) {
        QByteArray written;
        JsonWriter(written).value(value);
        const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
        QCOMPARE(written, array.mid(1, array.size() - 2));
    }
    // Strings, through both overloads: plain ASCII, and each reason to
    // leave the plain path (quote, backslash, control, DEL, Latin-1).
    const char *latin1[] = {"demo.sleep", "a\"b", "a\\b", "tab\there", "del\x7f", "caf\xe9", ""};
    for (const char *text : latin1) {
        const QString string = QString::fromLatin1(text);
        const QByteArray array = QJsonDocument(QJsonArray{string}).toJson(QJsonDocument::Compact);
        QByteArray fromView;
        JsonWriter(fromView).string(std::string_view(text));
        QCOMPARE(fromView, array.mid(1, array.size() - 2));
        QByteArray fromString;
        JsonWriter(fromString).string(string);
        QCOMPARE(fromString, array.mid(1, array.size() - 2));
    }
}

void tst_JobJson::uuid7()
{
    QString previous;
    QSet<QString> seen;
    for (int i = 0; i < 5000; ++i) {
        const QString id = newUuid7();
        QVERIFY2(isUuid(id), qPrintable(id));
        QCOMPARE(id.at(14), QLatin1Char('7'));               // version
        QVERIFY(QStringLiteral("89ab").contains(id.at(19))); // RFC 9562 variant
        QVERIFY2(id > previous, "ids are time-ordered within a process");
        seen.insert(id);
        previous = id;
    }
    QCOMPARE(seen.size(), 5000);
    QVERIFY(!isUuid(QStringLiteral("../../etc/passwd")));
    QVERIFY(!isUuid(QStringLiteral("0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4")));
    QVERIFY(!isUuid(QStringLiteral("0193a0c4x5e1b-7c2d-9f31-2b6c0d1e8a4b")));
}

QTEST_APPLESS_MAIN(tst_JobJson)
#include "tst_jobjson.moc"
