#pragma once

#include "job.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>
#include <QStringList>
#include <array>
#include <functional>
#include <vector>

namespace jobdesk {

/// The jobs the GUI knows about, one row per job, kept in sync with the
/// backend's change feed. Rows are never reordered: new jobs are appended,
/// changes update their row in place (`dataChanged` on the columns that
/// changed), purged jobs are removed. Sorting and filtering are the proxy's.
class JobTableModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        IdColumn,
        KindColumn,
        StatusColumn,
        ProgressColumn,
        MessageColumn,
        SubmittedColumn,
        DurationColumn,
        EtaColumn,
        ColumnCount
    };
    enum Role
    {
        /// The raw value of a cell, for sorting and painting (qBittorrent's
        /// UnderlyingDataRole): numbers stay numbers, times stay ms.
        UnderlyingDataRole = Qt::UserRole + 1,
        JobIdRole,
        StatusRole, // int(JobStatus)
        KindRole,
        ProgressRole, // double, or an invalid QVariant when indeterminate
        CancelRequestedRole,
    };

    explicit JobTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    /// Applies one batch from the change feed: unknown ids are appended (one
    /// beginInsertRows for the batch), known ids whose `rev` is newer replace
    /// their row (dataChanged per run of rows with the same changed columns),
    /// older or equal revs are ignored, `deletedIds` are removed.
    void applyBatch(const QList<Job> &jobs, const QStringList &deletedIds = {});
    /// Forgets every job (a different backend): the one place that resets.
    void clear();

    const Job &jobAt(int row) const { return m_jobs[static_cast<size_t>(row)]; }
    /// The row of a job, or -1. While rows are being removed (a receiver of
    /// rowsRemoved), a job still here but moved up is -1 too, not purged.
    int rowOf(const QString &id) const;
    const Job *job(const QString &id) const;

    int countOf(JobStatus status) const { return m_counts[static_cast<size_t>(status)]; }
    /// Jobs still PENDING, PROCESSING or RETRYING.
    int activeCount() const;
    /// Every kind seen so far, sorted.
    QStringList kinds() const;

    /// The sort key of a cell without a QVariant: the proxy's hot path.
    /// Returns <0, 0, >0 like strcmp.
    int compare(int leftRow, int rightRow, int column) const;

    /// The time "now" used for durations and ETAs; fixed in tests.
    void setClock(std::function<qint64()> clock);
    qint64 now() const;

Q_SIGNALS:
    /// After every applyBatch() that changed anything, once.
    void batchApplied();
    void countsChanged();
    void kindsChanged();

private:
    /// Bit i set = column i shows something else for `after`.
    static quint32 changedColumns(const Job &before, const Job &after);
    void removeJobRows(std::vector<int> rows);
    void count(const Job &job, int delta);

    std::vector<Job> m_jobs;
    QHash<QString, int> m_rowById;
    std::array<int, 6> m_counts{};
    QSet<QString> m_kinds;
    std::function<qint64()> m_clock;
};

} // namespace jobdesk
