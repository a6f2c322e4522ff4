#include "jobpresentation.h"

#include "guiresources.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QLocale>
#include <algorithm>
#include <array>

namespace jobdesk {

QString shortJobId(const QString &id)
{
    return id.right(8);
}

QString statusTitle(JobStatus status)
{
    switch (status) {
    case JobStatus::Pending:
        return QStringLiteral("Pending");
    case JobStatus::Processing:
        return QStringLiteral("Processing");
    case JobStatus::Retrying:
        return QStringLiteral("Retrying");
    case JobStatus::Completed:
        return QStringLiteral("Completed");
    case JobStatus::Failed:
        return QStringLiteral("Failed");
    case JobStatus::Cancelled:
        return QStringLiteral("Cancelled");
    }
    return {};
}

QString statusLabel(const Job &job)
{
    if (job.cancelRequested && !isTerminal(job.status))
        return QStringLiteral("Cancelling");
    if (job.status == JobStatus::Retrying)
        return QStringLiteral("Retrying (%1/%2)").arg(job.attempt + 1).arg(job.maxAttempts);
    if (job.status == JobStatus::Failed && job.deadLetter)
        return QStringLiteral("Failed (dead letter)");
    return statusTitle(job.status);
}

QColor statusColor(JobStatus status)
{
    // Readable on light and dark palettes alike: mid-tone, saturated.
    switch (status) {
    case JobStatus::Pending:
        return QColor(0x6b, 0x72, 0x80);
    case JobStatus::Processing:
        return QColor(0x25, 0x63, 0xeb);
    case JobStatus::Retrying:
        return QColor(0xc2, 0x7a, 0x0e);
    case JobStatus::Completed:
        return QColor(0x16, 0x80, 0x3d);
    case JobStatus::Failed:
        return QColor(0xc8, 0x1e, 0x1e);
    case JobStatus::Cancelled:
        return QColor(0x80, 0x80, 0x80);
    }
    return {};
}

QIcon statusIcon(JobStatus status)
{
    static const std::array<QIcon, 6> icons = [] {
        initGuiResources();
        std::array<QIcon, 6> out;
        for (JobStatus s : kAllStatuses) {
            out[static_cast<size_t>(s)] =
                QIcon(QStringLiteral(":/icons/status-%1.svg").arg(statusName(s).toLower()));
        }
        return out;
    }();
    return icons[static_cast<size_t>(status)];
}

qint64 jobDurationMs(const Job &job, qint64 nowMs)
{
    if (job.startedAtMs <= 0)
        return 0;
    qint64 end = nowMs;
    if (job.finishedAtMs > 0)
        end = job.finishedAtMs;
    else if (job.status != JobStatus::Processing)
        end = job.updatedAtMs > 0 ? job.updatedAtMs : nowMs;
    return std::max<qint64>(0, end - job.startedAtMs);
}

std::optional<double> remainingSeconds(const Job &job, qint64 nowMs)
{
    if (job.status != JobStatus::Processing || !job.etaS)
        return std::nullopt;
    const double sinceEstimate =
        job.updatedAtMs > 0 ? std::max<qint64>(0, nowMs - job.updatedAtMs) / 1000.0 : 0.0;
    return std::max(0.0, *job.etaS - sinceEstimate);
}

QString formatDuration(qint64 ms)
{
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 60'000)
        return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', ms < 10'000 ? 1 : 0);
    const qint64 s = ms / 1000;
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    if (s < 86400)
        return QStringLiteral("%1 h %2 min")
            .arg(s / 3600)
            .arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 d %2 h").arg(s / 86400).arg((s % 86400) / 3600);
}

QString formatWhen(qint64 msSinceEpoch, qint64 nowMs)
{
    if (msSinceEpoch <= 0)
        return {};
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(msSinceEpoch).toLocalTime();
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(nowMs).toLocalTime();
    if (when.date() == now.date())
        return when.toString(QStringLiteral("HH:mm:ss"));
    if (when.date().year() == now.date().year())
        return when.toString(QStringLiteral("d MMM HH:mm"));
    return when.toString(QStringLiteral("d MMM yyyy HH:mm"));
}

QString formatWhenPrecise(qint64 msSinceEpoch)
{
    if (msSinceEpoch <= 0)
        return QStringLiteral("—");
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch)
        .toLocalTime()
        .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

QString formatBytes(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

QString jobSearchText(const Job &job)
{
    QString text = job.id;
    text += QLatin1Char('\n');
    text += job.kind;
    text += QLatin1Char('\n');
    text += QString::fromUtf8(QJsonDocument(job.params).toJson(QJsonDocument::Compact));
    text += QLatin1Char('\n');
    text += job.message;
    return text.toLower();
}

} // namespace jobdesk
