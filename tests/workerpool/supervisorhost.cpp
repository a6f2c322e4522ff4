// Stands in for jobdeskd in the "no orphans" test: runs a WorkerSupervisor
// with two workers, prints "READY <pid> <pid>" once both are usable, then
// waits to be killed.
//
// usage: jobdesk-supervisorhost WORKER_PROGRAM RUNTIME_DIR RESULTS_DIR

#include "workerpool/workersupervisor.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <cstdio>

using namespace jobdesk;

namespace {

QList<qint64> workerPids()
{
    QList<qint64> pids;
    const QString self = QString::number(QCoreApplication::applicationPid());
    for (const QString &entry : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(entry));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        const qsizetype close = line.lastIndexOf(')');
        const QList<QByteArray> rest = line.mid(close + 2).split(' ');
        if (line.contains("(jobdesk-worker)") && rest.size() > 1 && rest.at(1) == self.toLatin1())
            pids.append(entry.toLongLong());
    }
    return pids;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() != 4) {
        std::fprintf(stderr,
                     "usage: jobdesk-supervisorhost WORKER_PROGRAM RUNTIME_DIR RESULTS_DIR\n");
        return 2;
    }
    WorkerSupervisor::Options options;
    options.workerProgram = args.at(1);
    options.runtimeDir = args.at(2);
    options.resultsDir = args.at(3);
    options.epoch = QStringLiteral("host");
    options.workers = 2;
    WorkerSupervisor supervisor(options);
    bool announced = false;
    QObject::connect(&supervisor, &WorkerSupervisor::workerAvailable, &app, [&] {
        if (announced || supervisor.idle() < options.workers)
            return;
        announced = true;
        QStringList line{QStringLiteral("READY")};
        for (qint64 pid : workerPids())
            line.append(QString::number(pid));
        std::printf("%s\n", qPrintable(line.join(QLatin1Char(' '))));
        std::fflush(stdout);
    });
    QString error;
    if (!supervisor.start(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    return app.exec();
}
