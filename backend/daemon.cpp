#include "daemon.h"

#include "controlchannel.h"
#include "defaultpaths.h"
#include "eventpublisher.h"
#include "http/apimetrics.h"
#include "http/httpserver.h"
#include "http/longpollwaiters.h"
#include "httpapi.h"
#include "jobservice.h"
#include "kindcatalog.h"
#include "paramsschema.h"
#include "secretfile.h"
#include "store/resultsfoldersweep.h"
#include "store/sqlitejobstore.h"
#include "uuid7.h"
#include "version.h"
#include "webhooks/callbackallowlist.h"
#include "webhooks/webhookdispatcher.h"
#include "webhooks/webhooksecret.h"
#include "workerpool/workersupervisor.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcDaemon, "jobdesk.daemon")

namespace jobdesk {

namespace {

bool makePrivateDir(const QString &path, QString *error)
{
    if (!QDir().mkpath(path)) {
        *error = QStringLiteral("cannot create %1").arg(path);
        return false;
    }
    QFile::setPermissions(path,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return true;
}

// The folder an ipc:// endpoint lives in must exist and be private: its
// permissions are what authenticates local clients.
bool prepareEndpoint(const QString &endpoint, QString *error)
{
    if (!endpoint.startsWith(QLatin1String("ipc://")))
        return true;
    const QString path = endpoint.mid(6);
    return makePrivateDir(QFileInfo(path).absolutePath(), error);
}

QString workerProgram()
{
    const QString here = QCoreApplication::applicationDirPath();
    for (const QString &candidate : {here + QStringLiteral("/jobdesk-worker"),
                                     here + QStringLiteral("/../lib/jobdesk/jobdesk-worker")}) {
        if (QFileInfo(candidate).isExecutable())
            return QFileInfo(candidate).canonicalFilePath();
    }
    return here + QStringLiteral("/jobdesk-worker");
}

} // namespace

Daemon::Daemon(DaemonConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_epoch(newUuid7())
{
}

Daemon::~Daemon()
{
    stop();
}

bool Daemon::start(QString *error, int *exitCode)
{
    *exitCode = 1;
    if (!makePrivateDir(m_config.dataDir, error))
        return false;

    m_lock = std::make_unique<QLockFile>(
        QDir(m_config.dataDir).filePath(QStringLiteral("jobdeskd.lock")));
    m_lock->setStaleLockTime(0); // stale only when its owner is gone
    if (!m_lock->tryLock(0)) {
        qint64 pid = 0;
        QString host, app;
        m_lock->getLockInfo(&pid, &host, &app);
        *error = QStringLiteral("another jobdeskd (pid %1) is using the data dir %2")
                     .arg(pid)
                     .arg(m_config.dataDir);
        *exitCode = 2;
        return false;
    }

    QString token;
    if (!m_config.noAuth) {
        Result<QString> t = readOrCreateSecretFile(m_config.tokenFile, &generateApiToken);
        if (!t) {
            *error = QStringLiteral("--api-token-file: %1").arg(t.error().detail);
            *exitCode = 2;
            return false;
        }
        token = t.value();
    }

    Result<QString> webhookSecret =
        readOrCreateSecretFile(m_config.webhookSecretFile, &generateWebhookSecret);
    Result<QByteArray> webhookKey =
        webhookSecret ? webhookKeyFromSecret(webhookSecret.value()) : webhookSecret.error();
    if (!webhookKey) {
        *error = QStringLiteral("--webhook-secret-file: %1: %2")
                     .arg(m_config.webhookSecretFile, webhookKey.error().detail);
        *exitCode = 2;
        return false;
    }
    Result<CallbackAllowlist> callbackAllow =
        CallbackAllowlist::parse(m_config.callbackAllow.join(QLatin1Char(',')));
    if (!callbackAllow) {
        *error = QStringLiteral("--callback-allow: %1").arg(callbackAllow.error().detail);
        *exitCode = 2;
        return false;
    }

    const QString runtimeDir = defaultRuntimeDir(m_config.dataDir);
    const QString resultsDir = QDir(m_config.dataDir).filePath(QStringLiteral("results"));
    if (!makePrivateDir(runtimeDir, error) || !makePrivateDir(resultsDir, error) ||
        !prepareEndpoint(m_config.controlEndpoint, error) ||
        !prepareEndpoint(m_config.eventsEndpoint, error))
        return false;
    auto store = std::make_unique<SqliteJobStore>();
    if (!store->open(m_config.dataDir)) {
        *error = QStringLiteral("cannot open the job store in %1: %2")
                     .arg(m_config.dataDir, store->lastError());
        return false;
    }
    m_store = std::move(store);
    // Before any worker starts: no attempt is in flight yet.
    sweepResultsFolder(resultsDir, *m_store);

    WorkerSupervisor::Options workerOptions;
    workerOptions.workerProgram = workerProgram();
    workerOptions.workers = m_config.workers;
    workerOptions.niceness = m_config.workerNice;
    workerOptions.runtimeDir = runtimeDir;
    workerOptions.resultsDir = resultsDir;
    workerOptions.epoch = m_epoch;
    workerOptions.cancelGrace = std::chrono::seconds(m_config.cancelGraceS);

    // The kinds: built in, then the config file's, with the input roots.
    // Workers get them as resolved now, not by reading the config again.
    KindCatalog kinds = KindCatalog::builtin();
    for (const KindCatalog::Settings::Defaults &defaults :
         std::as_const(m_config.kindSettings.builtinDefaults))
        kinds.setDefaults(defaults);
    for (const KindInfo &kind : std::as_const(m_config.kindSettings.adminKinds))
        kinds.add(kind);
    kinds.setInputRoots(m_config.inputRoots);
    // The data dir holds the token, the webhook secret and every job's data:
    // no job reads it, even when an input root contains it.
    setDeniedInputPaths(
        {m_config.dataDir, m_config.tokenFile, m_config.configFile, m_config.webhookSecretFile});
    workerOptions.catalogFile =
        QDir(m_config.dataDir).filePath(QStringLiteral("worker-catalog.json"));
    if (!kinds.writeWorkerFile(workerOptions.catalogFile, error))
        return false;
    m_workers = std::make_unique<WorkerSupervisor>(workerOptions);

    JobService::Options serviceOptions;
    serviceOptions.resultsDir = resultsDir;
    serviceOptions.retention = std::chrono::hours(m_config.retentionHours);
    serviceOptions.retryBackoffBase =
        std::chrono::milliseconds(qRound64(m_config.retryBaseS * 1000));
    serviceOptions.retryBackoffCap = std::chrono::milliseconds(qRound64(m_config.retryCapS * 1000));
    serviceOptions.maxPending = m_config.maxPending;
    serviceOptions.callbackAllow = callbackAllow.value();
    m_metrics = std::make_shared<ApiMetrics>();
    serviceOptions.metrics = m_metrics.get();
    m_service =
        std::make_unique<JobService>(*m_store, *m_workers, std::move(kinds), serviceOptions);
    if (!m_service->start(error))
        return false;
    if (!m_workers->start(error))
        return false;

    m_events = std::make_unique<EventPublisher>(m_zmq, m_config.eventsEndpoint, m_epoch);
    if (!m_events->bind(error)) {
        *exitCode = 2;
        return false;
    }
    connect(m_service.get(), &JobService::jobChanged, m_events.get(),
            &EventPublisher::publishChange);

    // Long polls wake on the commit that changes their job.
    m_longPolls = std::make_unique<LongPollWaiters>();
    connect(m_service.get(), &JobService::jobChanged, m_longPolls.get(),
            [waiters = m_longPolls.get()](const Job &job, const QByteArray &, bool) {
                waiters->notify(job.id);
            });

    WebhookDispatcher::Options webhookOptions;
    webhookOptions.signer = WebhookSigner(webhookKey.value());
    webhookOptions.allowlist = callbackAllow.value();
    webhookOptions.userAgent = QByteArrayLiteral("jobdeskd/" JOBDESK_VERSION);
    m_webhooks = std::make_unique<WebhookDispatcher>(
        webhookOptions,
        [service = m_service.get()](const WebhookDelivery &delivery, const QJsonObject &event,
                                    std::function<void(bool)> done) {
            service->recordWebhookAttempt(delivery, event, std::move(done));
        });
    connect(m_service.get(), &JobService::webhookQueued, m_webhooks.get(),
            &WebhookDispatcher::enqueue);
    connect(m_webhooks.get(), &WebhookDispatcher::attemptRecorded, this,
            [metrics = m_metrics](const WebhookDelivery &, const QJsonObject &event) {
                metrics->webhookAttempts.increment(
                    {event.value(QStringLiteral("outcome")).toString().toStdString()});
            });
    m_webhooks->start(m_service->pendingWebhooks());

    HttpApi::Options apiOptions;
    apiOptions.token = token;
    apiOptions.version = QStringLiteral(JOBDESK_VERSION);
    apiOptions.pollRatePerS = m_config.pollRateLimit;
    apiOptions.extraGauges = [this] {
        return std::vector<ApiMetrics::Gauge>{
            {"jobdesk_workers", "Worker processes that said READY.",
             static_cast<double>(m_service->workersReady())},
            {"jobdesk_webhook_deliveries_waiting", "Webhook deliveries waiting for an attempt.",
             static_cast<double>(m_webhooks->waiting())},
        };
    };
    m_httpApi = std::make_unique<HttpApi>(*m_service, *m_longPolls, m_metrics, apiOptions);
    m_http = std::make_unique<HttpServer>(
        [api = m_httpApi.get()](HttpRequest &&request, HttpResponder respond) {
            api->handle(std::move(request), std::move(respond));
        },
        HttpServer::Options{});
    std::string httpError;
    if (!m_http->listen(m_config.httpHost.toStdString(), m_config.httpPort, &httpError)) {
        *error = QStringLiteral("--http-listen: cannot listen on %1:%2: %3")
                     .arg(m_config.httpHost)
                     .arg(m_config.httpPort)
                     .arg(QString::fromStdString(httpError));
        *exitCode = 2;
        return false;
    }
    const QString host = m_config.httpHost.contains(QLatin1Char(':'))
                             ? QLatin1Char('[') + m_config.httpHost + QLatin1Char(']')
                             : m_config.httpHost;
    m_httpAddress = host + QLatin1Char(':') + QString::number(m_http->port());

    ControlChannel::Options controlOptions;
    controlOptions.endpoint = m_config.controlEndpoint;
    controlOptions.token = token;
    controlOptions.version = QStringLiteral(JOBDESK_VERSION);
    controlOptions.epoch = m_epoch;
    controlOptions.httpBaseUrl = QStringLiteral("http://") + m_httpAddress;
    controlOptions.eventsEndpoint = m_events->boundEndpoint();
    m_control = std::make_unique<ControlChannel>(m_zmq, *m_service, controlOptions);
    if (!m_control->bind(error)) {
        *exitCode = 2;
        return false;
    }
    m_http->start();
    qCInfo(lcDaemon).noquote() << "jobdeskd" << JOBDESK_VERSION << "epoch" << m_epoch << "data dir"
                               << m_config.dataDir << (token.isEmpty() ? "auth off" : "auth on");
    return true;
}

QString Daemon::readyLine() const
{
    return QStringLiteral("READY http=%1 control=%2 events=%3")
        .arg(m_httpAddress, m_control->boundEndpoint(), m_events->boundEndpoint());
}

void Daemon::shutdown()
{
    if (m_stopped || !m_service) {
        stop();
        Q_EMIT stopped();
        return;
    }
    // The listener stays open while running attempts finish: new submits
    // get 503 with Retry-After (the service refuses them) instead of a
    // refused connection, and polls keep working.
    m_service->drain(std::chrono::seconds(m_config.shutdownGraceS), [this] {
        stop();
        Q_EMIT stopped();
    });
}

void Daemon::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    // Close the door, commit what was accepted and answer it, then let the
    // last answers out.
    if (m_http)
        m_http->stopAccepting();
    // Attempts in flight are abandoned unrecorded: the next start makes
    // them again, under the same webhook-id.
    if (m_webhooks)
        m_webhooks->stop();
    if (m_service)
        m_service->stop();
    // Long polls get the job as it now stands rather than a 503.
    if (m_longPolls)
        m_longPolls->releaseAll();
    if (m_http)
        m_http->stop();
    m_control.reset();
    if (m_workers)
        m_workers->stop();
    m_events.reset();
    m_http.reset();
    m_httpApi.reset();
    m_longPolls.reset();
    m_webhooks.reset();
    m_service.reset();
    m_workers.reset();
    if (m_store)
        m_store->close();
    m_store.reset();
    if (m_lock)
        m_lock->unlock();
    qCInfo(lcDaemon) << "stopped";
}

} // namespace jobdesk
