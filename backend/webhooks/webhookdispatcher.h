#pragma once

#include "callbackallowlist.h"
#include "store/jobstore.h"
#include "webhookretrypolicy.h"
#include "webhooksigner.h"

#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QObject>
#include <QTimer>
#include <chrono>
#include <functional>
#include <map>

class QNetworkReply;

namespace jobdesk {

/// Delivers the webhook outbox (CONTRACT.md, "Webhooks"): one signed POST
/// per attempt, retried per the WebhookRetryPolicy until a 2xx answer, a
/// 410, or the end of the retry window.
///
/// Before each attempt the callback URL is checked against the allowlist
/// again and its host is resolved; the first resolved address the
/// allowlist passes is called directly (the URL's host goes in `Host` and,
/// for https, is the name the certificate must carry), so the address that
/// was checked is the one connected to. Redirects are not followed: a 3xx
/// is a failed attempt, like any other non-2xx answer, an error or no
/// answer within the timeout.
///
/// Every attempt is recorded through the Recorder (the job service's write
/// path: the outbox row and an event in the job's timeline, in one commit)
/// before the next one is scheduled. Lives on the main thread.
class WebhookDispatcher : public QObject
{
    Q_OBJECT
public:
    /// Resolves a host name; `done` gets the addresses, or an error text.
    using Resolver = std::function<void(
        const QString &host, QObject *context,
        std::function<void(const QList<QHostAddress> &addresses, const QString &error)> done)>;

    struct Options
    {
        WebhookSigner signer;
        CallbackAllowlist allowlist = CallbackAllowlist::loopbackOnly();
        WebhookRetryPolicy retry;
        std::chrono::milliseconds timeout{10000};
        int maxInFlight = 8;
        QByteArray userAgent = "jobdeskd";
        Resolver resolve; // empty: QHostInfo
    };

    /// Stores one attempt: the delivery as it now stands and the event for
    /// its job's timeline. Calls `done(true)` once both are durable,
    /// `done(false)` when they could not be stored.
    using Recorder = std::function<void(const WebhookDelivery &delivery, const QJsonObject &event,
                                        std::function<void(bool stored)> done)>;

    WebhookDispatcher(Options options, Recorder recorder, QObject *parent = nullptr);
    ~WebhookDispatcher() override;

    /// Takes the deliveries a previous run left pending and starts.
    void start(const QList<WebhookDelivery> &pending);
    /// Abandons attempts in flight (unrecorded, so they are made again after
    /// a restart, under the same webhook-id) and schedules nothing more.
    void stop();

    /// Deliveries waiting for their next attempt.
    int waiting() const { return static_cast<int>(m_waiting.size()); }
    /// Attempts being made or recorded.
    int inFlight() const { return static_cast<int>(m_inFlight.size()); }

public Q_SLOTS:
    /// A delivery the job service just committed to the outbox.
    void enqueue(const jobdesk::WebhookDelivery &delivery);

Q_SIGNALS:
    /// After an attempt has been recorded.
    void attemptRecorded(const jobdesk::WebhookDelivery &delivery, const QJsonObject &event);

private:
    struct Outcome
    {
        int status = 0;         // HTTP status; 0 = no answer
        QString error;          // why it failed, when it did
        bool permanent = false; // refused before any request: never retried
    };

    void schedule(const WebhookDelivery &delivery);
    void arm();
    void launchDue();
    void attempt(const WebhookDelivery &delivery);
    void send(const QString &id, const QHostAddress &address);
    void onReplyFinished(QNetworkReply *reply);
    void finish(const QString &id, const Outcome &outcome);

    Options m_options;
    Recorder m_recorder;
    QNetworkAccessManager m_network;
    QTimer m_timer;
    /// Deliveries between attempts, and when each is due (wall clock, ms).
    QHash<QString, WebhookDelivery> m_waiting;
    std::multimap<qint64, QString> m_due;
    /// Deliveries being attempted or recorded.
    QHash<QString, WebhookDelivery> m_inFlight;
    QHash<QNetworkReply *, QString> m_replies;
    bool m_started = false;
    bool m_stopped = false;
};

} // namespace jobdesk
