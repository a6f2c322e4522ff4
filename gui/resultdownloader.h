#pragma once

#include "job.h"

#include <QCryptographicHash>
#include <QHash>
#include <QNetworkAccessManager>
#include <QObject>
#include <memory>

class QNetworkReply;
class QSaveFile;

namespace jobdesk {

/// Downloads job results over HTTP (`GET {http}/api/v1/jobs/{id}/result`
/// with the bearer token), streaming them to disk: the file appears only once
/// complete and only if its SHA-256 matches the job's `result.sha256`.
class ResultDownloader final : public QObject
{
    Q_OBJECT
public:
    explicit ResultDownloader(QObject *parent = nullptr);
    ~ResultDownloader() override;

    /// Where a job's result is cached: ~/.cache/jobdesk/results/<id>/<file name>.
    static QString cachePath(const Job &job);
    /// The result's file name, reduced to a safe base name.
    static QString safeFileName(const Job &job);

    /// Starts a download to `target`; a second one for the same job while
    /// the first runs is ignored (returns false).
    bool download(const Job &job, const QString &httpBase, const QString &token,
                  const QString &target);
    bool isDownloading(const QString &jobId) const { return m_active.contains(jobId); }

Q_SIGNALS:
    void finished(const QString &jobId, const QString &path);
    void failed(const QString &jobId, const QString &message);

private:
    struct Transfer
    {
        QNetworkReply *reply = nullptr;
        std::unique_ptr<QSaveFile> file;
        QCryptographicHash hash{QCryptographicHash::Sha256};
        QString expectedSha256;
        QString path;
    };
    void onReadyRead(const QString &jobId);
    void onFinished(const QString &jobId);

    QNetworkAccessManager m_network;
    QHash<QString, std::shared_ptr<Transfer>> m_active;
};

} // namespace jobdesk
