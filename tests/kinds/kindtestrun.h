#pragma once

#include "worker/canceltoken.h"
#include "worker/jobkind.h"
#include "worker/kindoutcome.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <chrono>
#include <mutex>
#include <optional>
#include <vector>

/// Runs a job kind in-process, the way the worker's job thread does, with a
/// results folder of its own, and records what it reported.
class KindTestRun
{
public:
    struct Progress
    {
        std::optional<double> pct;
        QString message;
    };

    KindTestRun(QJsonObject params, QStringList inputRoots);

    /// Runs `kind` on the calling thread. A zero throttle records every report.
    jobdesk::KindOutcome run(jobdesk::JobKind &kind,
                             std::chrono::milliseconds throttle = std::chrono::milliseconds(0));

    /// Cancels from another thread while run() runs (or before it).
    jobdesk::CancelToken token;

    std::vector<Progress> progress() const;
    /// The committed result's bytes (inline or read back from its file).
    QByteArray result() const { return m_result; }
    QString filename() const { return m_filename; }
    QString contentType() const { return m_contentType; }
    /// Files left in the results folder (none after a failed run).
    QStringList resultsFolderEntries() const;

private:
    QJsonObject m_params;
    QStringList m_roots;
    QTemporaryDir m_resultsDir;
    mutable std::mutex m_mutex;
    std::vector<Progress> m_progress;
    QByteArray m_result;
    QString m_filename;
    QString m_contentType;
};
