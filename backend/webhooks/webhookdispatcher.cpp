#include "webhookdispatcher.h"

#include "timeformat.h"

#include <QHostInfo>
#include <QLoggingCategory>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QRandomGenerator>
#include <QUrl>

Q_LOGGING_CATEGORY(lcWebhooks, "jobdesk.webhooks")

namespace jobdesk {

namespace {

// The timer is re-armed at least this often, so a change of the wall clock
// delays a due delivery by no more than this.
constexpr qint64 kMaxTimerWaitMs = 60 * 1000;
// When an attempt could not be recorded, it is made again after this long.
constexpr qint64 kRecordRetryDelayMs = 5000;

QString outcomeName(WebhookDelivery::State state)
{
    switch (state) {
    case WebhookDelivery::State::Pending:
        return QStringLiteral("failed");
    case WebhookDelivery::State::Delivered:
        return QStringLiteral("delivered");
    case WebhookDelivery::State::Gone:
        return QStringLiteral("gone");
    case WebhookDelivery::State::Failed:
        return QStringLiteral("given_up");
    case WebhookDelivery::State::Refused:
        return QStringLiteral("refused");
    }
    return QStringLiteral("failed");
}

void lookUpWithQHostInfo(const QString &host, QObject *context,
                         std::function<void(const QList<QHostAddress> &, const QString &)> done)
{
    QHostInfo::lookupHost(host, context, [done = std::move(done)](const QHostInfo &info) {
        if (info.error() != QHostInfo::NoError)
            done({}, info.errorString());
        else
            done(info.addresses(), {});
    });
}

} // namespace

WebhookDispatcher::WebhookDispatcher(Options options, Recorder recorder, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_recorder(std::move(recorder))
{
    if (!m_options.resolve)
        m_options.resolve = lookUpWithQHostInfo;
    // A proxy would connect to addresses we never checked.
    m_network.setProxy(QNetworkProxy::NoProxy);
    m_network.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &WebhookDispatcher::launchDue);
}

WebhookDispatcher::~WebhookDispatcher()
{
    stop();
}

void WebhookDispatcher::start(const QList<WebhookDelivery> &pending)
{
    if (m_started || m_stopped)
        return;
    m_started = true;
    for (const WebhookDelivery &d : pending)
        schedule(d);
    if (!pending.isEmpty())
        qCInfo(lcWebhooks) << pending.size() << "webhook deliveries pending from an earlier run";
    arm();
}

void WebhookDispatcher::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_timer.stop();
    const QList<QNetworkReply *> replies = m_replies.keys();
    m_replies.clear();
    for (QNetworkReply *reply : replies) {
        reply->abort();
        reply->deleteLater();
    }
}

void WebhookDispatcher::enqueue(const WebhookDelivery &delivery)
{
    if (m_stopped || delivery.state != WebhookDelivery::State::Pending)
        return;
    if (m_waiting.contains(delivery.id) || m_inFlight.contains(delivery.id))
        return;
    schedule(delivery);
    arm();
}

void WebhookDispatcher::schedule(const WebhookDelivery &delivery)
{
    m_waiting.insert(delivery.id, delivery);
    m_due.emplace(delivery.nextAttemptAtMs, delivery.id);
}

void WebhookDispatcher::arm()
{
    if (m_stopped || !m_started || m_due.empty() || m_inFlight.size() >= m_options.maxInFlight) {
        m_timer.stop();
        return;
    }
    const qint64 wait = std::clamp<qint64>(m_due.begin()->first - nowMs(), 0, kMaxTimerWaitMs);
    m_timer.start(static_cast<int>(wait));
}

void WebhookDispatcher::launchDue()
{
    const qint64 now = nowMs();
    while (!m_stopped && !m_due.empty() && m_due.begin()->first <= now &&
           m_inFlight.size() < m_options.maxInFlight) {
        const QString id = m_due.begin()->second;
        m_due.erase(m_due.begin());
        const auto it = m_waiting.find(id);
        if (it == m_waiting.end())
            continue;
        const WebhookDelivery delivery = it.value();
        m_waiting.erase(it);
        m_inFlight.insert(id, delivery);
        attempt(delivery);
    }
    arm();
}

void WebhookDispatcher::attempt(const WebhookDelivery &delivery)
{
    // The allowlist may have changed since the job was submitted (a restart
    // with another --callback-allow): a URL it no longer allows is refused
    // for good.
    const QString refusal = m_options.allowlist.refusal(delivery.url);
    if (!refusal.isEmpty()) {
        finish(delivery.id, Outcome{0, QStringLiteral("callback_url ") + refusal, true});
        return;
    }
    const QString host = QUrl(delivery.url).host();
    const QString id = delivery.id;
    const auto chooseAddress = [this, id, host](const QList<QHostAddress> &addresses,
                                                const QString &error) {
        if (m_stopped || !m_inFlight.contains(id))
            return;
        if (!error.isEmpty() || addresses.isEmpty()) {
            finish(id, Outcome{0, QStringLiteral("cannot resolve %1: %2")
                                      .arg(host, error.isEmpty() ? QStringLiteral("no address")
                                                                 : error)});
            return;
        }
        for (const QHostAddress &address : addresses) {
            if (m_options.allowlist.allowsAddress(host, address)) {
                send(id, address);
                return;
            }
        }
        QStringList refused;
        for (const QHostAddress &address : addresses)
            refused << address.toString();
        finish(id, Outcome{0, QStringLiteral("%1 resolves only to addresses that are not allowed "
                                             "(%2)")
                                  .arg(host, refused.join(QStringLiteral(", ")))});
    };
    const QHostAddress literal(host);
    if (!literal.isNull())
        chooseAddress({literal}, {});
    else
        m_options.resolve(host, this, chooseAddress);
}

void WebhookDispatcher::send(const QString &id, const QHostAddress &address)
{
    const WebhookDelivery &delivery = m_inFlight[id];
    const QUrl original(delivery.url);
    QUrl target = original;
    target.setHost(address.toString());

    QNetworkRequest request(target);
    request.setRawHeader("Host", original.authority(QUrl::FullyEncoded).toLatin1());
    if (original.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0)
        request.setPeerVerifyName(original.host());
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("User-Agent", m_options.userAgent);
    const qint64 timestampS = nowMs() / 1000;
    const QByteArray webhookId = delivery.id.toLatin1();
    request.setRawHeader("webhook-id", webhookId);
    request.setRawHeader("webhook-timestamp", QByteArray::number(timestampS));
    request.setRawHeader("webhook-signature",
                         m_options.signer.signature(webhookId, timestampS, delivery.body));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setTransferTimeout(static_cast<int>(m_options.timeout.count()));

    QNetworkReply *reply = m_network.post(request, delivery.body);
    m_replies.insert(reply, id);
    // The answer's body is not wanted: read and drop it as it comes, so a
    // large one costs no memory.
    connect(reply, &QNetworkReply::readyRead, reply,
            [reply] { reply->skip(reply->bytesAvailable()); });
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onReplyFinished(reply); });
}

void WebhookDispatcher::onReplyFinished(QNetworkReply *reply)
{
    reply->deleteLater();
    const auto it = m_replies.find(reply);
    if (it == m_replies.end())
        return; // abandoned by stop()
    const QString id = it.value();
    m_replies.erase(it);

    Outcome outcome;
    outcome.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (outcome.status == 0) {
        outcome.error =
            reply->error() == QNetworkReply::OperationCanceledError
                ? QStringLiteral("no answer within %1 ms").arg(m_options.timeout.count())
                : reply->errorString();
    } else if (outcome.status >= 300 && outcome.status < 400) {
        outcome.error =
            QStringLiteral("answered %1; redirects are not followed").arg(outcome.status);
    } else if (outcome.status < 200 || outcome.status >= 300) {
        outcome.error = QStringLiteral("answered %1").arg(outcome.status);
    }
    finish(id, outcome);
}

void WebhookDispatcher::finish(const QString &id, const Outcome &outcome)
{
    const auto it = m_inFlight.find(id);
    if (it == m_inFlight.end())
        return;
    const WebhookDelivery before = it.value();
    WebhookDelivery after = before;
    const qint64 now = nowMs();
    ++after.attempts;
    after.lastStatus = outcome.status;
    after.lastError = outcome.error;
    if (outcome.status >= 200 && outcome.status < 300) {
        after.state = WebhookDelivery::State::Delivered;
    } else if (outcome.status == 410) {
        after.state = WebhookDelivery::State::Gone;
    } else if (outcome.permanent) {
        after.state = WebhookDelivery::State::Refused;
    } else if (m_options.retry.givesUp(after.createdAtMs, now)) {
        after.state = WebhookDelivery::State::Failed;
    } else {
        after.nextAttemptAtMs =
            now +
            m_options.retry.delayMs(after.attempts, QRandomGenerator::global()->generateDouble());
    }

    QJsonObject event{
        {QStringLiteral("webhook_id"), after.id},
        {QStringLiteral("attempt"), after.attempts},
        {QStringLiteral("url"), after.url},
        {QStringLiteral("event_type"), after.eventType},
        {QStringLiteral("outcome"), outcomeName(after.state)},
        {QStringLiteral("status_code"),
         outcome.status > 0 ? QJsonValue(outcome.status) : QJsonValue(QJsonValue::Null)},
    };
    if (!outcome.error.isEmpty())
        event.insert(QStringLiteral("error"), outcome.error);
    if (after.state == WebhookDelivery::State::Pending)
        event.insert(QStringLiteral("next_attempt_at"), formatTimestamp(after.nextAttemptAtMs));

    if (after.state == WebhookDelivery::State::Delivered)
        qCInfo(lcWebhooks).noquote() << "delivered" << after.id << "of job" << after.jobId;
    else
        qCInfo(lcWebhooks).noquote()
            << "attempt" << after.attempts << "of" << after.id << "to" << after.url
            << outcomeName(after.state) << ":" << outcome.error;

    // The recorder may answer after this dispatcher is gone (the service
    // commits what is queued when it stops).
    QPointer<WebhookDispatcher> self(this);
    m_recorder(after, event, [self, this, before, after, event](bool stored) {
        if (!self || m_stopped)
            return;
        m_inFlight.remove(after.id);
        if (!stored) {
            // Not durable, so not done: try again soon, as if it had not been made.
            WebhookDelivery again = before;
            again.nextAttemptAtMs = nowMs() + kRecordRetryDelayMs;
            schedule(again);
        } else {
            if (after.state == WebhookDelivery::State::Pending)
                schedule(after);
            Q_EMIT attemptRecorded(after, event);
        }
        arm();
    });
    arm();
}

} // namespace jobdesk
