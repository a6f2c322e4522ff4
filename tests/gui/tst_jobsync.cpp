// BackendClient + JobSync + JobTableModel against a real jobdeskd: the
// snapshot in pages, progress rising, COMPLETED arriving as an event, cancel,
// idempotent resends, and reconnecting after the backend is killed and
// restarted on the same data dir and endpoints.

#include "backendclient.h"
#include "backendprocess.h"
#include "controltestclient.h"
#include "jobsync.h"
#include "jobtablemodel.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>
#include <memory>

using namespace jobdesk;
using namespace std::chrono_literals;

class TestJobSync : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void snapshotArrivesInPages();
    void progressRisesAndCompletionArrivesAsAnEvent();
    void cancelStopsARunningJob();
    void resentSubmitWithTheSameKeyIsOneJob();
    void reconnectsAfterTheBackendIsKilledAndRestarted();

private:
    struct Session
    {
        std::unique_ptr<BackendClient> client;
        std::unique_ptr<JobTableModel> model;
        std::unique_ptr<JobSync> sync;
    };
    static Session connectTo(const BackendProcess &backend);
    static QString submit(BackendClient &client, const QJsonObject &params);

    std::unique_ptr<BackendProcess> m_backend;
};

TestJobSync::Session TestJobSync::connectTo(const BackendProcess &backend)
{
    Session s;
    s.client = std::make_unique<BackendClient>();
    s.model = std::make_unique<JobTableModel>();
    s.sync = std::make_unique<JobSync>(s.client.get(), s.model.get());
    s.client->connectTo({backend.controlEndpoint(),
                         backend.eventsEndpoint(),
                         {},
                         backend.dataDir() + QStringLiteral("/api-token")});
    return s;
}

QString TestJobSync::submit(BackendClient &client, const QJsonObject &params)
{
    QString id;
    bool done = false;
    client.submit(
        QJsonObject{{QStringLiteral("kind"), QStringLiteral("demo.sleep")},
                    {QStringLiteral("params"), params}},
        nullptr, [&](const Result<QJsonObject> &r) {
            done = true;
            if (r.ok())
                id = r.value().value(QStringLiteral("job")).toObject().value("id").toString();
            else
                qWarning() << "submit failed:" << r.error().detail;
        });
    if (!QTest::qWaitFor([&done] { return done; }, 10000))
        return {};
    return id;
}

void TestJobSync::initTestCase()
{
    m_backend = std::make_unique<BackendProcess>();
    QVERIFY2(m_backend->start(2), qPrintable(m_backend->errorText()));
}

void TestJobSync::cleanupTestCase()
{
    if (m_backend)
        QCOMPARE(m_backend->stop(), 0);
}

void TestJobSync::snapshotArrivesInPages()
{
    // A backend of its own, with more jobs than one page holds.
    BackendProcess backend;
    QVERIFY2(backend.start(1), qPrintable(backend.errorText()));
    ControlTestClient control(backend.controlEndpoint(), backend.token());
    const int jobs = JobSync::kPageSize + 150;
    for (int i = 0; i < jobs; ++i) {
        const QJsonObject reply = control.request(
            QStringLiteral("submit"),
            {{QStringLiteral("kind"), QStringLiteral("demo.sleep")},
             {QStringLiteral("params"), QJsonObject{{QStringLiteral("duration_s"), 0}}},
             {QStringLiteral("priority"), -100}});
        QVERIFY2(reply.value(QStringLiteral("ok")).toBool(),
                 qPrintable(QJsonDocument(reply).toJson()));
    }

    Session s = connectTo(backend);
    QAbstractItemModelTester tester(s.model.get(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy loaded(s.sync.get(), &JobSync::snapshotLoaded);
    QSignalSpy resets(s.model.get(), &QAbstractItemModel::modelReset);
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 20000);
    QCOMPARE(s.model->rowCount(), jobs);
    QVERIFY2(s.sync->pollCount() >= 2, "two pages at least");
    QCOMPARE(resets.count(), 0);

    // Once the backend is idle the table holds exactly what a `list` of the
    // backend says: every job, each with its rev and status.
    auto mismatch = [&]() -> QString {
        QHash<QString, QJsonObject> listed;
        for (qint64 rev = 0;;) {
            const QJsonObject reply =
                control.request(QStringLiteral("list"), {{QStringLiteral("changed_since"), rev},
                                                         {QStringLiteral("limit"), 200}});
            if (!reply.value(QStringLiteral("ok")).toBool())
                return QStringLiteral("list failed: ") + QJsonDocument(reply).toJson();
            const QJsonArray items = reply.value(QStringLiteral("items")).toArray();
            for (const QJsonValue &v : items)
                listed.insert(v[QStringLiteral("id")].toString(), v.toObject());
            rev = reply.value(QStringLiteral("rev")).toInteger();
            if (items.size() < 200)
                break;
        }
        if (listed.size() != jobs || s.model->rowCount() != jobs)
            return QStringLiteral("%1 listed, %2 rows").arg(listed.size()).arg(s.model->rowCount());
        for (const QJsonObject &o : std::as_const(listed)) {
            const QString status = o.value(QStringLiteral("status")).toString();
            if (!isTerminal(statusFromName(status).value_or(JobStatus::Pending)))
                return QStringLiteral("the backend is not idle yet");
            const Job *job = s.model->job(o.value(QStringLiteral("id")).toString());
            if (!job || job->rev != o.value(QStringLiteral("rev")).toInteger() ||
                statusName(job->status) != status)
                return QStringLiteral("job %1 differs")
                    .arg(o.value(QStringLiteral("id")).toString());
        }
        return {};
    };
    QString why;
    QTRY_VERIFY2_WITH_TIMEOUT((why = mismatch()).isEmpty(), qPrintable(why), 120000);
    QCOMPARE(resets.count(), 0);
    QCOMPARE(backend.stop(), 0);
}

void TestJobSync::progressRisesAndCompletionArrivesAsAnEvent()
{
    Session s = connectTo(*m_backend);
    QTRY_VERIFY_WITH_TIMEOUT(s.sync->snapshotComplete(), 10000);
    QSignalSpy events(s.client.get(), &BackendClient::jobEvent);

    const QString id =
        submit(*s.client, {{QStringLiteral("duration_s"), 2}, {QStringLiteral("steps"), 10}});
    QVERIFY(!id.isEmpty());
    // The submit's reply is a PENDING job; the table has it at once.
    QTRY_VERIFY_WITH_TIMEOUT(s.model->job(id) != nullptr, 2000);

    QList<double> seen;
    connect(s.model.get(), &JobTableModel::batchApplied, this, [&] {
        const Job *job = s.model->job(id);
        if (job && job->status == JobStatus::Processing && job->progress &&
            (seen.isEmpty() || seen.last() != *job->progress))
            seen.append(*job->progress);
    });
    QTRY_COMPARE_WITH_TIMEOUT(s.model->job(id)->status, JobStatus::Completed, 15000);
    QVERIFY2(seen.size() >= 2, "progress was seen rising while running");
    QVERIFY(std::is_sorted(seen.begin(), seen.end()));
    QVERIFY(seen.last() > seen.first());
    QCOMPARE(s.model->job(id)->progress, std::optional<double>(100.0));

    bool completedEvent = false;
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                 for (const auto &args : events) {
                                     if (args.at(0).toString() == QLatin1String("job.completed") &&
                                         args.at(1).value<Job>().id == id)
                                         completedEvent = true;
                                 }
                                 return completedEvent;
                             }()),
                             5000);
}

void TestJobSync::cancelStopsARunningJob()
{
    Session s = connectTo(*m_backend);
    QTRY_VERIFY_WITH_TIMEOUT(s.sync->snapshotComplete(), 10000);
    const QString id = submit(*s.client, {{QStringLiteral("duration_s"), 60}});
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(s.model->job(id) && s.model->job(id)->status == JobStatus::Processing,
                             10000);

    std::optional<QJsonObject> reply;
    s.client->request(QStringLiteral("cancel"), {{QStringLiteral("id"), id}}, nullptr,
                      [&reply](const Result<QJsonObject> &r) {
                          reply = r.ok() ? r.value() : QJsonObject{{"error", r.error().detail}};
                      });
    QTRY_VERIFY_WITH_TIMEOUT(reply.has_value(), 5000);
    QVERIFY2(reply->value(QStringLiteral("stop_requested")).toBool(),
             QJsonDocument(*reply).toJson().constData());
    QTRY_COMPARE_WITH_TIMEOUT(s.model->job(id)->status, JobStatus::Cancelled, 15000);
}

void TestJobSync::resentSubmitWithTheSameKeyIsOneJob()
{
    // What a Lazy Pirate resend looks like to the backend: the same submit,
    // the same idempotency_key, twice.
    Session s = connectTo(*m_backend);
    QTRY_COMPARE_WITH_TIMEOUT(s.client->state(), ConnectionState::Connected, 10000);
    const QJsonObject fields{
        {QStringLiteral("kind"), QStringLiteral("demo.sleep")},
        {QStringLiteral("params"), QJsonObject{{QStringLiteral("duration_s"), 0}}},
        {QStringLiteral("idempotency_key"), QStringLiteral("resend-test-1")}};
    QStringList ids;
    for (int i = 0; i < 2; ++i) {
        s.client->submit(fields, nullptr, [&ids](const Result<QJsonObject> &r) {
            ids.append(r.ok() ? r.value().value("job").toObject().value("id").toString()
                              : QStringLiteral("error: ") + r.error().detail);
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(ids.size(), 2, 10000);
    QVERIFY2(!ids[0].startsWith(QLatin1String("error")), qPrintable(ids[0]));
    QCOMPARE(ids[1], ids[0]);
}

void TestJobSync::reconnectsAfterTheBackendIsKilledAndRestarted()
{
    // The restarted backend must come back on the same endpoints: pick free
    // ports now (held together so they differ) and pass them explicitly.
    QList<quint16> ports;
    {
        QTcpServer a, b, c;
        QVERIFY(a.listen(QHostAddress::LocalHost, 0) && b.listen(QHostAddress::LocalHost, 0) &&
                c.listen(QHostAddress::LocalHost, 0));
        ports = {a.serverPort(), b.serverPort(), c.serverPort()};
    }
    const QStringList fixed = {
        QStringLiteral("--http-listen"), QStringLiteral("127.0.0.1:%1").arg(ports[0]),
        QStringLiteral("--control"),     QStringLiteral("tcp://127.0.0.1:%1").arg(ports[1]),
        QStringLiteral("--events"),      QStringLiteral("tcp://127.0.0.1:%1").arg(ports[2])};
    QTemporaryDir dataDir;
    auto first = std::make_unique<BackendProcess>(dataDir.path());
    QVERIFY2(first->start(1, fixed), qPrintable(first->errorText()));

    Session s = connectTo(*first);
    s.client->setRequestTimeout(500ms);
    s.client->setRetries(2);
    s.client->setProbeInterval(200ms, 1000ms);
    QSignalSpy connected(s.client.get(), &BackendClient::connected);
    QTRY_VERIFY_WITH_TIMEOUT(s.sync->snapshotComplete(), 10000);
    QTRY_COMPARE(s.client->state(), ConnectionState::Connected);
    const QString epochBefore = s.client->info().epoch;

    const QString running = submit(*s.client, {{QStringLiteral("duration_s"), 60}});
    QVERIFY(!running.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(
        s.model->job(running) && s.model->job(running)->status == JobStatus::Processing, 10000);

    const qsizetype connectedBefore = connected.count();
    first->kill();
    QTRY_COMPARE_WITH_TIMEOUT(s.client->state(), ConnectionState::Offline, 15000);

    auto second = std::make_unique<BackendProcess>(dataDir.path());
    QVERIFY2(second->start(1, fixed), qPrintable(second->errorText()));
    QCOMPARE(second->controlEndpoint(), first->controlEndpoint());
    QTRY_COMPARE_WITH_TIMEOUT(s.client->state(), ConnectionState::Connected, 15000);
    QCOMPARE(connected.count(), connectedBefore + 1); // once, for the new run
    QVERIFY(s.client->info().epoch != epochBefore);

    // The interrupted job was requeued by the new run and is running again;
    // the table follows it without a restart of its own.
    QVERIFY(s.model->job(running));
    const qint64 revBefore = s.model->job(running)->rev;
    QTRY_VERIFY_WITH_TIMEOUT(s.model->job(running) && s.model->job(running)->rev > revBefore,
                             15000);

    // Events flow again: a new job's completion arrives.
    QSignalSpy events(s.client.get(), &BackendClient::jobEvent);
    const QString quick = submit(*s.client, {{QStringLiteral("duration_s"), 0.2}});
    QVERIFY(!quick.isEmpty());
    // One worker, busy with `running`: cancel it to free the worker.
    bool cancelled = false;
    s.client->request(QStringLiteral("cancel"), {{QStringLiteral("id"), running}}, nullptr,
                      [&cancelled](const Result<QJsonObject> &r) {
                          cancelled = r.ok();
                          if (!r.ok())
                              qWarning() << "cancel failed:" << r.error().detail;
                      });
    QTRY_VERIFY_WITH_TIMEOUT(cancelled, 5000);
    // The table learns of the new job from the sync, after the submit's reply.
    QTRY_VERIFY_WITH_TIMEOUT(
        s.model->job(quick) && s.model->job(quick)->status == JobStatus::Completed, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                 for (const auto &args : events) {
                                     if (args.at(0).toString() == QLatin1String("job.completed") &&
                                         args.at(1).value<Job>().id == quick)
                                         return true;
                                 }
                                 return false;
                             }()),
                             10000);
    QCOMPARE(second->stop(), 0);
}

QTEST_MAIN(TestJobSync)
#include "tst_jobsync.moc"
