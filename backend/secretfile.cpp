#include "secretfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSaveFile>

Q_LOGGING_CATEGORY(lcSecrets, "jobdesk.auth")

namespace jobdesk {

Result<QString> readSecretFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return ApiError::make(ErrorCode::Internal,
                              QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    const QString text = QString::fromUtf8(file.read(64 * 1024)).trimmed();
    if (text.isEmpty())
        return ApiError::make(ErrorCode::Internal, QStringLiteral("%1 is empty").arg(path));
    if (file.permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup))
        qCWarning(lcSecrets) << path << "is readable by other users; chmod 600 it";
    return text;
}

Result<QString> readOrCreateSecretFile(const QString &path, QString (*generate)())
{
    if (!QFileInfo::exists(path)) {
        QDir().mkpath(QFileInfo(path).absolutePath());
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return ApiError::make(ErrorCode::Internal, QStringLiteral("cannot create %1: %2")
                                                           .arg(path, file.errorString()));
        file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        file.write(generate().toUtf8() + '\n');
        if (!file.commit())
            return ApiError::make(ErrorCode::Internal, QStringLiteral("cannot create %1: %2")
                                                           .arg(path, file.errorString()));
        qCInfo(lcSecrets) << "created" << path;
    }
    return readSecretFile(path);
}

QString generateApiToken()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()),
                                          bytes.size() / 4);
    return QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

} // namespace jobdesk
