// "No backend? Start one": LocalBackendLauncher starts jobdeskd with no
// flags (the embedded default) and BackendClient reaches it on the default
// ipc:// endpoint with the default token file, in a sandboxed XDG setup.

#include "backendclient.h"
#include "connectionconfig.h"
#include "localbackendlauncher.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>

using namespace jobdesk;

class TestLocalBackend : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void startsTheEmbeddedDefaultAndConnects();
    void cleanupTestCase();

private:
    QTemporaryDir m_home;
    qint64 m_pid = 0;
};

void TestLocalBackend::initTestCase()
{
    QVERIFY(m_home.isValid());
    // Everything jobdeskd and jobdesk derive their defaults from, in a sandbox.
    for (const char *var :
         {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"})
        qputenv(var, m_home.filePath(QString::fromLatin1(var)).toUtf8());
    QFile::setPermissions(m_home.path(),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    // The test binary has no jobdeskd beside it: PATH is the fallback.
    qputenv("PATH", qgetenv("JOBDESK_BIN_DIR") + ':' + qgetenv("PATH"));
    // The launcher passes no flags, so jobdeskd reads its default config file
    // (the sandbox's): ask it for a free HTTP port instead of the fixed 8700,
    // which anything else on the machine may hold.
    const QString configDir = m_home.filePath(QStringLiteral("XDG_CONFIG_HOME/jobdesk"));
    QVERIFY(QDir().mkpath(configDir));
    QFile config(configDir + QStringLiteral("/jobdeskd.conf"));
    QVERIFY(config.open(QIODevice::WriteOnly));
    QVERIFY(config.write("http-listen=127.0.0.1:0\n") > 0);
}

void TestLocalBackend::startsTheEmbeddedDefaultAndConnects()
{
    const ConnectionConfig defaults = ConnectionConfig::defaults();
    QVERIFY2(defaults.control.startsWith(m_home.path().prepend(QStringLiteral("ipc://"))),
             qPrintable(defaults.control));
    QVERIFY(!LocalBackendLauncher::program().isEmpty());

    LocalBackendLauncher launcher;
    QString error;
    QVERIFY2(launcher.start(&error), qPrintable(error));
    m_pid = launcher.pid();
    QVERIFY(m_pid > 0);

    BackendClient client;
    QSignalSpy connected(&client, &BackendClient::connected);
    client.connectTo(defaults);
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, 15000);
    QVERIFY(launcher.isRunning());
    QVERIFY(client.info().httpBase.startsWith(QLatin1String("http://127.0.0.1:")));
    // The sandbox's config file was read: a free port, not the default.
    QVERIFY2(!client.info().httpBase.endsWith(QLatin1String(":8700")),
             qPrintable(client.info().httpBase));
    QVERIFY(!client.info().eventsEndpoint.isEmpty());
    QVERIFY(!client.token().isEmpty()); // the default token file, created on first start
    QVERIFY(QFileInfo::exists(LocalBackendLauncher::logFile()));
}

void TestLocalBackend::cleanupTestCase()
{
    if (m_pid <= 0)
        return;
    ::kill(static_cast<pid_t>(m_pid), SIGTERM);
    QTRY_VERIFY_WITH_TIMEOUT(!LocalBackendLauncher::isAlive(m_pid), 15000);
}

QTEST_MAIN(TestLocalBackend)
#include "tst_localbackend.moc"
