#include "loglinewriter.h"

#include <QDateTime>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <unistd.h>

namespace jobdesk {

namespace {

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "critical";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

/// "yyyy-MM-ddThh:mm:ss" in local time, kept per thread for the second it
/// was made for.
void appendLocalSecond(QByteArray &line, qint64 seconds)
{
    thread_local qint64 cachedSecond = -1;
    thread_local char cached[64] = {};
    if (seconds != cachedSecond) {
        const std::time_t t = static_cast<std::time_t>(seconds);
        std::tm local{};
        localtime_r(&t, &local);
        std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d", local.tm_year + 1900,
                      local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec);
        cachedSecond = seconds;
    }
    line.append(cached);
}

void writeOut(const QByteArray &bytes)
{
    // Whole lines within this process whatever their size (PIPE_BUF only
    // makes a write atomic up to 4 KiB); the lock is uncontended but for
    // the rare moment two threads log at once.
    static std::mutex mutex;
    const std::lock_guard<std::mutex> lock(mutex);
    // One write per line (or batch of whole lines): lines from several
    // threads do not interleave in a file, nor on a pipe up to PIPE_BUF.
    qsizetype done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(STDERR_FILENO, bytes.constData() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; // nowhere left to say it
        done += n;
    }
}

// The lines gathered on this thread by open batches (LogLineWriter::Batch).
thread_local int batchDepth = 0;
thread_local QByteArray gathered;
// A batch is written before it grows past this (PIPE_BUF).
constexpr qsizetype kMostGathered = 4096;

void writeLine(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QByteArray line = LogLineWriter::formatLine(type, context.category, message,
                                                      QDateTime::currentMSecsSinceEpoch());
    if (batchDepth == 0) {
        writeOut(line);
        return;
    }
    // Up to PIPE_BUF a write to a pipe is atomic: a batch never grows past
    // it, so that other threads' lines never land inside one of ours.
    if (gathered.size() + line.size() > kMostGathered && !gathered.isEmpty()) {
        writeOut(gathered);
        gathered.clear();
    }
    gathered.append(line);
    // A warning must not wait, least of all a fatal one (Qt aborts next).
    if (type == QtWarningMsg || type == QtCriticalMsg || type == QtFatalMsg ||
        gathered.size() >= kMostGathered) {
        writeOut(gathered);
        gathered.clear();
    }
}

} // namespace

QByteArray LogLineWriter::formatLine(QtMsgType type, const char *category, const QString &message,
                                     qint64 msSinceEpoch)
{
    const QByteArray text = message.toUtf8();
    QByteArray line;
    line.reserve(text.size() + 64);
    const qint64 seconds = msSinceEpoch >= 0 ? msSinceEpoch / 1000 : (msSinceEpoch - 999) / 1000;
    const int ms = int(msSinceEpoch - seconds * 1000);
    appendLocalSecond(line, seconds);
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03d ", ms);
    line.append(millis);
    line.append(levelName(type));
    line.append(' ');
    line.append(category ? category : "default");
    line.append(": ");
    line.append(text);
    line.append('\n');
    return line;
}

LogLineWriter::Batch::Batch()
{
    ++batchDepth;
}

LogLineWriter::Batch::~Batch()
{
    if (--batchDepth == 0 && !gathered.isEmpty()) {
        writeOut(gathered);
        gathered.clear();
    }
}

void LogLineWriter::install()
{
    if (!qEnvironmentVariableIsEmpty("QT_MESSAGE_PATTERN"))
        return; // the user's pattern, through Qt's handler
    qInstallMessageHandler(writeLine);
}

} // namespace jobdesk
