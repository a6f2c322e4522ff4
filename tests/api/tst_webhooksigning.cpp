#include "jobjson.h"
#include "webhooks/webhookpayload.h"
#include "webhooks/webhookretrypolicy.h"
#include "webhooks/webhooksecret.h"
#include "webhooks/webhooksigner.h"

#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QTest>

using namespace jobdesk;

class tst_WebhookSigning : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void standardWebhooksTestVector();
    void signatureIsHmacOfIdTimestampBody();
    void secrets_data();
    void secrets();
    void generatedSecretsAreValidAndDistinct();
    void retryDelays();
    void givesUpAfterTheWindow();
    void payloadOfATerminalJob();
};

void tst_WebhookSigning::standardWebhooksTestVector()
{
    // The test vector published with the Standard Webhooks specification.
    const Result<QByteArray> key =
        webhookKeyFromSecret(QStringLiteral("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    QVERIFY(key.ok());
    const WebhookSigner signer(key.value());
    QCOMPARE(
        signer.signature("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})"),
        QByteArray("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
}

void tst_WebhookSigning::signatureIsHmacOfIdTimestampBody()
{
    const QByteArray key(32, 'k');
    const QByteArray expected =
        "v1," +
        QMessageAuthenticationCode::hash("id1.42.{}", key, QCryptographicHash::Sha256).toBase64();
    QCOMPARE(WebhookSigner(key).signature("id1", 42, "{}"), expected);
    QVERIFY(WebhookSigner(key).signature("id1", 43, "{}") != expected);
}

void tst_WebhookSigning::secrets_data()
{
    QTest::addColumn<QString>("secret");
    QTest::addColumn<int>("keyBytes"); // 0: refused
    QTest::newRow("32 bytes") << "whsec_" + QString::fromLatin1(QByteArray(32, 'x').toBase64())
                              << 32;
    QTest::newRow("24 bytes, the least")
        << "whsec_" + QString::fromLatin1(QByteArray(24, 'x').toBase64()) << 24;
    QTest::newRow("16 bytes, too short")
        << "whsec_" + QString::fromLatin1(QByteArray(16, 'x').toBase64()) << 0;
    QTest::newRow("65 bytes, too long")
        << "whsec_" + QString::fromLatin1(QByteArray(65, 'x').toBase64()) << 0;
    QTest::newRow("no prefix") << QString::fromLatin1(QByteArray(32, 'x').toBase64()) << 0;
    QTest::newRow("not base64") << QStringLiteral("whsec_not base64 at all!!!!!!!!!!!!!!") << 0;
}

void tst_WebhookSigning::secrets()
{
    QFETCH(QString, secret);
    QFETCH(int, keyBytes);
    const Result<QByteArray> key = webhookKeyFromSecret(secret);
    QCOMPARE(key.ok(), keyBytes > 0);
    if (keyBytes > 0)
        QCOMPARE(key.value().size(), keyBytes);
}

void tst_WebhookSigning::generatedSecretsAreValidAndDistinct()
{
    const QString a = generateWebhookSecret();
    const QString b = generateWebhookSecret();
    QVERIFY(a.startsWith(QLatin1String("whsec_")));
    QVERIFY(a != b);
    const Result<QByteArray> key = webhookKeyFromSecret(a);
    QVERIFY(key.ok());
    QCOMPARE(key.value().size(), 32);
}

void tst_WebhookSigning::retryDelays()
{
    const WebhookRetryPolicy policy;
    // First retry within 5 s, at least half of it.
    QCOMPARE(policy.delayMs(1, 0.0), 2500);
    QCOMPARE(policy.delayMs(1, 0.999999), 4999);
    // Doubling...
    QCOMPARE(policy.delayMs(2, 0.0), 5000);
    QCOMPARE(policy.delayMs(4, 1.0), 40000);
    // ...up to the cap of an hour.
    QCOMPARE(policy.delayMs(30, 1.0), 3600 * 1000);
    QCOMPARE(policy.delayMs(1000, 0.0), 1800 * 1000);
}

void tst_WebhookSigning::givesUpAfterTheWindow()
{
    const WebhookRetryPolicy policy;
    const qint64 created = 1'800'000'000'000;
    QVERIFY(!policy.givesUp(created, created + 23 * 3600 * 1000));
    QVERIFY(policy.givesUp(created, created + 24 * 3600 * 1000));

    // Following the schedule, attempts go on for at least the whole window.
    qint64 now = created;
    int attempts = 0;
    while (!policy.givesUp(created, now)) {
        ++attempts;
        now += policy.delayMs(attempts, 1.0);
    }
    QVERIFY(now - created >= 24 * 3600 * 1000);
    QVERIFY2(attempts > 20 && attempts < 60, qPrintable(QString::number(attempts)));
}

void tst_WebhookSigning::payloadOfATerminalJob()
{
    Job job;
    job.id = QStringLiteral("0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b");
    job.kind = QStringLiteral("demo.sleep");
    job.status = JobStatus::Failed;
    job.createdAtMs = 1'800'000'000'000;
    job.finishedAtMs = 1'800'000'005'000;
    job.callbackUrl = QStringLiteral("http://localhost:9/hook");
    const WebhookDelivery d = newWebhookDelivery(job, 1'800'000'006'000);
    QVERIFY(d.id.startsWith(QLatin1String("msg_")));
    QCOMPARE(d.jobId, job.id);
    QCOMPARE(d.url, job.callbackUrl);
    QCOMPARE(d.eventType, QStringLiteral("job.failed"));
    QCOMPARE(d.state, WebhookDelivery::State::Pending);
    QCOMPARE(d.attempts, 0);
    QCOMPARE(d.nextAttemptAtMs, 1'800'000'006'000);
    const QJsonObject body = QJsonDocument::fromJson(d.body).object();
    QCOMPARE(body.keys(), (QStringList{"data", "timestamp", "type"}));
    QCOMPARE(body.value("type").toString(), QStringLiteral("job.failed"));
    QCOMPARE(body.value("timestamp").toString(), QStringLiteral("2027-01-15T08:00:05.000Z"));
    QCOMPARE(body.value("data").toObject(), jobToJson(job));
    QVERIFY(newWebhookDelivery(job, 0).id != d.id);
}

QTEST_APPLESS_MAIN(tst_WebhookSigning)
#include "tst_webhooksigning.moc"
