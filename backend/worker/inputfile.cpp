#include "inputfile.h"

#include "paramsschema.h"

#include <QFile>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace jobdesk {

InputFile::~InputFile()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

bool InputFile::open(const QString &param, const QString &path, const QStringList &roots,
                     KindOutcome *failure)
{
    const auto invalid = [&](const QString &why) {
        *failure = KindOutcome::invalidParams(QStringLiteral("%1: %2").arg(param, why));
        return false;
    };
    if (const QString problem = inputPathError(path, roots); !problem.isEmpty())
        return invalid(problem);

    // O_NONBLOCK: opening a FIFO must not hang the job (it is refused below).
    m_fd =
        ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (m_fd < 0) {
        const int error = errno;
        const QString text = QString::fromLocal8Bit(std::strerror(error));
        if (error == ENOENT || error == ENOTDIR)
            return invalid(QStringLiteral("%1 does not exist").arg(path));
        if (error == EACCES || error == ELOOP || error == EISDIR)
            return invalid(QStringLiteral("cannot read %1: %2").arg(path, text));
        *failure =
            KindOutcome::jobError(QStringLiteral("cannot open %1: %2").arg(path, text), true);
        return false;
    }
    struct stat info;
    if (::fstat(m_fd, &info) != 0 || !S_ISREG(info.st_mode))
        return invalid(QStringLiteral("%1 is not a regular file").arg(path));
    ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) & ~O_NONBLOCK);
    m_size = info.st_size;

    char link[4096];
    const QByteArray self = "/proc/self/fd/" + QByteArray::number(m_fd);
    const ssize_t n = ::readlink(self.constData(), link, sizeof link - 1);
    if (n <= 0)
        return invalid(QStringLiteral("cannot tell where %1 is").arg(path));
    m_resolved = QFile::decodeName(QByteArray(link, n));
    if (isDeniedInputPath(m_resolved))
        return invalid(QStringLiteral("must not be jobdeskd's own data (its database, token or "
                                      "secrets)"));
    for (const QString &root : roots) {
        if (isUnderRoot(m_resolved, root))
            return true;
    }
    return invalid(
        QStringLiteral("must lie under an input root (%1)").arg(roots.join(QStringLiteral(", "))));
}

} // namespace jobdesk
