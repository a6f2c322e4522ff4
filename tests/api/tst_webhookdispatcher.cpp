// The webhook dispatcher against a real HTTP receiver on 127.0.0.1: signed
// POSTs, retries under the same webhook-id, 410, redirects, timeouts, and
// addresses refused at delivery time.

#include "webhookreceiver.h"
#include "webhooks/webhookdispatcher.h"
#include "webhooks/webhookpayload.h"

#include <QJsonDocument>
#include <QTest>

using namespace jobdesk;
using namespace std::chrono_literals;

class tst_WebhookDispatcher : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void deliversASignedPost();
    void failureIsRetriedUnderTheSameId();
    void goneStopsTheRetries();
    void redirectIsAFailureAndNotFollowed();
    void noAnswerIsAFailure();
    void addressRefusedAtDelivery();
    void urlNoLongerAllowedIsRefusedForGood();
    void givesUpAfterTheWindow();
    void unrecordedAttemptIsMadeAgain();
    void pendingFromAnEarlierRunIsDelivered();

private:
    struct Recorded
    {
        WebhookDelivery delivery;
        QJsonObject event;
    };

    std::unique_ptr<WebhookDispatcher> makeDispatcher(WebhookDispatcher::Options options = {});
    WebhookDelivery delivery(const QString &url) const;

    const QByteArray m_key = QByteArray(32, 's');
    std::unique_ptr<WebhookReceiver> m_receiver;
    QList<Recorded> m_recorded;
    int m_refuseRecords = 0; // how many records to refuse first
};

void tst_WebhookDispatcher::init()
{
    m_receiver = std::make_unique<WebhookReceiver>(m_key);
    QVERIFY(m_receiver->listen());
    m_recorded.clear();
    m_refuseRecords = 0;
}

void tst_WebhookDispatcher::cleanup()
{
    m_receiver.reset();
}

std::unique_ptr<WebhookDispatcher>
tst_WebhookDispatcher::makeDispatcher(WebhookDispatcher::Options options)
{
    options.signer = WebhookSigner(m_key);
    if (options.retry.firstDelay == WebhookRetryPolicy{}.firstDelay)
        options.retry.firstDelay = 200ms; // fast retries for the test
    return std::make_unique<WebhookDispatcher>(
        options,
        [this](const WebhookDelivery &d, const QJsonObject &event, std::function<void(bool)> done) {
            if (m_refuseRecords > 0) {
                --m_refuseRecords;
                done(false);
                return;
            }
            m_recorded.append({d, event});
            done(true);
        });
}

WebhookDelivery tst_WebhookDispatcher::delivery(const QString &url) const
{
    Job job;
    job.id = QStringLiteral("0193a0c4-5e1b-7c2d-9f31-2b6c0d1e8a4b");
    job.kind = QStringLiteral("demo.sleep");
    job.status = JobStatus::Completed;
    job.finishedAtMs = 1'800'000'000'000;
    job.callbackUrl = url;
    return newWebhookDelivery(job, QDateTime::currentMSecsSinceEpoch());
}

void tst_WebhookDispatcher::deliversASignedPost()
{
    auto dispatcher = makeDispatcher();
    dispatcher->start({});
    const WebhookDelivery d = delivery(m_receiver->url());
    dispatcher->enqueue(d);
    QTRY_COMPARE_WITH_TIMEOUT(m_recorded.size(), 1, 5000);

    QCOMPARE(m_receiver->deliveries().size(), 1);
    const WebhookReceiver::Delivery &got = m_receiver->deliveries().first();
    QVERIFY(got.signatureValid);
    QCOMPARE(got.id, d.id.toLatin1());
    QCOMPARE(got.body, d.body);
    QCOMPARE(got.path, QByteArray("/hook"));
    QCOMPARE(got.host, QStringLiteral("127.0.0.1:%1").arg(m_receiver->port()).toLatin1());
    QCOMPARE(got.contentType, QByteArray("application/json"));
    QVERIFY(qAbs(got.timestamp.toLongLong() - QDateTime::currentSecsSinceEpoch()) < 5);

    const Recorded &r = m_recorded.first();
    QCOMPARE(r.delivery.state, WebhookDelivery::State::Delivered);
    QCOMPARE(r.delivery.attempts, 1);
    QCOMPARE(r.delivery.lastStatus, 200);
    QCOMPARE(r.event.value("outcome").toString(), QStringLiteral("delivered"));
    QCOMPARE(r.event.value("webhook_id").toString(), d.id);
    QCOMPARE(r.event.value("status_code").toInt(), 200);
    QCOMPARE(dispatcher->waiting(), 0);
    QCOMPARE(dispatcher->inFlight(), 0);
}

void tst_WebhookDispatcher::failureIsRetriedUnderTheSameId()
{
    m_receiver->scriptAnswers({500, 503});
    auto dispatcher = makeDispatcher();
    dispatcher->start({});
    dispatcher->enqueue(delivery(m_receiver->url()));
    QTRY_COMPARE_WITH_TIMEOUT(m_recorded.size(), 3, 10000);
    const auto &got = m_receiver->deliveries();
    QCOMPARE(got.size(), 3);
    QCOMPARE(got.at(1).id, got.at(0).id);
    QCOMPARE(got.at(2).id, got.at(0).id);
    QCOMPARE(got.at(2).body, got.at(0).body);
    for (const auto &g : got)
        QVERIFY(g.signatureValid);

    QCOMPARE(m_recorded.at(0).delivery.state, WebhookDelivery::State::Pending);
    QCOMPARE(m_recorded.at(0).event.value("outcome").toString(), QStringLiteral("failed"));
    QCOMPARE(m_recorded.at(0).event.value("status_code").toInt(), 500);
    QVERIFY(m_recorded.at(0).event.contains("next_attempt_at"));
    QCOMPARE(m_recorded.at(1).delivery.attempts, 2);
    QCOMPARE(m_recorded.at(2).delivery.state, WebhookDelivery::State::Delivered);
    QCOMPARE(m_recorded.at(2).delivery.attempts, 3);
}

void tst_WebhookDispatcher::goneStopsTheRetries()
{
    m_receiver->scriptAnswers({410});
    auto dispatcher = makeDispatcher();
    dispatcher->start({});
    dispatcher->enqueue(delivery(m_receiver->url()));
    QTRY_COMPARE_WITH_TIMEOUT(m_recorded.size(), 1, 5000);
    QCOMPARE(m_recorded.first().delivery.state, WebhookDelivery::State::Gone);
    QCOMPARE(m_recorded.first().event.value("outcome").toString(), QStringLiteral("gone"));
    QTest::qWait(600); // three retry delays: nothing more
    QCOMPARE(m_receiver->deliveries().size(), 1);
    QCOMPARE(dispatcher->waiting(), 0);
}

void tst_WebhookDispatcher::redirectIsAFailureAndNotFollowed()
{
    m_receiver->scriptAnswers({302});
    auto dispatcher = makeDispatcher();
    dispatcher->start({});
    dispatcher->enqueue(delivery(m_receiver->url()));
    QTRY_COMPARE_WITH_TIMEOUT(m_recorded.size(), 1, 5000);
    QCOMPARE(m_recorded.first().delivery.state, WebhookDelivery::State::Pending);
    QCOMPARE(m_recorded.first().delivery.lastStatus, 302);
    QVERIFY(m_recorded.first().delivery.lastError.contains("redirect"));
    QTRY_COMPARE_WITH_TIMEOUT(m_recorded.size(), 2, 5000);
    // Both requests went to the hook itself, never to the Location.
    for (const auto &g : m_receiver->deliveries())
        QCOMPARE(g.path, QByteArray("/hook"));
}

void tst_WebhookDispatcher::noAnswerIsAFailure()
{
    m_receiver->scriptAnswers({0});
    WebhookDispatcher::Options options;
    options.timeout = 300ms;
    auto dispatcher = makeDispatcher(options);
    dispatcher->start({});
    dispatcher->enqueue(delivery(m_receiver->url()));
    QTRY_COMPARE_WITH_TIMEOUT(m_recorded.size(), 1, 5000);
    QCOMPARE(m_recorded.first().delivery.state, WebhookDelivery::State::Pending);
    QCOMPARE(m_recorded.first().delivery.lastStatus, 0);
    QVERIFY2(m_recorded.first().delivery.lastError.contains("no answer"),
             qPrintable(m_recorded.first().delivery.lastError));
    QVERIFY(m_recorded.first().event.value("status_code").isNull());
    QTRY_COMPARE_WITH_TIMEOUT(m_recorded.size(), 2, 5000);
    QCOMPARE(m_recorded.at(1).delivery.state, WebhookDelivery::State::Delivered);
}

void tst_WebhookDispatcher::addressRefusedAtDelivery()
{
    // The host is allowed by name, but now resolves to the metadata address.
    WebhookDispatcher::Options options;
    options.allowlist = CallbackAllowlist::parse(QStringLiteral("hooks.test")).value();
    options.resolve = [](const QString &, QObject *,
                         std::function<void(const QList<QHostAddress> &, const QString &)> done) {
        done({QHostAddress(QStringLiteral("169.254.169.254"))}, {});
    };
    auto dispatcher = makeDispatcher(options);
    dispatcher->start({});
    dispatcher->enqueue(
        delivery(QStringLiteral("http://hooks.test:%1/hook").arg(m_receiver->port())));
    QTRY_COMPARE_WITH_TIMEOUT(m_recorded.size(), 1, 5000);
    QCOMPARE(m_recorded.first().delivery.state, WebhookDelivery::State::Pending);
    QVERIFY(m_recorded.first().delivery.lastError.contains("169.254.169.254"));
    QCOMPARE(m_receiver->deliveries().size(), 0);
}

void tst_WebhookDispatcher::urlNoLongerAllowedIsRefusedForGood()
{
    WebhookDispatcher::Options options;
    options.allowlist = CallbackAllowlist::parse(QStringLiteral("localhost")).value();
    auto dispatcher = makeDispatcher(options);
    dispatcher->start({});
    dispatcher->enqueue(delivery(m_receiver->url())); // 127.0.0.1 is not listed
    QTRY_COMPARE_WITH_TIMEOUT(m_recorded.size(), 1, 5000);
    QCOMPARE(m_recorded.first().delivery.state, WebhookDelivery::State::Refused);
    QCOMPARE(m_recorded.first().event.value("outcome").toString(), QStringLiteral("refused"));
    QCOMPARE(m_receiver->deliveries().size(), 0);
    QCOMPARE(dispatcher->waiting(), 0);
}

void tst_WebhookDispatcher::givesUpAfterTheWindow()
{
    m_receiver->scriptAnswers({500});
    WebhookDispatcher::Options options;
    options.retry.window = 0ms;
    auto dispatcher = makeDispatcher(options);
    dispatcher->start({});
    dispatcher->enqueue(delivery(m_receiver->url()));
    QTRY_COMPARE_WITH_TIMEOUT(m_recorded.size(), 1, 5000);
    QCOMPARE(m_recorded.first().delivery.state, WebhookDelivery::State::Failed);
    QCOMPARE(m_recorded.first().event.value("outcome").toString(), QStringLiteral("given_up"));
    QCOMPARE(dispatcher->waiting(), 0);
}

void tst_WebhookDispatcher::unrecordedAttemptIsMadeAgain()
{
    m_refuseRecords = 1;
    auto dispatcher = makeDispatcher();
    dispatcher->start({});
    dispatcher->enqueue(delivery(m_receiver->url()));
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver->deliveries().size(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(m_recorded.size(), 1, 10000);
    QCOMPARE(m_receiver->deliveries().size(), 2);
    // Counted as the first attempt: the unrecorded one never happened.
    QCOMPARE(m_recorded.first().delivery.attempts, 1);
    QCOMPARE(m_recorded.first().delivery.state, WebhookDelivery::State::Delivered);
}

void tst_WebhookDispatcher::pendingFromAnEarlierRunIsDelivered()
{
    WebhookDelivery earlier = delivery(m_receiver->url());
    earlier.attempts = 2;
    earlier.nextAttemptAtMs = QDateTime::currentMSecsSinceEpoch() - 1000;
    auto dispatcher = makeDispatcher();
    dispatcher->start({earlier});
    QTRY_COMPARE_WITH_TIMEOUT(m_recorded.size(), 1, 5000);
    QCOMPARE(m_receiver->deliveries().first().id, earlier.id.toLatin1());
    QCOMPARE(m_recorded.first().delivery.attempts, 3);
    QCOMPARE(m_recorded.first().delivery.state, WebhookDelivery::State::Delivered);
}

QTEST_GUILESS_MAIN(tst_WebhookDispatcher)
#include "tst_webhookdispatcher.moc"
