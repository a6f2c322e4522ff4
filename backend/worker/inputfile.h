#pragma once

#include "kindoutcome.h"

#include <QString>
#include <QStringList>

namespace jobdesk {

/// A job's input file, opened for reading after checking that it is a
/// regular file under an input root. The check is made on the file actually
/// opened (its /proc/self/fd link), so a path swapped for a symbolic link
/// after the params were validated is still refused.
class InputFile
{
public:
    InputFile() = default;
    ~InputFile();

    InputFile(const InputFile &) = delete;
    InputFile &operator=(const InputFile &) = delete;

    /// Opens `path` (the value of the param `param`). On failure sets
    /// `failure`: invalid_params for a path that cannot be an input (outside
    /// the roots, missing, not a regular file, unreadable), a retryable
    /// job_error for anything else.
    bool open(const QString &param, const QString &path, const QStringList &roots,
              KindOutcome *failure);

    int fd() const { return m_fd; }
    qint64 size() const { return m_size; }
    /// Where the opened file really is.
    QString resolvedPath() const { return m_resolved; }

private:
    int m_fd = -1;
    qint64 m_size = 0;
    QString m_resolved;
};

} // namespace jobdesk
