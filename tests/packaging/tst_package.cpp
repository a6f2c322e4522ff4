// The package proof: CPack builds the .deb and the .tar.gz from the built
// tree; their contents and control fields are checked; the .deb is unpacked
// into a temporary root and its programs run from there (jobdeskd runs a job
// with its own unpacked worker); the desktop files, units and man pages pass
// the distribution's validators.

#include "backendprocess.h"
#include "httptestclient.h"
#include "version.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

class tst_Package : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();

    void debHoldsTheProgramsAndDesktopFiles_data();
    void debHoldsTheProgramsAndDesktopFiles();
    void debHoldsNothingElse();
    void debControlFields();
    void debDepends_data();
    void debDepends();
    void tarballHoldsTheSameFiles();

    void programsNeedOnlySystemLibraries_data();
    void programsNeedOnlySystemLibraries();
    void programsAnswerVersionWithoutDisplay_data();
    void programsAnswerVersionWithoutDisplay();
    void unpackedDaemonRunsJobsWithItsOwnWorker();

    void exampleConfigNamesEveryKey();
    void manPagesNameEveryFlag_data();
    void manPagesNameEveryFlag();
    void iconsHaveTheirSizes_data();
    void iconsHaveTheirSizes();
    void desktopEntryValidates();
    void metainfoValidates();
    void systemUnitIsSandboxedWithAStateDirectory_data();
    void systemUnitIsSandboxedWithAStateDirectory();
    void unitsOutwaitTheShutdownGrace_data();
    void unitsOutwaitTheShutdownGrace();
    void unitsVerify_data();
    void unitsVerify();

private:
    QString rooted(const QString &path) const { return m_root.path() + path; }
    QString exampleConfig() const
    {
        return rooted(QStringLiteral("/usr/share/doc/jobdesk/jobdeskd.conf.example"));
    }

    QTemporaryDir m_work;    // cpack's output
    QTemporaryDir m_root;    // the .deb, unpacked
    QTemporaryDir m_tgzRoot; // the .tar.gz, unpacked
    QString m_deb;
    QString m_tgz;
    QStringList m_debFiles; // "/usr/bin/jobdeskd", ... (regular files and links)
};

namespace {

const QString kAppId = QStringLiteral(JOBDESK_APP_ID);
const QString kShareDir = QStringLiteral("/usr/share");

struct ProcessResult
{
    int exitCode = -1; // -1: did not start, crashed or timed out
    QByteArray out;
    QByteArray err;
    QString describe() const
    {
        return QStringLiteral("exit %1\nstdout: %2\nstderr: %3")
            .arg(exitCode)
            .arg(QString::fromUtf8(out), QString::fromUtf8(err));
    }
};

ProcessResult run(const QString &program, const QStringList &args, int timeoutMs = 30000,
                  const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(program, args);
    ProcessResult result;
    if (!process.waitForStarted(5000)) {
        result.err = process.errorString().toUtf8();
        return result;
    }
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        result.err = "timed out: " + process.readAllStandardError();
        return result;
    }
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    if (process.exitStatus() == QProcess::NormalExit)
        result.exitCode = process.exitCode();
    return result;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QByteArray gunzip(const QString &path)
{
    const ProcessResult r = run(QStringLiteral("gzip"), {QStringLiteral("-dc"), path});
    return r.exitCode == 0 ? r.out : QByteArray();
}

/// The long options a program's --help lists, without the dashes.
QStringList longOptions(const QByteArray &help)
{
    QStringList options;
    static const QRegularExpression optionLine(QStringLiteral("^\\s+(?:-\\w, )?--([a-z0-9-]+)"),
                                               QRegularExpression::MultilineOption);
    auto it = optionLine.globalMatch(QString::fromUtf8(help));
    while (it.hasNext())
        options.append(it.next().captured(1));
    return options;
}

/// `Key=value` lines of a systemd unit, the last one winning.
QHash<QString, QString> unitSettings(const QByteArray &unit)
{
    QHash<QString, QString> settings;
    for (const QByteArray &raw : unit.split('\n')) {
        const QString line = QString::fromUtf8(raw).trimmed();
        const int eq = line.indexOf(QLatin1Char('='));
        if (line.startsWith(QLatin1Char('#')) || line.startsWith(QLatin1Char('[')) || eq <= 0)
            continue;
        settings.insert(line.left(eq).trimmed(), line.mid(eq + 1).trimmed());
    }
    return settings;
}

/// The default of a jobdeskd option as its --help states it: "(default: N)".
int helpDefault(const QByteArray &help, const QString &option)
{
    const QString text = QString::fromUtf8(help).simplified();
    const QRegularExpression re(QStringLiteral("--%1 <[^>]*> [^(]*\\(default: (\\d+)\\)")
                                    .arg(QRegularExpression::escape(option)));
    const QRegularExpressionMatch m = re.match(text);
    return m.hasMatch() ? m.captured(1).toInt() : -1;
}

} // namespace

// ===========================================================================
// Building and unpacking
// ===========================================================================

void tst_Package::initTestCase()
{
    QVERIFY(m_work.isValid() && m_root.isValid() && m_tgzRoot.isValid());
    const QString config = QStringLiteral(JOBDESK_BUILD_DIR "/CPackConfig.cmake");
    QVERIFY2(QFile::exists(config), qPrintable(config));

    // cpack installs the built tree into a staging folder (building nothing
    // new when the tree is up to date) and packs it.
    const ProcessResult cpack =
        run(QStringLiteral(JOBDESK_CPACK),
            {QStringLiteral("--config"), config, QStringLiteral("-G"), QStringLiteral("DEB;TGZ"),
             QStringLiteral("-B"), m_work.path()},
            180000);
    QVERIFY2(cpack.exitCode == 0, qPrintable(cpack.describe()));

    const QDir work(m_work.path());
    const QStringList debs = work.entryList({QStringLiteral("*.deb")}, QDir::Files);
    const QStringList tgzs = work.entryList({QStringLiteral("*.tar.gz")}, QDir::Files);
    QCOMPARE(debs.size(), 1);
    QCOMPARE(tgzs.size(), 1);
    m_deb = work.filePath(debs.constFirst());
    m_tgz = work.filePath(tgzs.constFirst());

    const ProcessResult extract =
        run(QStringLiteral("dpkg-deb"), {QStringLiteral("-x"), m_deb, m_root.path()});
    QVERIFY2(extract.exitCode == 0, qPrintable(extract.describe()));
    const ProcessResult untar =
        run(QStringLiteral("tar"),
            {QStringLiteral("-xzf"), m_tgz, QStringLiteral("-C"), m_tgzRoot.path()});
    QVERIFY2(untar.exitCode == 0, qPrintable(untar.describe()));

    // dpkg-deb -c: "-rwxr-xr-x root/root 12345 2026-11-27 10:00 ./usr/bin/jobdeskd"
    const ProcessResult list = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-c"), m_deb});
    QVERIFY2(list.exitCode == 0, qPrintable(list.describe()));
    for (const QByteArray &line : list.out.split('\n')) {
        if (line.isEmpty() || line.startsWith('d'))
            continue;
        const int at = line.indexOf(" ./");
        QVERIFY2(at > 0, line.constData());
        QString path = QString::fromUtf8(line.mid(at + 2));
        path = path.section(QStringLiteral(" -> "), 0, 0);
        m_debFiles.append(path);
    }
    QVERIFY(!m_debFiles.isEmpty());
}

// ===========================================================================
// What the packages hold
// ===========================================================================

void tst_Package::debHoldsTheProgramsAndDesktopFiles_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("executable");
    QTest::newRow("jobdeskd") << QStringLiteral("/usr/bin/jobdeskd") << true;
    QTest::newRow("jobdesk") << QStringLiteral("/usr/bin/jobdesk") << true;
    // Where jobdeskd looks for it: ../lib/jobdesk relative to its own folder.
    QTest::newRow("jobdesk-worker") << QStringLiteral("/usr/lib/jobdesk/jobdesk-worker") << true;
    QTest::newRow("system unit") << QStringLiteral("/usr/lib/systemd/system/jobdeskd.service")
                                 << false;
    QTest::newRow("user unit") << QStringLiteral("/usr/lib/systemd/user/jobdeskd.service") << false;
    QTest::newRow("desktop entry")
        << kShareDir + QStringLiteral("/applications/%1.desktop").arg(kAppId) << false;
    QTest::newRow("metainfo") << kShareDir + QStringLiteral("/metainfo/%1.metainfo.xml").arg(kAppId)
                              << false;
    QTest::newRow("scalable icon")
        << kShareDir + QStringLiteral("/icons/hicolor/scalable/apps/%1.svg").arg(kAppId) << false;
    QTest::newRow("jobdeskd(1)") << kShareDir + QStringLiteral("/man/man1/jobdeskd.1.gz") << false;
    QTest::newRow("jobdesk(1)") << kShareDir + QStringLiteral("/man/man1/jobdesk.1.gz") << false;
    QTest::newRow("jobdesk-worker(1)")
        << kShareDir + QStringLiteral("/man/man1/jobdesk-worker.1.gz") << false;
    QTest::newRow("example config")
        << kShareDir + QStringLiteral("/doc/jobdesk/jobdeskd.conf.example") << false;
    QTest::newRow("operations guide")
        << kShareDir + QStringLiteral("/doc/jobdesk/docs/operations.md") << false;
}

void tst_Package::debHoldsTheProgramsAndDesktopFiles()
{
    QFETCH(QString, path);
    QFETCH(bool, executable);
    QVERIFY2(m_debFiles.contains(path), qPrintable(m_debFiles.join(QLatin1Char('\n'))));
    const QFileInfo unpacked(rooted(path));
    QVERIFY(unpacked.isFile());
    QCOMPARE(unpacked.isExecutable(), executable);
}

void tst_Package::debHoldsNothingElse()
{
    for (const QString &path : std::as_const(m_debFiles)) {
        // Everything under /usr: the .deb leaves /etc to the administrator.
        QVERIFY2(path.startsWith(QLatin1String("/usr/")), qPrintable(path));
        QVERIFY2(!path.endsWith(QLatin1String(".a")) && !path.endsWith(QLatin1String(".h")),
                 qPrintable(path));
    }
    // One worker, where jobdeskd looks second: none beside jobdeskd in /usr/bin.
    QVERIFY(!m_debFiles.contains(QStringLiteral("/usr/bin/jobdesk-worker")));
}

void tst_Package::debControlFields()
{
    const ProcessResult fields = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-f"), m_deb});
    QVERIFY2(fields.exitCode == 0, qPrintable(fields.describe()));
    const QString control = QString::fromUtf8(fields.out);
    const ProcessResult arch =
        run(QStringLiteral("dpkg"), {QStringLiteral("--print-architecture")});
    QCOMPARE(arch.exitCode, 0);

    auto field = [&control](const QString &name) {
        const QRegularExpression re(QStringLiteral("^%1: (.*)$").arg(name),
                                    QRegularExpression::MultilineOption);
        return re.match(control).captured(1).trimmed();
    };
    QCOMPARE(field(QStringLiteral("Package")), QStringLiteral("jobdesk"));
    QCOMPARE(field(QStringLiteral("Version")), QStringLiteral(JOBDESK_VERSION));
    QCOMPARE(field(QStringLiteral("Architecture")), QString::fromUtf8(arch.out.trimmed()));
    // "Name <address>"
    QVERIFY2(QRegularExpression(QStringLiteral("^\\S.* <[^@\\s]+@[^@\\s>]+>$"))
                 .match(field(QStringLiteral("Maintainer")))
                 .hasMatch(),
             qPrintable(control));
    QVERIFY2(!field(QStringLiteral("Description")).isEmpty(), qPrintable(control));
}

void tst_Package::debDepends_data()
{
    QTest::addColumn<QString>("package");
    // Computed by dpkg-shlibdeps from the linked libraries.
    QTest::newRow("C library") << QStringLiteral("libc6");
    QTest::newRow("C++ library") << QStringLiteral("libstdc++6");
    QTest::newRow("Qt Core") << QStringLiteral("libqt6core6");
    QTest::newRow("Qt Network") << QStringLiteral("libqt6network6");
    QTest::newRow("Qt Sql") << QStringLiteral("libqt6sql6");
    QTest::newRow("Qt Widgets (jobdesk)") << QStringLiteral("libqt6widgets6");
    QTest::newRow("ZeroMQ") << QStringLiteral("libzmq5");
#ifdef JOBDESK_JEMALLOC
    QTest::newRow("jemalloc (jobdeskd)") << QStringLiteral("libjemalloc2");
#endif
    // Loaded at run time, never linked: listed by hand.
    QTest::newRow("Qt SQLite driver") << QStringLiteral("libqt6sql6-sqlite");
    QTest::newRow("offscreen platform") << QStringLiteral("qt6-qpa-plugins");
    QTest::newRow("font for PDF output") << QStringLiteral("fonts-dejavu-core");
}

void tst_Package::debDepends()
{
    QFETCH(QString, package);
    const ProcessResult depends =
        run(QStringLiteral("dpkg-deb"), {QStringLiteral("-f"), m_deb, QStringLiteral("Depends")});
    QVERIFY2(depends.exitCode == 0, qPrintable(depends.describe()));
    QStringList names;
    for (const QString &item : QString::fromUtf8(depends.out).split(QLatin1Char(',')))
        names.append(item.trimmed().section(QLatin1Char(' '), 0, 0));
    QVERIFY2(names.contains(package), depends.out.constData());
}

void tst_Package::tarballHoldsTheSameFiles()
{
    // The tarball mirrors the .deb under one top folder (name-version-system).
    const QStringList tops = QDir(m_tgzRoot.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    QCOMPARE(tops.size(), 1);
    const QString top = m_tgzRoot.path() + QLatin1Char('/') + tops.constFirst();
    QStringList tarFiles;
    QDirIterator it(top, QDir::Files | QDir::System | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext())
        tarFiles.append(it.next().mid(top.size()));
    tarFiles.sort();
    QStringList debFiles = m_debFiles;
    debFiles.sort();
    QCOMPARE(tarFiles, debFiles);
    QVERIFY(QFileInfo(top + QStringLiteral("/usr/bin/jobdeskd")).isExecutable());
}

// ===========================================================================
// The unpacked programs run
// ===========================================================================

void tst_Package::programsNeedOnlySystemLibraries_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("jobdeskd") << QStringLiteral("/usr/bin/jobdeskd");
    QTest::newRow("jobdesk") << QStringLiteral("/usr/bin/jobdesk");
    QTest::newRow("jobdesk-worker") << QStringLiteral("/usr/lib/jobdesk/jobdesk-worker");
}

void tst_Package::programsNeedOnlySystemLibraries()
{
    QFETCH(QString, path);
    const ProcessResult ldd = run(QStringLiteral("ldd"), {rooted(path)});
    QVERIFY2(ldd.exitCode == 0, qPrintable(ldd.describe()));
    QVERIFY2(!ldd.out.contains("not found"), ldd.out.constData());
    QVERIFY2(!ldd.out.contains(JOBDESK_BUILD_DIR), ldd.out.constData());
    // Internal libraries are static: nothing to find by RPATH.
    const ProcessResult dynamic =
        run(QStringLiteral("readelf"), {QStringLiteral("-d"), rooted(path)});
    QVERIFY2(dynamic.exitCode == 0, qPrintable(dynamic.describe()));
    QVERIFY2(!dynamic.out.contains("(RPATH)") && !dynamic.out.contains("(RUNPATH)"),
             dynamic.out.constData());
}

void tst_Package::programsAnswerVersionWithoutDisplay_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("name");
    QTest::newRow("jobdeskd") << QStringLiteral("/usr/bin/jobdeskd") << QStringLiteral("jobdeskd");
    QTest::newRow("jobdesk") << QStringLiteral("/usr/bin/jobdesk") << QStringLiteral("jobdesk");
    QTest::newRow("jobdesk-worker")
        << QStringLiteral("/usr/lib/jobdesk/jobdesk-worker") << QStringLiteral("jobdesk-worker");
}

void tst_Package::programsAnswerVersionWithoutDisplay()
{
    QFETCH(QString, path);
    QFETCH(QString, name);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *variable : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        env.remove(QLatin1String(variable));
    const ProcessResult version = run(rooted(path), {QStringLiteral("--version")}, 10000, env);
    QVERIFY2(version.exitCode == 0, qPrintable(version.describe()));
    QCOMPARE(QString::fromUtf8(version.out.trimmed()), name + QStringLiteral(" " JOBDESK_VERSION));
}

void tst_Package::unpackedDaemonRunsJobsWithItsOwnWorker()
{
    // The shipped example with every setting and kind switched on, so each
    // value it shows is one jobdeskd accepts. Its paths under
    // /var/lib/jobdesk and /srv/jobdesk move to a temporary folder; the
    // flags BackendProcess adds (data dir, free ports, one worker) win over
    // the file.
    QTemporaryDir dataDir;
    QVERIFY(dataDir.isValid());
    // Inputs live apart from the data dir: jobdeskd never reads its own data.
    QTemporaryDir srvDir;
    QVERIFY(srvDir.isValid());
    QByteArray config;
    static const QRegularExpression commented(
        QStringLiteral("^;((?:[a-z][a-z0-9_-]*\\s*=|\\[kind\\.).*)$"));
    QStringList exampleKinds;
    for (const QByteArray &line : readFile(exampleConfig()).split('\n')) {
        const QRegularExpressionMatch m = commented.match(QString::fromUtf8(line));
        if (!m.hasMatch()) {
            config += line + '\n';
            continue;
        }
        QString enabled = m.captured(1);
        if (enabled.startsWith(QLatin1String("[kind.")))
            exampleKinds.append(enabled.mid(6).chopped(1));
        enabled.replace(QStringLiteral("/var/lib/jobdesk"), dataDir.path());
        enabled.replace(QStringLiteral("/srv/jobdesk"), srvDir.path());
        config += enabled.toUtf8() + '\n';
    }
    QVERIFY(config.contains("\napi-token-file = " + dataDir.path().toUtf8()));
    QVERIFY(config.contains("\ninput-root = " + srvDir.path().toUtf8() + "/inputs\n"));
    QVERIFY(exampleKinds.contains(QStringLiteral("text.line_count")));
    QVERIFY(QDir(srvDir.path()).mkdir(QStringLiteral("inputs")));
    const QString configPath = dataDir.filePath(QStringLiteral("jobdeskd.conf"));
    QFile configFile(configPath);
    QVERIFY(configFile.open(QIODevice::WriteOnly) && configFile.write(config) == config.size());
    configFile.close();

    // BackendProcess starts $JOBDESK_BIN_DIR/jobdeskd: point it at the
    // unpacked /usr/bin, where no worker lies beside jobdeskd.
    const QByteArray buildBin = qgetenv("JOBDESK_BIN_DIR");
    qputenv("JOBDESK_BIN_DIR", rooted(QStringLiteral("/usr/bin")).toUtf8());
    BackendProcess backend(dataDir.path());
    const bool started = backend.start(1, {QStringLiteral("--config"), configPath});
    qputenv("JOBDESK_BIN_DIR", buildBin);
    QVERIFY2(started, qPrintable(backend.errorText()));

    // Its worker is the unpacked one.
    const QString worker = rooted(QStringLiteral("/usr/lib/jobdesk/jobdesk-worker"));
    auto workerPrograms = [pid = backend.pid()] {
        QStringList programs;
        const QString tasks = QStringLiteral("/proc/%1/task").arg(pid);
        for (const QString &task : QDir(tasks).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            const QByteArray children =
                readFile(tasks + QLatin1Char('/') + task + QStringLiteral("/children"));
            for (const QByteArray &child : children.simplified().split(' ')) {
                // A child that is exiting has no program left to name.
                const QString program =
                    QFileInfo(QStringLiteral("/proc/%1/exe").arg(QString::fromUtf8(child)))
                        .symLinkTarget();
                if (!child.isEmpty() && !program.isEmpty())
                    programs.append(program);
            }
        }
        return programs;
    };
    QStringList children;
    QTRY_VERIFY_WITH_TIMEOUT(!(children = workerPrograms()).isEmpty(), 10000);
    for (const QString &child : std::as_const(children))
        QCOMPARE(QFileInfo(child).canonicalFilePath(), QFileInfo(worker).canonicalFilePath());

    HttpTestClient http(backend.httpBase(), backend.token());
    const QJsonArray kinds =
        http.get(QStringLiteral("/api/v1/kinds")).json().value(QStringLiteral("kinds")).toArray();
    QStringList kindNames;
    for (const QJsonValue &kind : kinds)
        kindNames.append(kind.toObject().value(QStringLiteral("name")).toString());
    for (const QString &kind : std::as_const(exampleKinds))
        QVERIFY2(kindNames.contains(kind), qPrintable(kindNames.join(QLatin1Char(' '))));

    // A built-in kind, and the example's own kind on a file under its input root.
    const QString sample = srvDir.filePath(QStringLiteral("inputs/sample.txt"));
    QFile sampleFile(sample);
    QVERIFY(sampleFile.open(QIODevice::WriteOnly) && sampleFile.write("one\ntwo\nthree\n") == 14);
    sampleFile.close();
    const QByteArray sleep = R"({"kind": "demo.sleep", "params": {"duration_s": 0}})";
    const QByteArray lineCount =
        QJsonDocument(
            QJsonObject{{QStringLiteral("kind"), QStringLiteral("text.line_count")},
                        {QStringLiteral("params"), QJsonObject{{QStringLiteral("input"), sample}}}})
            .toJson(QJsonDocument::Compact);
    for (const QByteArray &submit : {sleep, lineCount}) {
        const HttpReply accepted = http.post(QStringLiteral("/api/v1/jobs"), submit);
        QVERIFY2(accepted.status == 202, accepted.body.constData());
        const QString location = QString::fromUtf8(accepted.header("Location"));
        QVERIFY(location.startsWith(QLatin1String("/api/v1/jobs/")));

        QJsonObject job;
        QTRY_VERIFY2_WITH_TIMEOUT(
            (job = http.get(location).json()).value(QStringLiteral("status")).toString() ==
                QLatin1String("COMPLETED"),
            QJsonDocument(job).toJson().constData(), 30000);
        const QString resultUrl = job.value(QStringLiteral("result_url")).toString();
        QVERIFY2(!resultUrl.isEmpty(), QJsonDocument(job).toJson().constData());
        const HttpReply result = http.get(resultUrl);
        QCOMPARE(result.status, 200);
        const QJsonObject info = job.value(QStringLiteral("result")).toObject();
        QCOMPARE(result.body.size(), info.value(QStringLiteral("size")).toInteger());
        QCOMPARE(QCryptographicHash::hash(result.body, QCryptographicHash::Sha256).toHex(),
                 info.value(QStringLiteral("sha256")).toString().toUtf8());
        if (submit == lineCount)
            QCOMPARE(result.body.trimmed(), QByteArray("3"));
    }

    const int exitCode = backend.stop();
    QVERIFY2(exitCode == 0, backend.log().constData());
}

// ===========================================================================
// Documentation matches the programs
// ===========================================================================

void tst_Package::exampleConfigNamesEveryKey()
{
    const ProcessResult help =
        run(rooted(QStringLiteral("/usr/bin/jobdeskd")), {QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    QSet<QString> keys;
    for (const QString &option : longOptions(help.out))
        keys.insert(option);
    for (const char *notAKey : {"help", "help-all", "version", "config"})
        keys.remove(QLatin1String(notAKey));
    QVERIFY(keys.contains(QStringLiteral("data-dir")));

    // The keys before the first section: those after it belong to a
    // [kind.NAME] section (checked by running the daemon with them).
    QSet<QString> documented;
    static const QRegularExpression setting(QStringLiteral("^;?([a-z][a-z0-9_-]*)\\s*="));
    static const QRegularExpression section(QStringLiteral("^;?\\["));
    for (const QByteArray &line : readFile(exampleConfig()).split('\n')) {
        if (section.match(QString::fromUtf8(line)).hasMatch())
            break;
        const QRegularExpressionMatch m = setting.match(QString::fromUtf8(line));
        if (m.hasMatch())
            documented.insert(m.captured(1));
    }
    QCOMPARE(QSet<QString>(keys - documented), QSet<QString>()); // every key is shown
    QCOMPARE(QSet<QString>(documented - keys), QSet<QString>()); // and no key that is not
}

void tst_Package::manPagesNameEveryFlag_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<QString>("page");
    QTest::newRow("jobdeskd") << QStringLiteral("/usr/bin/jobdeskd")
                              << QStringLiteral("jobdeskd.1.gz");
    QTest::newRow("jobdesk") << QStringLiteral("/usr/bin/jobdesk")
                             << QStringLiteral("jobdesk.1.gz");
    QTest::newRow("jobdesk-worker") << QStringLiteral("/usr/lib/jobdesk/jobdesk-worker")
                                    << QStringLiteral("jobdesk-worker.1.gz");
}

void tst_Package::manPagesNameEveryFlag()
{
    QFETCH(QString, program);
    QFETCH(QString, page);
    const QByteArray source = gunzip(rooted(kShareDir + QStringLiteral("/man/man1/") + page));
    QVERIFY(!source.isEmpty());
    // In groff, "--data-dir" is written "\-\-data\-dir".
    const QString text =
        QString::fromUtf8(source).replace(QStringLiteral("\\-"), QStringLiteral("-"));

    const ProcessResult help = run(rooted(program), {QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    const QStringList options = longOptions(help.out);
    QVERIFY(options.contains(QStringLiteral("version")));
    for (const QString &option : options)
        QVERIFY2(text.contains(QStringLiteral("--") + option),
                 qPrintable(page + QStringLiteral(" lacks --") + option));

    if (QStandardPaths::findExecutable(QStringLiteral("groff")).isEmpty())
        QSKIP("groff is not installed (Debian: groff-base): the page was not linted");
    QProcess groff;
    groff.start(QStringLiteral("groff"),
                {QStringLiteral("-man"), QStringLiteral("-ww"), QStringLiteral("-z")});
    QVERIFY(groff.waitForStarted());
    groff.write(source);
    groff.closeWriteChannel();
    QVERIFY(groff.waitForFinished());
    QCOMPARE(groff.exitCode(), 0);
    QCOMPARE(QString::fromUtf8(groff.readAllStandardError()), QString());
}

// ===========================================================================
// Desktop integration
// ===========================================================================

void tst_Package::iconsHaveTheirSizes_data()
{
    QTest::addColumn<int>("size");
    for (int size : {16, 22, 24, 32, 48, 64, 128, 256})
        QTest::newRow(qPrintable(QStringLiteral("%1x%1").arg(size))) << size;
}

void tst_Package::iconsHaveTheirSizes()
{
    QFETCH(int, size);
    const QString path =
        kShareDir + QStringLiteral("/icons/hicolor/%1x%1/apps/%2.png").arg(size).arg(kAppId);
    QVERIFY2(m_debFiles.contains(path), qPrintable(path));
    // A PNG: signature, then the IHDR chunk with width and height (big-endian).
    const QByteArray png = readFile(rooted(path));
    QVERIFY(png.startsWith("\x89PNG\r\n\x1a\n"));
    QCOMPARE(png.mid(12, 4), QByteArray("IHDR"));
    auto be32 = [&png](int at) {
        return (quint32(quint8(png[at])) << 24) | (quint32(quint8(png[at + 1])) << 16) |
               (quint32(quint8(png[at + 2])) << 8) | quint32(quint8(png[at + 3]));
    };
    QCOMPARE(be32(16), quint32(size));
    QCOMPARE(be32(20), quint32(size));
}

void tst_Package::desktopEntryValidates()
{
    if (QStandardPaths::findExecutable(QStringLiteral("desktop-file-validate")).isEmpty())
        QFAIL("desktop-file-validate is missing (Debian: desktop-file-utils; run "
              "scripts/install-deps)");
    const QString entry =
        rooted(kShareDir + QStringLiteral("/applications/%1.desktop").arg(kAppId));
    const ProcessResult validate = run(QStringLiteral("desktop-file-validate"), {entry});
    QVERIFY2(validate.exitCode == 0, qPrintable(validate.describe()));
    QVERIFY2(validate.out.isEmpty() && validate.err.isEmpty(), qPrintable(validate.describe()));

    // It starts the shipped program and names the shipped icon.
    const QHash<QString, QString> keys = unitSettings(readFile(entry));
    QCOMPARE(keys.value(QStringLiteral("Exec")).section(QLatin1Char(' '), 0, 0),
             QStringLiteral("jobdesk"));
    QCOMPARE(keys.value(QStringLiteral("Icon")), kAppId);
}

void tst_Package::metainfoValidates()
{
    if (QStandardPaths::findExecutable(QStringLiteral("appstreamcli")).isEmpty())
        QFAIL("appstreamcli is missing (Debian: appstream; run scripts/install-deps)");
    const QString metainfo =
        rooted(kShareDir + QStringLiteral("/metainfo/%1.metainfo.xml").arg(kAppId));
    const ProcessResult validate =
        run(QStringLiteral("appstreamcli"),
            {QStringLiteral("validate"), QStringLiteral("--no-net"), metainfo});
    QVERIFY2(validate.exitCode == 0, qPrintable(validate.describe()));
    const QByteArray xml = readFile(metainfo);
    QVERIFY(xml.contains("<id>" + kAppId.toUtf8() + "</id>"));
    QVERIFY(xml.contains("<launchable type=\"desktop-id\">" + kAppId.toUtf8() +
                         ".desktop</launchable>"));
    QVERIFY(xml.contains("<release version=\"" JOBDESK_VERSION "\""));
}

// ===========================================================================
// systemd units
// ===========================================================================

void tst_Package::systemUnitIsSandboxedWithAStateDirectory_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::newRow("program") << QStringLiteral("ExecStart")
                             << QStringLiteral("/usr/bin/jobdeskd --data-dir /var/lib/jobdesk");
    QTest::newRow("state directory")
        << QStringLiteral("StateDirectory") << QStringLiteral("jobdesk");
    QTest::newRow("no new privileges")
        << QStringLiteral("NoNewPrivileges") << QStringLiteral("yes");
    QTest::newRow("read-only system")
        << QStringLiteral("ProtectSystem") << QStringLiteral("strict");
    QTest::newRow("no home") << QStringLiteral("ProtectHome") << QStringLiteral("yes");
    QTest::newRow("private /tmp") << QStringLiteral("PrivateTmp") << QStringLiteral("yes");
    QTest::newRow("unprivileged user") << QStringLiteral("DynamicUser") << QStringLiteral("yes");
    QTest::newRow("SIGTERM to jobdeskd alone")
        << QStringLiteral("KillMode") << QStringLiteral("mixed");
}

void tst_Package::systemUnitIsSandboxedWithAStateDirectory()
{
    QFETCH(QString, key);
    QFETCH(QString, value);
    const QHash<QString, QString> unit =
        unitSettings(readFile(rooted(QStringLiteral("/usr/lib/systemd/system/jobdeskd.service"))));
    QCOMPARE(unit.value(key), value);
}

void tst_Package::unitsOutwaitTheShutdownGrace_data()
{
    QTest::addColumn<QString>("unit");
    QTest::newRow("system") << QStringLiteral("/usr/lib/systemd/system/jobdeskd.service");
    QTest::newRow("user") << QStringLiteral("/usr/lib/systemd/user/jobdeskd.service");
}

void tst_Package::unitsOutwaitTheShutdownGrace()
{
    QFETCH(QString, unit);
    const ProcessResult help =
        run(rooted(QStringLiteral("/usr/bin/jobdeskd")), {QStringLiteral("--help")});
    const int grace = helpDefault(help.out, QStringLiteral("shutdown-grace"));
    QVERIFY2(grace >= 0, help.out.constData());
    const QHash<QString, QString> settings = unitSettings(readFile(rooted(unit)));
    bool ok = false;
    const int timeout = settings.value(QStringLiteral("TimeoutStopSec")).toInt(&ok);
    QVERIFY(ok);
    QVERIFY2(timeout > grace,
             qPrintable(QStringLiteral("TimeoutStopSec=%1, grace %2 s").arg(timeout).arg(grace)));
    // Only jobdeskd gets SIGTERM: it stops its workers itself after the grace.
    QCOMPARE(settings.value(QStringLiteral("KillMode")), QStringLiteral("mixed"));
    QCOMPARE(settings.value(QStringLiteral("ExecStart")).section(QLatin1Char(' '), 0, 0),
             QStringLiteral("/usr/bin/jobdeskd"));
}

void tst_Package::unitsVerify_data()
{
    QTest::addColumn<QString>("unit");
    QTest::addColumn<QStringList>("mode");
    QTest::newRow("system") << QStringLiteral("/usr/lib/systemd/system/jobdeskd.service")
                            << QStringList();
    QTest::newRow("user") << QStringLiteral("/usr/lib/systemd/user/jobdeskd.service")
                          << QStringList{QStringLiteral("--user")};
}

void tst_Package::unitsVerify()
{
    QFETCH(QString, unit);
    QFETCH(QStringList, mode);
    if (QStandardPaths::findExecutable(QStringLiteral("systemd-analyze")).isEmpty())
        QSKIP("systemd-analyze is not installed");
    // verify checks that ExecStart's program exists: point it at the
    // unpacked one, in a copy named like the original.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QByteArray text = readFile(rooted(unit));
    text.replace("ExecStart=/usr/bin/jobdeskd",
                 "ExecStart=" + rooted(QStringLiteral("/usr/bin/jobdeskd")).toUtf8());
    const QString copy = dir.filePath(QStringLiteral("jobdeskd.service"));
    QFile file(copy);
    QVERIFY(file.open(QIODevice::WriteOnly) && file.write(text) == text.size());
    file.close();
    // --man=no: the man page it names is in the package, not yet on this system.
    // A user manager needs a runtime folder even when it only verifies.
    QTemporaryDir runtimeDir;
    QVERIFY(runtimeDir.isValid());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtimeDir.path());
    const ProcessResult verify = run(
        QStringLiteral("systemd-analyze"),
        mode + QStringList{QStringLiteral("verify"), QStringLiteral("--man=no"), copy}, 30000, env);
    QVERIFY2(verify.exitCode == 0, qPrintable(verify.describe()));
    // An unknown key or a bad value is only a warning naming the file.
    QVERIFY2(!verify.err.contains("jobdeskd.service"), qPrintable(verify.describe()));
}

QTEST_GUILESS_MAIN(tst_Package)
#include "tst_package.moc"
