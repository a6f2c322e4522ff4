// Webhooks from the real jobdeskd to a receiver in this test that checks
// every signature on its own: delivery, retries under the same webhook-id
// (across a restart of jobdeskd too), 410, the secret file, and every
// attempt in the job's timeline.

#include "backendprocess.h"
#include "httptestclient.h"
#include "webhookreceiver.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class tst_Webhooks : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void deliveryIsSignedAndVerifiable();
    void failingReceiverIsRetriedUnderTheSameId();
    void goneStopsTheDeliveries();
    void restartBetweenAttempts();
    void givenSecretFileIsUsed();
    void badSecretFileRefused();

private:
    QString submit(HttpTestClient &http, const QString &callbackUrl, double seconds = 0.1);
    static QJsonArray webhookEvents(HttpTestClient &http, const QString &id);
    static QByteArray keyOf(const QString &secretFile);

    std::unique_ptr<BackendProcess> m_backend;
    std::unique_ptr<HttpTestClient> m_http;
    std::unique_ptr<WebhookReceiver> m_receiver;
};

QByteArray tst_Webhooks::keyOf(const QString &secretFile)
{
    QFile file(secretFile);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray secret = file.readAll().trimmed();
    return secret.startsWith("whsec_") ? QByteArray::fromBase64(secret.mid(6)) : QByteArray();
}

void tst_Webhooks::initTestCase()
{
    m_backend = std::make_unique<BackendProcess>();
    QVERIFY2(m_backend->start(1), qPrintable(m_backend->errorText()));
    m_http = std::make_unique<HttpTestClient>(m_backend->httpBase(), m_backend->token());
    // jobdeskd made the secret on its first start, 0600.
    const QString secretFile = m_backend->dataDir() + QStringLiteral("/webhook-secret");
    QVERIFY(!(QFile::permissions(secretFile) &
              (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther)));
    const QByteArray key = keyOf(secretFile);
    QCOMPARE(key.size(), 32);
    m_receiver = std::make_unique<WebhookReceiver>(key);
    QVERIFY(m_receiver->listen());
}

void tst_Webhooks::cleanupTestCase()
{
    m_http.reset();
    if (m_backend)
        QCOMPARE(m_backend->stop(), 0);
}

QString tst_Webhooks::submit(HttpTestClient &http, const QString &callbackUrl, double seconds)
{
    const QJsonObject body{{"kind", "demo.sleep"},
                           {"params", QJsonObject{{"duration_s", seconds}, {"steps", 2}}},
                           {"callback_url", callbackUrl}};
    const HttpReply reply = http.post(QStringLiteral("/api/v1/jobs"),
                                      QJsonDocument(body).toJson(QJsonDocument::Compact));
    if (reply.status != 202)
        qWarning() << "submit answered" << reply.status << reply.body;
    return reply.json().value("id").toString();
}

QJsonArray tst_Webhooks::webhookEvents(HttpTestClient &http, const QString &id)
{
    QJsonArray found;
    for (const QJsonValue &e :
         http.get("/api/v1/jobs/" + id + "/events").json().value("items").toArray()) {
        if (e.toObject().value("type").toString() == QLatin1String("webhook"))
            found.append(e);
    }
    return found;
}

void tst_Webhooks::deliveryIsSignedAndVerifiable()
{
    const int before = m_receiver->deliveries().size();
    const QString id = submit(*m_http, m_receiver->url());
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->deliveries().size(), before + 1, 15000);
    const WebhookReceiver::Delivery d = m_receiver->deliveries().last();
    QVERIFY(d.signatureValid);
    QVERIFY(d.id.startsWith("msg_"));
    QVERIFY(qAbs(d.timestamp.toLongLong() - QDateTime::currentSecsSinceEpoch()) < 30);
    QCOMPARE(d.contentType, QByteArray("application/json"));
    QCOMPARE(d.path, QByteArray("/hook"));

    const QJsonObject body = QJsonDocument::fromJson(d.body).object();
    QCOMPARE(body.value("type").toString(), QStringLiteral("job.completed"));
    QVERIFY(!body.value("timestamp").toString().isEmpty());
    const QJsonObject job = body.value("data").toObject();
    QCOMPARE(job.value("id").toString(), id);
    QCOMPARE(job.value("status").toString(), QStringLiteral("COMPLETED"));
    QCOMPARE(job, m_http->get("/api/v1/jobs/" + id).json()); // the job object, as HTTP serves it

    // A tampered body does not verify: the check is real.
    WebhookReceiver::Delivery tampered = d;
    tampered.body.replace("COMPLETED", "CANCELLED");
    QVERIFY(!WebhookReceiver::verify(keyOf(m_backend->dataDir() + "/webhook-secret"), tampered));

    QTRY_COMPARE_WITH_TIMEOUT(webhookEvents(*m_http, id).size(), 1, 5000);
    const QJsonObject attempt = webhookEvents(*m_http, id).first().toObject();
    QCOMPARE(attempt.value("outcome").toString(), QStringLiteral("delivered"));
    QCOMPARE(attempt.value("webhook_id").toString().toLatin1(), d.id);
    QCOMPARE(attempt.value("status_code").toInt(), 200);
    QCOMPARE(attempt.value("attempt").toInt(), 1);
}

void tst_Webhooks::failingReceiverIsRetriedUnderTheSameId()
{
    const int before = m_receiver->deliveries().size();
    m_receiver->scriptAnswers({500});
    const QString id = submit(*m_http, m_receiver->url(QStringLiteral("/flaky")));
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->deliveries().size(), before + 1, 15000);
    QElapsedTimer sinceFirst;
    sinceFirst.start();
    // The first retry comes within about 5 s.
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->deliveries().size(), before + 2, 8000);
    const qint64 gap = sinceFirst.elapsed();
    QVERIFY2(gap >= 1500 && gap <= 7000, qPrintable(QString::number(gap)));
    const auto &got = m_receiver->deliveries();
    QCOMPARE(got.at(before).answeredWith, 500);
    QCOMPARE(got.at(before + 1).answeredWith, 200);
    QCOMPARE(got.at(before + 1).id, got.at(before).id);
    QCOMPARE(got.at(before + 1).body, got.at(before).body);
    QVERIFY(got.at(before).signatureValid && got.at(before + 1).signatureValid);

    QTRY_COMPARE_WITH_TIMEOUT(webhookEvents(*m_http, id).size(), 2, 5000);
    const QJsonArray events = webhookEvents(*m_http, id);
    QCOMPARE(events.at(0).toObject().value("outcome").toString(), QStringLiteral("failed"));
    QCOMPARE(events.at(0).toObject().value("status_code").toInt(), 500);
    QVERIFY(events.at(0).toObject().contains("next_attempt_at"));
    QCOMPARE(events.at(1).toObject().value("outcome").toString(), QStringLiteral("delivered"));
    QCOMPARE(events.at(1).toObject().value("attempt").toInt(), 2);
}

void tst_Webhooks::goneStopsTheDeliveries()
{
    const int before = m_receiver->deliveries().size();
    m_receiver->scriptAnswers({410, 500, 500});
    const QString id = submit(*m_http, m_receiver->url(QStringLiteral("/gone")));
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->deliveries().size(), before + 1, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(webhookEvents(*m_http, id).size(), 1, 5000);
    QCOMPARE(webhookEvents(*m_http, id).first().toObject().value("outcome").toString(),
             QStringLiteral("gone"));
    QTest::qWait(6000); // past the first retry's time: nothing comes
    QCOMPARE(m_receiver->deliveries().size(), before + 1);
    m_receiver->scriptAnswers({});
}

void tst_Webhooks::restartBetweenAttempts()
{
    QTemporaryDir dir;
    const QString secretFile = dir.filePath(QStringLiteral("secret"));
    {
        QFile file(secretFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("whsec_" + QByteArray(32, 'r').toBase64() + "\n");
        file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }
    WebhookReceiver receiver(QByteArray(32, 'r'));
    QVERIFY(receiver.listen());
    receiver.scriptAnswers({503});

    BackendProcess backend(dir.filePath(QStringLiteral("data")));
    const QStringList args = {"--webhook-secret-file", secretFile};
    QVERIFY2(backend.start(1, args), qPrintable(backend.errorText()));
    QString id;
    {
        HttpTestClient http(backend.httpBase(), backend.token());
        id = submit(http, receiver.url());
        QTRY_COMPARE_WITH_TIMEOUT(receiver.deliveries().size(), 1, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(webhookEvents(http, id).size(), 1, 5000);
    }
    QCOMPARE(backend.stop(), 0); // before the retry is due
    QCOMPARE(receiver.deliveries().size(), 1);

    QVERIFY2(backend.start(1, args), qPrintable(backend.errorText()));
    HttpTestClient http(backend.httpBase(), backend.token());
    QTRY_COMPARE_WITH_TIMEOUT(receiver.deliveries().size(), 2, 15000);
    const auto &got = receiver.deliveries();
    QCOMPARE(got.at(1).id, got.at(0).id);
    QCOMPARE(got.at(1).body, got.at(0).body);
    QVERIFY(got.at(0).signatureValid && got.at(1).signatureValid);
    QTRY_COMPARE_WITH_TIMEOUT(webhookEvents(http, id).size(), 2, 5000);
    const QJsonArray events = webhookEvents(http, id);
    QCOMPARE(events.at(0).toObject().value("outcome").toString(), QStringLiteral("failed"));
    QCOMPARE(events.at(1).toObject().value("outcome").toString(), QStringLiteral("delivered"));
    QCOMPARE(events.at(1).toObject().value("attempt").toInt(), 2);
    QCOMPARE(backend.stop(), 0);
}

void tst_Webhooks::givenSecretFileIsUsed()
{
    // Covered with a secret of the test's choosing in restartBetweenAttempts;
    // here, that jobdeskd leaves a given file as it is.
    QTemporaryDir dir;
    const QString secretFile = dir.filePath(QStringLiteral("secret"));
    const QByteArray secret = "whsec_" + QByteArray(24, 'g').toBase64();
    {
        QFile file(secretFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(secret);
        file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }
    BackendProcess backend(dir.filePath(QStringLiteral("data")));
    QVERIFY2(backend.start(1, {"--webhook-secret-file", secretFile}),
             qPrintable(backend.errorText()));
    QCOMPARE(backend.stop(), 0);
    QFile file(secretFile);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), secret);
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("data/webhook-secret"))));
}

void tst_Webhooks::badSecretFileRefused()
{
    QTemporaryDir dir;
    const QString secretFile = dir.filePath(QStringLiteral("secret"));
    {
        QFile file(secretFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not-a-webhook-secret\n");
    }
    QProcess p;
    p.start(BackendProcess::program("jobdeskd"),
            {"--data-dir", dir.filePath(QStringLiteral("data")), "--http-listen", "127.0.0.1:0",
             "--control", "tcp://127.0.0.1:0", "--events", "tcp://127.0.0.1:0",
             "--webhook-secret-file", secretFile});
    QVERIFY(p.waitForFinished(15000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(p.readAllStandardError().contains("--webhook-secret-file"));
}

QTEST_MAIN(tst_Webhooks)
#include "tst_webhooks.moc"
