#include "daemonconfig.h"

#include "defaultpaths.h"
#include "webhooks/callbackallowlist.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QHostAddress>
#include <QSettings>
#include <QThread>
#include <QUrl>

namespace jobdesk {

namespace {

struct OptionSpec
{
    const char *name;
    const char *valueName; // nullptr for a switch
    const char *help;
};

// The flag names double as the config file's keys.
constexpr OptionSpec kOptions[] = {
    {"data-dir", "DIR",
     "Where jobs, results and the token live (default: $XDG_DATA_HOME/jobdesk)."},
    {"config", "FILE",
     "Config file (default: $XDG_CONFIG_HOME/jobdesk/jobdeskd.conf if it exists)."},
    {"http-listen", "HOST:PORT",
     "HTTP API address (default: 127.0.0.1:8700; port 0 = any free port)."},
    {"control", "ENDPOINT",
     "ZeroMQ control endpoint (default: ipc://$XDG_RUNTIME_DIR/jobdesk/control)."},
    {"events", "ENDPOINT",
     "ZeroMQ events endpoint (default: ipc://$XDG_RUNTIME_DIR/jobdesk/events)."},
    {"workers", "N", "Number of worker processes (default: number of CPU cores)."},
    {"worker-nice", "N",
     "How many steps nicer than jobdeskd the workers run, 0 to 19: a busy "
     "job leaves the CPU to the API first (default: 10)."},
    {"api-token-file", "FILE",
     "API token file (default: <data dir>/api-token, created on first start)."},
    {"no-auth", nullptr, "Accept requests without a token (loopback and ipc:// only)."},
    {"log-level", "LEVEL", "debug, info, warning or error (default: info)."},
    {"retention-hours", "H", "Purge finished jobs and their results after H hours (default: 48)."},
    {"retry-base", "SECONDS",
     "Backoff before the first retry of a failed attempt, doubling "
     "each time, with full jitter (default: 2)."},
    {"retry-cap", "SECONDS", "The longest backoff between retries (default: 300)."},
    {"cancel-grace", "SECONDS",
     "After a cancel or a timeout, how long a job gets to stop before "
     "its worker is killed (default: 5)."},
    {"shutdown-grace", "SECONDS",
     "On SIGTERM, how long running jobs may finish before they are "
     "requeued (default: 10)."},
    {"webhook-secret-file", "FILE",
     "Webhook signing secret, whsec_... (default: <data dir>/"
     "webhook-secret, created on first start)."},
    {"callback-allow", "HOSTS",
     "Comma-separated host names, addresses and subnets a job's "
     "callback_url may name (default: localhost,127.0.0.1,::1)."},
    {"max-pending", "N", "Refuse submits (503) while N jobs are waiting (default: 1000000)."},
    {"poll-rate-limit", "N",
     "Polls per second allowed per API token, in bursts of N; 0 = no "
     "limit (default: 0)."},
    {"input-root", "DIR",
     "A folder that file parameters must lie under; repeatable (in the "
     "config file: a comma-separated list). Default: the home folder of "
     "the user running jobdeskd."},
};

bool parseHostPort(const QString &text, QString *host, quint16 *port)
{
    const int colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0)
        return false;
    QString h = text.left(colon);
    if (h.startsWith(QLatin1Char('[')) && h.endsWith(QLatin1Char(']')))
        h = h.mid(1, h.size() - 2);
    bool ok = false;
    const uint p = text.mid(colon + 1).toUInt(&ok);
    if (!ok || p > 65535 || h.isEmpty())
        return false;
    *host = h;
    *port = static_cast<quint16>(p);
    return true;
}

bool isValidEndpoint(const QString &endpoint)
{
    if (endpoint.startsWith(QLatin1String("ipc://")))
        return endpoint.size() > 6;
    if (endpoint.startsWith(QLatin1String("tcp://"))) {
        QString host;
        quint16 port = 0;
        return parseHostPort(endpoint.mid(6), &host, &port);
    }
    return false;
}

bool isLocalEndpoint(const QString &endpoint)
{
    if (endpoint.startsWith(QLatin1String("ipc://")))
        return true;
    QString host;
    quint16 port = 0;
    return parseHostPort(endpoint.mid(6), &host, &port) && isLoopbackHost(host);
}

} // namespace

bool isLoopbackHost(const QString &host)
{
    if (host == QLatin1String("localhost"))
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

void DaemonConfig::addOptions(QCommandLineParser &parser)
{
    for (const OptionSpec &o : kOptions) {
        if (o.valueName)
            parser.addOption({QString::fromLatin1(o.name), QString::fromLatin1(o.help),
                              QString::fromLatin1(o.valueName)});
        else
            parser.addOption({QString::fromLatin1(o.name), QString::fromLatin1(o.help)});
    }
}

bool DaemonConfig::load(const QCommandLineParser &parser, QString *error)
{
    auto fail = [error](const QString &message) {
        *error = message;
        return false;
    };

    // The config file: an explicit --config must exist; the default is optional.
    QString configPath = parser.value(QStringLiteral("config"));
    const bool explicitConfig = !configPath.isEmpty();
    if (!explicitConfig)
        configPath = defaultConfigFile();
    std::unique_ptr<QSettings> settings;
    if (QFileInfo::exists(configPath)) {
        settings = std::make_unique<QSettings>(configPath, QSettings::IniFormat);
        if (settings->status() != QSettings::NoError)
            return fail(QStringLiteral("--config: cannot parse %1").arg(configPath));
        configFile = configPath;
        const QStringList known = [] {
            QStringList keys;
            for (const OptionSpec &o : kOptions)
                keys.append(QString::fromLatin1(o.name));
            return keys;
        }();
        for (const QString &key : settings->allKeys()) {
            // [kind.NAME] sections define admin kinds; KindCatalog reads them.
            if (key.startsWith(QLatin1String("kind.")))
                continue;
            if (!known.contains(key) || key == QLatin1String("config"))
                return fail(QStringLiteral("%1: unknown key \"%2\"").arg(configPath, key));
        }
    } else if (explicitConfig) {
        return fail(QStringLiteral("--config: %1 does not exist").arg(configPath));
    }

    // A flag wins over the file; the file over the default.
    auto value = [&](const char *name) -> QString {
        const QString key = QString::fromLatin1(name);
        if (parser.isSet(key))
            return parser.value(key);
        if (settings && settings->contains(key))
            return settings->value(key).toString();
        return {};
    };
    auto where = [&](const char *name) {
        const QString key = QString::fromLatin1(name);
        return parser.isSet(key) ? QStringLiteral("--") + key
                                 : QStringLiteral("%1: key \"%2\"").arg(configFile, key);
    };

    dataDir = value("data-dir");
    if (dataDir.isEmpty())
        dataDir = defaultDataDir();
    dataDir = QDir(dataDir).absolutePath();

    if (const QString listen = value("http-listen"); !listen.isEmpty()) {
        if (!parseHostPort(listen, &httpHost, &httpPort))
            return fail(QStringLiteral("%1: expected HOST:PORT, got \"%2\"")
                            .arg(where("http-listen"), listen));
        if (httpHost != QLatin1String("localhost") && QHostAddress(httpHost).isNull())
            return fail(QStringLiteral("%1: \"%2\" is not an IP address")
                            .arg(where("http-listen"), httpHost));
    }

    controlEndpoint = value("control");
    if (controlEndpoint.isEmpty())
        controlEndpoint = defaultControlEndpoint(dataDir);
    else if (!isValidEndpoint(controlEndpoint))
        return fail(QStringLiteral("%1: expected ipc://PATH or tcp://HOST:PORT, got \"%2\"")
                        .arg(where("control"), controlEndpoint));
    eventsEndpoint = value("events");
    if (eventsEndpoint.isEmpty())
        eventsEndpoint = defaultEventsEndpoint(dataDir);
    else if (!isValidEndpoint(eventsEndpoint))
        return fail(QStringLiteral("%1: expected ipc://PATH or tcp://HOST:PORT, got \"%2\"")
                        .arg(where("events"), eventsEndpoint));

    workers = QThread::idealThreadCount();
    if (const QString w = value("workers"); !w.isEmpty()) {
        bool ok = false;
        workers = w.toInt(&ok);
        if (!ok || workers < 1 || workers > 256)
            return fail(
                QStringLiteral("%1: expected 1 to 256, got \"%2\"").arg(where("workers"), w));
    }
    if (const QString text = value("worker-nice"); !text.isEmpty()) {
        bool ok = false;
        workerNice = text.toInt(&ok);
        if (!ok || workerNice < 0 || workerNice > 19)
            return fail(
                QStringLiteral("%1: expected 0 to 19, got \"%2\"").arg(where("worker-nice"), text));
    }

    tokenFile = value("api-token-file");
    if (tokenFile.isEmpty())
        tokenFile = defaultTokenFile(dataDir);

    noAuth = parser.isSet(QStringLiteral("no-auth")) ||
             (settings && settings->value(QStringLiteral("no-auth")).toBool());
    if (noAuth) {
        if (!isLoopbackHost(httpHost))
            return fail(QStringLiteral("--no-auth: refused while HTTP listens on %1, which is not "
                                       "loopback")
                            .arg(httpHost));
        if (!isLocalEndpoint(controlEndpoint) || !isLocalEndpoint(eventsEndpoint))
            return fail(QStringLiteral("--no-auth: refused while ZeroMQ listens beyond loopback"));
    }

    auto readInt = [&](const char *name, int lo, int hi, int *out) {
        const QString text = value(name);
        if (text.isEmpty())
            return true;
        bool ok = false;
        const int v = text.toInt(&ok);
        if (!ok || v < lo || v > hi) {
            *error = QStringLiteral("%1: expected %2 to %3, got \"%4\"")
                         .arg(where(name))
                         .arg(lo)
                         .arg(hi)
                         .arg(text);
            return false;
        }
        *out = v;
        return true;
    };
    if (!readInt("retention-hours", 1, 24 * 365 * 10, &retentionHours) ||
        !readInt("shutdown-grace", 0, 3600, &shutdownGraceS) ||
        !readInt("cancel-grace", 0, 3600, &cancelGraceS))
        return false;
    auto readSeconds = [&](const char *name, double *out) {
        const QString text = value(name);
        if (text.isEmpty())
            return true;
        bool ok = false;
        const double v = text.toDouble(&ok);
        if (!ok || v < 0.001 || v > 86400.0) {
            *error = QStringLiteral("%1: expected seconds between 0.001 and 86400, got \"%2\"")
                         .arg(where(name), text);
            return false;
        }
        *out = v;
        return true;
    };
    if (!readSeconds("retry-base", &retryBaseS) || !readSeconds("retry-cap", &retryCapS))
        return false;
    if (retryCapS < retryBaseS)
        return fail(QStringLiteral("--retry-cap (%1) must not be below --retry-base (%2)")
                        .arg(retryCapS)
                        .arg(retryBaseS));

    webhookSecretFile = value("webhook-secret-file");
    if (webhookSecretFile.isEmpty())
        webhookSecretFile = QDir(dataDir).filePath(QStringLiteral("webhook-secret"));

    if (parser.isSet(QStringLiteral("callback-allow")) ||
        (settings && settings->contains(QStringLiteral("callback-allow")))) {
        // QSettings reads an unquoted "a,b" as a list: join it back.
        const QString text = parser.isSet(QStringLiteral("callback-allow"))
                                 ? parser.value(QStringLiteral("callback-allow"))
                                 : settings->value(QStringLiteral("callback-allow"))
                                       .toStringList()
                                       .join(QLatin1Char(','));
        Result<CallbackAllowlist> allow = CallbackAllowlist::parse(text);
        if (!allow)
            return fail(
                QStringLiteral("%1: %2").arg(where("callback-allow"), allow.error().detail));
        callbackAllow = allow.value().entries();
    }

    if (const QString text = value("max-pending"); !text.isEmpty()) {
        bool ok = false;
        maxPending = text.toLongLong(&ok);
        if (!ok || maxPending < 1 || maxPending > 1000000000LL)
            return fail(QStringLiteral("%1: expected 1 to 1000000000, got \"%2\"")
                            .arg(where("max-pending"), text));
    }
    if (const QString text = value("poll-rate-limit"); !text.isEmpty()) {
        bool ok = false;
        pollRateLimit = text.toDouble(&ok);
        if (!ok || pollRateLimit < 0 || pollRateLimit > 1e6)
            return fail(QStringLiteral("%1: expected polls per second from 0 to 1000000, got "
                                       "\"%2\"")
                            .arg(where("poll-rate-limit"), text));
    }

    QStringList roots = parser.values(QStringLiteral("input-root"));
    if (roots.isEmpty() && settings && settings->contains(QStringLiteral("input-root")))
        roots = settings->value(QStringLiteral("input-root")).toStringList();
    if (roots.isEmpty())
        roots = {QDir::homePath()};
    inputRoots.clear();
    for (const QString &root : std::as_const(roots)) {
        const QString canonical = QFileInfo(root.trimmed()).canonicalFilePath();
        if (canonical.isEmpty() || !QFileInfo(canonical).isDir())
            return fail(
                QStringLiteral("%1: \"%2\" is not a folder").arg(where("input-root"), root));
        inputRoots.append(canonical);
    }
    if (!configFile.isEmpty()) {
        std::optional<KindCatalog::Settings> kinds = KindCatalog::readSettings(configFile, error);
        if (!kinds)
            return false;
        kindSettings = *kinds;
    }

    if (const QString level = value("log-level"); !level.isEmpty()) {
        static const QStringList levels = {QStringLiteral("debug"), QStringLiteral("info"),
                                           QStringLiteral("warning"), QStringLiteral("error")};
        if (!levels.contains(level))
            return fail(QStringLiteral("%1: expected debug, info, warning or error, got \"%2\"")
                            .arg(where("log-level"), level));
        logLevel = level;
    }
    return true;
}

} // namespace jobdesk
