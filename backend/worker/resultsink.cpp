#include "resultsink.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace jobdesk {

namespace {

// Once spilled, small writes are gathered into blocks of this size so that a
// kind writing line by line does not make one system call per line.
constexpr std::size_t kFileBlockBytes = 64 * 1024;

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

// Job ids come from the backend; they name files, so they must not be able
// to name anything outside the results folder.
bool isSafeFileComponent(const QString &text)
{
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9_-]{1,128}$"));
    return safe.match(text).hasMatch();
}

bool fsyncDirectory(const QString &dir, QString *error)
{
    const int fd = ::open(QFile::encodeName(dir).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        *error = errnoText(errno);
        return false;
    }
    const bool ok = ::fsync(fd) == 0;
    if (!ok)
        *error = errnoText(errno);
    ::close(fd);
    return ok;
}

} // namespace

ResultSink::ResultSink(QString resultsDir, QString jobId, qint64 fence, std::size_t inlineLimit)
    : m_resultsDir(std::move(resultsDir))
    , m_jobId(std::move(jobId))
    , m_fence(fence)
    , m_inlineLimit(inlineLimit)
{
}

ResultSink::~ResultSink()
{
    if (!m_committed)
        closeAndRemoveTemp();
}

bool ResultSink::write(const char *data, std::size_t size)
{
    if (hasError())
        return false;
    if (m_committed)
        return fail(QStringLiteral("the result was already committed"));
    if (size == 0)
        return true;

    m_hash.addData(QByteArrayView(data, qsizetype(size)));
    m_size += qint64(size);

    if (isInline()) {
        if (std::size_t(m_memory.size()) + size <= m_inlineLimit) {
            m_memory.append(data, qsizetype(size));
            return true;
        }
        if (!spill())
            return false;
    }
    if (m_memory.size() + qsizetype(size) <= qsizetype(kFileBlockBytes)) {
        m_memory.append(data, qsizetype(size));
        return true;
    }
    return flushBuffer() && writeAll(data, size);
}

bool ResultSink::spill()
{
    if (!isSafeFileComponent(m_jobId))
        return fail(QStringLiteral("invalid job id for a file name: %1").arg(m_jobId));
    m_spilled = true;
    m_tempPath = QDir(m_resultsDir).filePath(QStringLiteral("%1.%2.tmp").arg(m_jobId).arg(m_fence));
    m_fd = ::open(QFile::encodeName(m_tempPath).constData(),
                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (m_fd < 0) {
        const int error = errno;
        m_tempPath.clear(); // nothing was created, nothing to remove
        return fail(QStringLiteral("%1 (in %2)").arg(errnoText(error), m_resultsDir));
    }
    // What was kept in memory so far is the start of the file.
    return flushBuffer();
}

bool ResultSink::flushBuffer()
{
    if (m_memory.isEmpty())
        return true;
    const bool ok = writeAll(m_memory.constData(), std::size_t(m_memory.size()));
    m_memory.clear();
    return ok;
}

bool ResultSink::writeAll(const char *data, std::size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(m_fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail(errnoText(errno));
        }
        data += n;
        size -= std::size_t(n);
    }
    return true;
}

bool ResultSink::commit()
{
    if (hasError())
        return false;
    if (m_committed)
        return true;
    m_sha256 = QString::fromLatin1(m_hash.result().toHex());

    if (isInline()) {
        m_committed = true;
        return true;
    }

    if (!flushBuffer())
        return false;
    if (::fsync(m_fd) != 0)
        return fail(errnoText(errno));
    const int fd = m_fd;
    m_fd = -1;
    if (::close(fd) != 0)
        return fail(errnoText(errno)); // NFS and friends report write errors here

    const QString name = finalName();
    const QString finalPath = QDir(m_resultsDir).filePath(name);
    if (::rename(QFile::encodeName(m_tempPath).constData(),
                 QFile::encodeName(finalPath).constData()) != 0) {
        return fail(errnoText(errno));
    }
    m_tempPath.clear();
    // The rename is durable only once the folder's entry is on disk; until
    // then the backend must not commit COMPLETED.
    QString dirError;
    if (!fsyncDirectory(m_resultsDir, &dirError)) {
        QFile::remove(finalPath);
        return fail(dirError);
    }
    m_committedName = name;
    m_committed = true;
    return true;
}

void ResultSink::discard()
{
    closeAndRemoveTemp();
    m_memory.clear();
}

ResultInfo ResultSink::info() const
{
    return ResultInfo{m_filename, m_contentType, m_size, m_sha256};
}

bool ResultSink::fail(const QString &reason)
{
    if (m_error.isEmpty())
        m_error = reason;
    closeAndRemoveTemp();
    return false;
}

void ResultSink::closeAndRemoveTemp()
{
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    if (!m_tempPath.isEmpty()) {
        ::unlink(QFile::encodeName(m_tempPath).constData());
        m_tempPath.clear();
    }
}

QString ResultSink::finalName() const
{
    QString ext = QFileInfo(m_filename).suffix();
    // ".tmp" is how a result looks while it is written (and swept at start).
    if (ext.isEmpty() || !isSafeFileComponent(ext) ||
        ext.compare(QLatin1String("tmp"), Qt::CaseInsensitive) == 0)
        ext = QStringLiteral("bin");
    return QStringLiteral("%1.%2.%3").arg(m_jobId).arg(m_fence).arg(ext);
}

} // namespace jobdesk
