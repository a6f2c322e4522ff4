#include "procfs.h"

#include <QDir>
#include <QFile>
#include <csignal>

namespace procfs {

namespace {

struct Stat
{
    QString name;
    char state = '?';
    qint64 parent = 0;
    int niceness = 0;
};

/// Parses /proc/PID/stat (or /proc/PID/task/TID/stat): "pid (comm) state
/// ppid ...", where comm may itself hold spaces and parentheses, so it ends
/// at the last ')'.
bool readStat(const QString &path, Stat *out)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false; // gone meanwhile
    const QByteArray line = file.readAll();
    const qsizetype open = line.indexOf('(');
    const qsizetype close = line.lastIndexOf(')');
    if (open < 0 || close < open || close + 4 > line.size())
        return false;
    const QList<QByteArray> rest = line.mid(close + 2).split(' ');
    // rest[0] is field 3 of proc(5) (state); the niceness is field 19.
    if (rest.size() < 17 || rest.at(0).isEmpty())
        return false;
    out->name = QString::fromUtf8(line.mid(open + 1, close - open - 1));
    out->state = rest.at(0).at(0);
    out->parent = rest.at(1).toLongLong();
    out->niceness = rest.at(16).toInt();
    return true;
}

bool readStat(qint64 pid, Stat *out)
{
    return readStat(QStringLiteral("/proc/%1/stat").arg(pid), out);
}

} // namespace

QList<qint64> childPids(qint64 parent, const QString &name)
{
    QList<qint64> pids;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        Stat stat;
        if (isPid && readStat(pid, &stat) && stat.parent == parent && stat.name == name &&
            stat.state != 'Z')
            pids.append(pid);
    }
    return pids;
}

QList<int> threadNiceness(qint64 pid)
{
    QList<int> niceness;
    const QDir tasks(QStringLiteral("/proc/%1/task").arg(pid));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        Stat stat;
        if (readStat(tasks.filePath(tid + QStringLiteral("/stat")), &stat))
            niceness.append(stat.niceness);
    }
    return niceness;
}

bool isAlive(qint64 pid)
{
    Stat stat;
    return pid > 0 && readStat(pid, &stat) && stat.state != 'Z' && stat.state != 'X';
}

bool killNow(qint64 pid)
{
    return pid > 0 && ::kill(pid_t(pid), SIGKILL) == 0;
}

} // namespace procfs
