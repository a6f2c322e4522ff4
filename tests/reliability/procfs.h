#pragma once

#include <QList>
#include <QString>

/// What the fault tests need to know about processes, read from /proc: who
/// a daemon's workers are, and whether a process still lives.
namespace procfs {

/// Direct children of `parent` whose command name is `name` (zombies left
/// out: they no longer run or write anything).
QList<qint64> childPids(qint64 parent, const QString &name);

/// The niceness of each thread of `pid` (empty when it is gone).
QList<int> threadNiceness(qint64 pid);

/// Whether `pid` names a live process; a zombie counts as dead.
bool isAlive(qint64 pid);

/// Sends SIGKILL to `pid`; false when there was nobody to kill.
bool killNow(qint64 pid);

} // namespace procfs
