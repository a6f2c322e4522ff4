#include "startedmark.h"

#include <QFile>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace jobdesk {

namespace {
// Fixed width, so that a shorter number never leaves digits of a longer one.
constexpr int kMarkBytes = 20;
} // namespace

StartedMarkWriter::StartedMarkWriter(const QString &path)
{
    if (path.isEmpty())
        return;
    m_fd =
        ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

StartedMarkWriter::~StartedMarkWriter()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

void StartedMarkWriter::mark(qint64 fence)
{
    if (m_fd < 0)
        return;
    char text[kMarkBytes + 1];
    std::snprintf(text, sizeof text, "%019lld\n", static_cast<long long>(fence));
    ssize_t written;
    do {
        written = ::pwrite(m_fd, text, kMarkBytes, 0);
    } while (written < 0 && errno == EINTR);
}

std::optional<qint64> readStartedMark(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray text = file.read(kMarkBytes).trimmed();
    bool ok = false;
    const qint64 fence = text.toLongLong(&ok);
    if (!ok || fence <= 0)
        return std::nullopt;
    return fence;
}

} // namespace jobdesk
