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
};

/// Parses /proc/PID/stat: "pid (comm) state ppid ...", where comm may itself
/// hold spaces and parentheses, so it ends at the last ')'.
bool readStat(qint64 pid, Stat *out)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return false; // gone meanwhile
    const QByteArray line = file.readAll();
    const qsizetype open = line.indexOf('(');
    const qsizetype close = line.lastIndexOf(')');
    if (open < 0 || close < open || close + 4 > line.size())
        return false;
    const QList<QByteArray> rest = line.mid(close + 2).split(' ');
    if (rest.size() < 2 || rest.at(0).isEmpty())
        return false;
    out->name = QString::fromUtf8(line.mid(open + 1, close - open - 1));
    out->state = rest.at(0).at(0);
    out->parent = rest.at(1).toLongLong();
    return true;
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
