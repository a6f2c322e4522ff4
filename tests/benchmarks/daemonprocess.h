#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>

namespace jobdesk::bench {

/// One run of the real jobdeskd in a fresh data dir, with every channel on
/// a free loopback port and its production settings (WAL, synchronous=FULL,
/// auth on): what the scenarios measure.
class DaemonProcess final
{
public:
    struct Options
    {
        QString program;    // the jobdeskd executable
        QString dataParent; // where the temporary data dir is created
        int workers = 1;
        bool keepData = false;
    };

    explicit DaemonProcess(Options options);
    ~DaemonProcess();
    DaemonProcess(const DaemonProcess &) = delete;
    DaemonProcess &operator=(const DaemonProcess &) = delete;

    /// Starts jobdeskd and waits for its READY line.
    bool start(QString *error);
    /// SIGTERM, then waits for a clean exit (SIGKILL after 30 s). Returns
    /// false, with the reason, when the exit was not clean.
    bool stop(QString *error);

    pid_t pid() const;
    const std::string &httpHost() const { return m_httpHost; }
    std::uint16_t httpPort() const { return m_httpPort; }
    const std::string &controlEndpoint() const { return m_control; }
    const std::string &eventsEndpoint() const { return m_events; }
    const std::string &token() const { return m_token; }
    QString dataDir() const;
    QString logFile() const;

private:
    bool parseReadyLine(const QString &line, QString *error);
    QString logTail() const;

    Options m_options;
    std::unique_ptr<QTemporaryDir> m_dir;
    QProcess m_process;
    std::string m_httpHost;
    std::uint16_t m_httpPort = 0;
    std::string m_control;
    std::string m_events;
    std::string m_token;
};

} // namespace jobdesk::bench
