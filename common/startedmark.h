#pragma once

#include <QString>
#include <optional>

namespace jobdesk {

/// The fence of the attempt a worker started last, kept in a small file
/// that jobdeskd names for each worker. A worker starts the offers it holds
/// on its own; should it die, the messages announcing the last starts may
/// die with it, but a write to a file outlives the process. jobdeskd reads
/// the mark only then, to charge the crash to the attempt that was running.
class StartedMarkWriter
{
public:
    /// Opens (truncates) `path`. An empty path, or a file that cannot be
    /// opened, leaves the writer disabled (isOpen() false).
    explicit StartedMarkWriter(const QString &path);
    ~StartedMarkWriter();

    StartedMarkWriter(const StartedMarkWriter &) = delete;
    StartedMarkWriter &operator=(const StartedMarkWriter &) = delete;

    bool isOpen() const { return m_fd >= 0; }
    /// One pwrite, no sync: it only has to outlive this process.
    void mark(qint64 fence);

private:
    int m_fd = -1;
};

/// The fence last marked in `path`; nullopt when there is none.
std::optional<qint64> readStartedMark(const QString &path);

} // namespace jobdesk
