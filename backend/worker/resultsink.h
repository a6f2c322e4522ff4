#pragma once

#include "job.h"
#include "reliability.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QString>
#include <cstddef>

namespace jobdesk {

/// Where a job kind writes its result. Small results stay in memory and
/// travel inline in the Done message; once more than `inlineLimit` bytes
/// are written the sink spills to `<jobid>.<fence>.tmp` in the results
/// folder, and commit() makes the file durable (fsync, rename to
/// `<jobid>.<fence>.<ext>`, fsync the folder) before the backend hears of
/// it. Size and SHA-256 are computed while writing.
///
/// Errors are sticky: after the first failed write every later call fails
/// and errorString() says why. An uncommitted temp file is removed when the
/// sink is discarded or destroyed.
class ResultSink
{
public:
    ResultSink(QString resultsDir, QString jobId, qint64 fence,
               std::size_t inlineLimit = reliability::kInlineResultMaxBytes);
    ~ResultSink();

    ResultSink(const ResultSink &) = delete;
    ResultSink &operator=(const ResultSink &) = delete;

    /// The name clients download the result as (its suffix also names the
    /// file in the results folder).
    void setFilename(const QString &filename) { m_filename = filename; }
    void setContentType(const QString &contentType) { m_contentType = contentType; }

    bool write(const char *data, std::size_t size);
    bool write(const QByteArray &bytes)
    {
        return write(bytes.constData(), std::size_t(bytes.size()));
    }

    /// Finishes the result; for a spilled result the renamed file is durable
    /// once this returns true.
    bool commit();
    /// Drops what was written and removes any temp file.
    void discard();

    bool hasError() const { return !m_error.isEmpty(); }
    QString errorString() const { return m_error; }

    /// Valid after a successful commit().
    ResultInfo info() const;
    bool isInline() const { return !m_spilled; }
    const QByteArray &inlineData() const { return m_memory; }
    /// The committed file's name inside the results folder (empty when inline).
    QString fileName() const { return m_committedName; }

private:
    bool spill();
    bool flushBuffer();
    bool writeAll(const char *data, std::size_t size);
    bool fail(const QString &reason);
    void closeAndRemoveTemp();
    QString finalName() const;

    QString m_resultsDir;
    QString m_jobId;
    qint64 m_fence = 0;
    std::size_t m_inlineLimit = 0;

    QString m_filename;
    QString m_contentType;

    QByteArray m_memory; // the whole result while inline, a write buffer once spilled
    bool m_spilled = false;
    int m_fd = -1;
    QString m_tempPath;
    QString m_committedName;
    bool m_committed = false;

    QCryptographicHash m_hash{QCryptographicHash::Sha256};
    qint64 m_size = 0;
    QString m_sha256;
    QString m_error;
};

} // namespace jobdesk
