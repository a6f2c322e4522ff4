#pragma once

#include "kindcatalog.h"

#include <QList>
#include <QString>
#include <QStringList>

class QCommandLineParser;

namespace jobdesk {

/// Everything jobdeskd is told at start: flags, else the config file, else
/// the contract's defaults.
struct DaemonConfig
{
    QString dataDir;
    QString configFile; // empty when none was read
    QString httpHost = QStringLiteral("127.0.0.1");
    quint16 httpPort = 8700;
    QString controlEndpoint;
    QString eventsEndpoint;
    int workers = 0;
    int workerNice = 10; // workers run this much nicer than jobdeskd
    QString tokenFile;
    bool noAuth = false;
    QString logLevel = QStringLiteral("info");
    int retentionHours = 48;
    int shutdownGraceS = 10;
    int cancelGraceS = 5;     // after a cancel or a timeout, before the worker is killed
    double retryBaseS = 2.0;  // first retry after up to this long (full jitter)
    double retryCapS = 300.0; // no retry waits longer
    QString webhookSecretFile;
    QStringList callbackAllow = {QStringLiteral("localhost"), QStringLiteral("127.0.0.1"),
                                 QStringLiteral("::1")};
    qint64 maxPending = 1000000;
    double pollRateLimit = 0;           // polls per second per token; 0 = off
    QStringList inputRoots;             // canonical folders file params must lie under
    KindCatalog::Settings kindSettings; // the config file's [kind.NAME] sections

    /// Adds jobdeskd's options to a parser.
    static void addOptions(QCommandLineParser &parser);
    /// Reads the parsed flags and the config file. On failure returns false
    /// and sets `error` to a message that names the flag or key.
    bool load(const QCommandLineParser &parser, QString *error);
};

/// Whether `host` names the loopback interface (127.0.0.0/8, ::1, localhost).
bool isLoopbackHost(const QString &host);

} // namespace jobdesk
