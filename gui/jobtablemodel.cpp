#include "jobtablemodel.h"

#include "jobpresentation.h"
#include "timeformat.h"

#include <QBrush>
#include <QJsonDocument>
#include <algorithm>

namespace jobdesk {

namespace {

template <typename T> int threeWay(const T &a, const T &b)
{
    return a < b ? -1 : (b < a ? 1 : 0);
}

// Where a status falls when sorting by status: active work first, then the
// outcomes, so "sort by status" groups what needs attention.
int statusRank(JobStatus s)
{
    switch (s) {
    case JobStatus::Processing:
        return 0;
    case JobStatus::Retrying:
        return 1;
    case JobStatus::Pending:
        return 2;
    case JobStatus::Failed:
        return 3;
    case JobStatus::Cancelled:
        return 4;
    case JobStatus::Completed:
        return 5;
    }
    return 6;
}

constexpr quint32 bit(int column)
{
    return 1u << column;
}

} // namespace

JobTableModel::JobTableModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock(&nowMs)
{
}

int JobTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_jobs.size());
}

int JobTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

void JobTableModel::setClock(std::function<qint64()> clock)
{
    m_clock = std::move(clock);
}

qint64 JobTableModel::now() const
{
    return m_clock();
}

int JobTableModel::rowOf(const QString &id) const
{
    const int row = m_rowById.value(id, -1);
    // Rows are reindexed once after a whole removal: a receiver of one of its
    // signals may ask meanwhile, and gets "not here", never another job.
    if (row < 0 || static_cast<size_t>(row) >= m_jobs.size() ||
        m_jobs[static_cast<size_t>(row)].id != id)
        return -1;
    return row;
}

const Job *JobTableModel::job(const QString &id) const
{
    const int row = rowOf(id);
    return row < 0 ? nullptr : &jobAt(row);
}

int JobTableModel::activeCount() const
{
    return countOf(JobStatus::Pending) + countOf(JobStatus::Processing) +
           countOf(JobStatus::Retrying);
}

QStringList JobTableModel::kinds() const
{
    QStringList out(m_kinds.cbegin(), m_kinds.cend());
    out.sort();
    return out;
}

QVariant JobTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Job &job = jobAt(index.row());
    const int column = index.column();

    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case IdColumn:
            return shortJobId(job.id);
        case KindColumn:
            return job.kind;
        case StatusColumn:
            return statusLabel(job);
        case ProgressColumn:
            return job.progress ? QStringLiteral("%1%").arg(*job.progress, 0, 'f', 0)
                                : QStringLiteral("…");
        case MessageColumn:
            if (job.error && (job.message.isEmpty() || job.status == JobStatus::Failed))
                return job.error->message;
            return job.message;
        case SubmittedColumn:
            return formatWhen(job.createdAtMs, now());
        case DurationColumn: {
            const qint64 ms = jobDurationMs(job, now());
            return job.startedAtMs > 0 ? formatDuration(ms) : QString();
        }
        case EtaColumn: {
            const auto left = remainingSeconds(job, now());
            return left ? QStringLiteral("~") + formatDuration(qint64(*left * 1000.0)) : QString();
        }
        }
        return {};
    case UnderlyingDataRole:
        switch (column) {
        case IdColumn:
            return job.id;
        case KindColumn:
            return job.kind;
        case StatusColumn:
            return statusRank(job.status);
        case ProgressColumn:
            return job.progress ? *job.progress : -1.0;
        case MessageColumn:
            return job.message;
        case SubmittedColumn:
            return job.createdAtMs;
        case DurationColumn:
            return jobDurationMs(job, now());
        case EtaColumn: {
            const auto left = remainingSeconds(job, now());
            return left ? *left : -1.0;
        }
        }
        return {};
    case Qt::DecorationRole:
        if (column == StatusColumn)
            return statusIcon(job.status);
        return {};
    case Qt::ForegroundRole:
        if (column == StatusColumn)
            return QBrush(statusColor(job.status));
        if (column == MessageColumn && job.status == JobStatus::Failed)
            return QBrush(statusColor(JobStatus::Failed));
        return {};
    case Qt::ToolTipRole:
        switch (column) {
        case IdColumn:
            return job.id;
        case MessageColumn:
            if (job.error)
                return QStringLiteral("%1: %2").arg(job.error->code, job.error->message);
            return job.message.isEmpty() ? QVariant() : QVariant(job.message);
        case KindColumn:
            return QString::fromUtf8(QJsonDocument(job.params).toJson(QJsonDocument::Compact));
        case SubmittedColumn:
            return formatWhenPrecise(job.createdAtMs);
        }
        return {};
    case Qt::TextAlignmentRole:
        if (column == DurationColumn || column == EtaColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case JobIdRole:
        return job.id;
    case StatusRole:
        return static_cast<int>(job.status);
    case KindRole:
        return job.kind;
    case ProgressRole:
        return job.progress ? QVariant(*job.progress) : QVariant();
    case CancelRequestedRole:
        return job.cancelRequested;
    }
    return {};
}

QVariant JobTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IdColumn:
        return tr("Id");
    case KindColumn:
        return tr("Kind");
    case StatusColumn:
        return tr("Status");
    case ProgressColumn:
        return tr("Progress");
    case MessageColumn:
        return tr("Message");
    case SubmittedColumn:
        return tr("Submitted");
    case DurationColumn:
        return tr("Duration");
    case EtaColumn:
        return tr("ETA");
    }
    return {};
}

int JobTableModel::compare(int leftRow, int rightRow, int column) const
{
    const Job &a = jobAt(leftRow);
    const Job &b = jobAt(rightRow);
    switch (column) {
    case IdColumn:
        return a.id.compare(b.id);
    case KindColumn:
        return a.kind.compare(b.kind);
    case StatusColumn:
        return threeWay(statusRank(a.status), statusRank(b.status));
    case ProgressColumn:
        return threeWay(a.progress.value_or(-1.0), b.progress.value_or(-1.0));
    case MessageColumn:
        return a.message.compare(b.message, Qt::CaseInsensitive);
    case SubmittedColumn:
        return threeWay(a.createdAtMs, b.createdAtMs);
    case DurationColumn: {
        const qint64 t = now();
        return threeWay(jobDurationMs(a, t), jobDurationMs(b, t));
    }
    case EtaColumn: {
        const qint64 t = now();
        return threeWay(remainingSeconds(a, t).value_or(-1.0),
                        remainingSeconds(b, t).value_or(-1.0));
    }
    }
    return 0;
}

quint32 JobTableModel::changedColumns(const Job &before, const Job &after)
{
    quint32 mask = 0;
    if (before.kind != after.kind)
        mask |= bit(KindColumn);
    if (before.status != after.status || before.cancelRequested != after.cancelRequested ||
        before.deadLetter != after.deadLetter || before.attempt != after.attempt ||
        before.maxAttempts != after.maxAttempts)
        mask |= bit(StatusColumn) | bit(ProgressColumn);
    if (before.progress != after.progress)
        mask |= bit(ProgressColumn);
    if (before.message != after.message || !(before.error == after.error))
        mask |= bit(MessageColumn);
    if (before.createdAtMs != after.createdAtMs)
        mask |= bit(SubmittedColumn);
    if (before.startedAtMs != after.startedAtMs || before.finishedAtMs != after.finishedAtMs ||
        before.status != after.status)
        mask |= bit(DurationColumn);
    if (before.etaS != after.etaS || before.status != after.status)
        mask |= bit(EtaColumn);
    // A change no column shows (params, priority, result...) still has to
    // reach views that show the whole job, such as the details pane.
    if (mask == 0)
        mask = bit(IdColumn);
    return mask;
}

void JobTableModel::count(const Job &job, int delta)
{
    m_counts[static_cast<size_t>(job.status)] += delta;
}

void JobTableModel::applyBatch(const QList<Job> &jobs, const QStringList &deletedIds)
{
    bool countsMoved = false;
    bool kindsGrew = false;
    bool anything = false;

    if (!deletedIds.isEmpty()) {
        std::vector<int> rows;
        rows.reserve(static_cast<size_t>(deletedIds.size()));
        for (const QString &id : deletedIds) {
            const int row = rowOf(id);
            if (row >= 0)
                rows.push_back(row);
        }
        if (!rows.empty()) {
            removeJobRows(std::move(rows));
            countsMoved = anything = true;
        }
    }

    // Changes are applied run by run (adjacent rows with the same changed
    // columns), each run followed at once by its dataChanged: a sorting proxy
    // re-inserts a changed row by binary search, which is only right if no
    // other row changed behind its back.
    std::vector<std::pair<int, int>> updates; // (row, index in jobs)
    QList<Job> added;
    QHash<QString, int> addedIndex; // a job may appear twice in one batch
    for (int i = 0; i < jobs.size(); ++i) {
        const Job &incoming = jobs[i];
        const int row = rowOf(incoming.id);
        if (row >= 0) {
            if (incoming.rev > jobAt(row).rev)
                updates.emplace_back(row, i);
            continue;
        }
        if (const auto it = addedIndex.constFind(incoming.id); it != addedIndex.cend()) {
            Job &pending = added[*it];
            if (incoming.rev > pending.rev)
                pending = incoming;
            continue;
        }
        addedIndex.insert(incoming.id, static_cast<int>(added.size()));
        added.append(incoming);
    }

    if (!updates.empty()) {
        // By row; of several revs of one job, only the newest.
        std::sort(updates.begin(), updates.end(), [&jobs](const auto &a, const auto &b) {
            return a.first != b.first ? a.first < b.first : jobs[a.second].rev > jobs[b.second].rev;
        });
        updates.erase(std::unique(updates.begin(), updates.end(),
                                  [](const auto &a, const auto &b) { return a.first == b.first; }),
                      updates.end());
        std::vector<quint32> masks(updates.size());
        for (size_t i = 0; i < updates.size(); ++i)
            masks[i] = changedColumns(jobAt(updates[i].first), jobs[updates[i].second]);

        size_t runStart = 0;
        for (size_t i = 1; i <= updates.size(); ++i) {
            const bool runEnds = i == updates.size() ||
                                 updates[i].first != updates[i - 1].first + 1 ||
                                 masks[i] != masks[runStart];
            if (!runEnds)
                continue;
            for (size_t k = runStart; k < i; ++k) {
                Job &current = m_jobs[static_cast<size_t>(updates[k].first)];
                const Job &incoming = jobs[updates[k].second];
                if (current.status != incoming.status) {
                    count(current, -1);
                    count(incoming, +1);
                    countsMoved = true;
                }
                current = incoming;
            }
            const quint32 mask = masks[runStart];
            Q_EMIT dataChanged(index(updates[runStart].first, qCountTrailingZeroBits(mask)),
                               index(updates[i - 1].first, 31 - qCountLeadingZeroBits(mask)));
            runStart = i;
        }
        anything = true;
    }

    if (!added.isEmpty()) {
        const int first = static_cast<int>(m_jobs.size());
        beginInsertRows({}, first, first + static_cast<int>(added.size()) - 1);
        for (Job &job : added) {
            m_rowById.insert(job.id, static_cast<int>(m_jobs.size()));
            count(job, +1);
            if (!m_kinds.contains(job.kind)) {
                m_kinds.insert(job.kind);
                kindsGrew = true;
            }
            m_jobs.push_back(std::move(job));
        }
        endInsertRows();
        countsMoved = anything = true;
    }

    if (kindsGrew)
        Q_EMIT kindsChanged();
    if (countsMoved)
        Q_EMIT countsChanged();
    if (anything)
        Q_EMIT batchApplied();
}

void JobTableModel::removeJobRows(std::vector<int> rows)
{
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    // From the bottom up, one signal per run of adjacent rows, so indexes of
    // the runs still to remove stay valid.
    size_t end = rows.size();
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && rows[start - 1] == rows[start] - 1)
            --start;
        const int first = rows[start];
        const int last = rows[end - 1];
        beginRemoveRows({}, first, last);
        for (int r = first; r <= last; ++r) {
            count(m_jobs[static_cast<size_t>(r)], -1);
            m_rowById.remove(m_jobs[static_cast<size_t>(r)].id);
        }
        m_jobs.erase(m_jobs.begin() + first, m_jobs.begin() + last + 1);
        endRemoveRows();
        end = start;
    }
    // One pass for the whole batch: purges come in bulk from retention.
    for (size_t r = static_cast<size_t>(rows.front()); r < m_jobs.size(); ++r)
        m_rowById[m_jobs[r].id] = static_cast<int>(r);
}

void JobTableModel::clear()
{
    beginResetModel();
    m_jobs.clear();
    m_rowById.clear();
    m_counts.fill(0);
    m_kinds.clear();
    endResetModel();
    Q_EMIT kindsChanged();
    Q_EMIT countsChanged();
}

} // namespace jobdesk
