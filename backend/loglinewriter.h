#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

namespace jobdesk {

/// jobdeskd's log lines on stderr, one write() each:
///   2026-11-27T06:26:47.431 info jobdesk.service: job … COMPLETED …
/// (local time, level, category). It is what qSetMessagePattern() gave with
/// "%{time yyyy-MM-ddThh:mm:ss.zzz} %{type} %{category}: %{message}", at a
/// fraction of the cost: Qt formats %{time} through QDateTime and glibc's
/// localtime, which stats /etc/localtime on every call, three times per job
/// at full rate. Here the local time is worked out once per second.
/// A QT_MESSAGE_PATTERN in the environment still wins (Qt's own handler).
class LogLineWriter
{
public:
    /// Installs the handler for the whole process.
    static void install();

    /// One line as written, newline included: for tests.
    static QByteArray formatLine(QtMsgType type, const char *category, const QString &message,
                                 qint64 msSinceEpoch);

    /// While one is alive, the lines this thread logs are gathered and
    /// written together when the outermost ends: one write for a commit's
    /// worth of state changes instead of one per line. Warnings and worse
    /// go out at once, with what was gathered before them.
    class Batch
    {
    public:
        Batch();
        ~Batch();
        Batch(const Batch &) = delete;
        Batch &operator=(const Batch &) = delete;
    };
};

} // namespace jobdesk
