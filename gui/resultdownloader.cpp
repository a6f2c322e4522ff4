#include "resultdownloader.h"

#include "jobjson.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSaveFile>
#include <QStandardPaths>

namespace jobdesk {

ResultDownloader::ResultDownloader(QObject *parent)
    : QObject(parent)
{
}

ResultDownloader::~ResultDownloader()
{
    for (const auto &t : std::as_const(m_active)) {
        t->reply->disconnect(this);
        t->reply->abort();
        t->file->cancelWriting();
    }
}

QString ResultDownloader::safeFileName(const Job &job)
{
    QString name = job.result ? QFileInfo(job.result->filename).fileName() : QString();
    while (name.startsWith(QLatin1Char('.')))
        name.remove(0, 1);
    if (name.isEmpty())
        name = job.id + QStringLiteral(".result");
    return name;
}

QString ResultDownloader::cachePath(const Job &job)
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation) +
           QStringLiteral("/jobdesk/results/") + job.id + QLatin1Char('/') + safeFileName(job);
}

bool ResultDownloader::download(const Job &job, const QString &httpBase, const QString &token,
                                const QString &target)
{
    if (m_active.contains(job.id))
        return false;
    if (!QDir().mkpath(QFileInfo(target).absolutePath())) {
        Q_EMIT failed(job.id, tr("cannot create the folder of %1").arg(target));
        return true;
    }
    auto t = std::make_shared<Transfer>();
    t->path = target;
    t->expectedSha256 = job.result ? job.result->sha256.toLower() : QString();
    t->file = std::make_unique<QSaveFile>(target);
    if (!t->file->open(QIODevice::WriteOnly)) {
        Q_EMIT failed(job.id, tr("cannot write %1: %2").arg(target, t->file->errorString()));
        return true;
    }
    QNetworkRequest request(QUrl(httpBase + jobResultPath(job.id)));
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::NoLessSafeRedirectPolicy);
    t->reply = m_network.get(request);
    m_active.insert(job.id, t);
    const QString id = job.id;
    connect(t->reply, &QNetworkReply::readyRead, this, [this, id] { onReadyRead(id); });
    connect(t->reply, &QNetworkReply::finished, this, [this, id] { onFinished(id); });
    return true;
}

void ResultDownloader::onReadyRead(const QString &jobId)
{
    const auto t = m_active.value(jobId);
    if (!t)
        return;
    const int status = t->reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200)
        return; // an error body: read in onFinished
    const QByteArray chunk = t->reply->readAll();
    t->hash.addData(chunk);
    if (t->file->write(chunk) != chunk.size())
        t->reply->abort();
}

void ResultDownloader::onFinished(const QString &jobId)
{
    const auto t = m_active.take(jobId);
    if (!t)
        return;
    t->reply->deleteLater();
    const int status = t->reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 200 && t->reply->error() == QNetworkReply::NoError) {
        const QByteArray rest = t->reply->readAll();
        t->hash.addData(rest);
        t->file->write(rest);
        const QString sha = QString::fromLatin1(t->hash.result().toHex());
        if (!t->expectedSha256.isEmpty() && sha != t->expectedSha256) {
            t->file->cancelWriting();
            Q_EMIT failed(jobId, tr("the download is corrupt (SHA-256 %1, expected %2)")
                                     .arg(sha.left(12), t->expectedSha256.left(12)));
            return;
        }
        if (!t->file->commit()) {
            Q_EMIT failed(jobId, tr("cannot write %1: %2").arg(t->path, t->file->errorString()));
            return;
        }
        Q_EMIT finished(jobId, t->path);
        return;
    }
    t->file->cancelWriting();
    QString message;
    if (status > 0) {
        // problem+json: its detail says what went wrong.
        const QJsonObject problem = QJsonDocument::fromJson(t->reply->readAll()).object();
        message = problem.value(QStringLiteral("detail")).toString();
        if (message.isEmpty())
            message = problem.value(QStringLiteral("title")).toString();
        message = tr("HTTP %1: %2")
                      .arg(status)
                      .arg(message.isEmpty() ? t->reply->errorString() : message);
    } else {
        message = t->reply->errorString();
    }
    Q_EMIT failed(jobId, message);
}

} // namespace jobdesk
