#include "jobfilterproxy.h"

#include "jobpresentation.h"
#include "jobtablemodel.h"

#include <algorithm>

namespace jobdesk {

JobFilterProxy::JobFilterProxy(QObject *parent)
    : QAbstractProxyModel(parent)
{
}

// ---------------------------------------------------------------------------
// Source model and structure
// ---------------------------------------------------------------------------

void JobFilterProxy::setSourceModel(QAbstractItemModel *model)
{
    auto *jobs = qobject_cast<JobTableModel *>(model);
    Q_ASSERT_X(model == nullptr || jobs, "JobFilterProxy", "the source must be a JobTableModel");

    beginResetModel();
    if (m_jobs)
        disconnect(m_jobs, nullptr, this, nullptr);
    m_jobs = jobs;
    QAbstractProxyModel::setSourceModel(jobs);
    if (m_jobs) {
        connect(m_jobs, &QAbstractItemModel::dataChanged, this, &JobFilterProxy::onDataChanged);
        connect(m_jobs, &QAbstractItemModel::rowsAboutToBeInserted, this,
                &JobFilterProxy::onRowsAboutToBeInserted);
        connect(m_jobs, &QAbstractItemModel::rowsInserted, this, &JobFilterProxy::onRowsInserted);
        connect(m_jobs, &QAbstractItemModel::rowsAboutToBeRemoved, this,
                &JobFilterProxy::onRowsAboutToBeRemoved);
        connect(m_jobs, &QAbstractItemModel::rowsRemoved, this, &JobFilterProxy::onRowsRemoved);
        connect(m_jobs, &QAbstractItemModel::modelAboutToBeReset, this,
                &JobFilterProxy::beginResetModel);
        connect(m_jobs, &QAbstractItemModel::modelReset, this, &JobFilterProxy::onSourceReset);
        // The model never reorders rows, but honour the signal all the same.
        connect(m_jobs, &QAbstractItemModel::layoutAboutToBeChanged, this,
                &JobFilterProxy::beginResetModel);
        connect(m_jobs, &QAbstractItemModel::layoutChanged, this, &JobFilterProxy::onSourceReset);
        connect(m_jobs, &JobTableModel::batchApplied, this, &JobFilterProxy::settle);
    }
    rebuildMapping();
    endResetModel();
}

void JobFilterProxy::onSourceReset()
{
    rebuildMapping();
    endResetModel();
}

void JobFilterProxy::rebuildMapping()
{
    const int rows = m_jobs ? m_jobs->rowCount() : 0;
    m_visible.clear();
    m_dirty.clear();
    m_marks.assign(static_cast<size_t>(rows), Clean);
    m_proxyRow.assign(static_cast<size_t>(rows), -1);
    for (int r = 0; r < rows; ++r) {
        if (accepts(r))
            m_visible.push_back(r);
    }
    if (m_sortColumn >= 0) {
        std::stable_sort(m_visible.begin(), m_visible.end(),
                         [this](int a, int b) { return sortsBefore(a, b); });
    }
    for (size_t p = 0; p < m_visible.size(); ++p)
        m_proxyRow[static_cast<size_t>(m_visible[p])] = static_cast<int>(p);
}

QModelIndex JobFilterProxy::mapToSource(const QModelIndex &proxyIndex) const
{
    if (!m_jobs || !proxyIndex.isValid() || proxyIndex.model() != this)
        return {};
    return m_jobs->index(m_visible[static_cast<size_t>(proxyIndex.row())], proxyIndex.column());
}

QModelIndex JobFilterProxy::mapFromSource(const QModelIndex &sourceIndex) const
{
    if (!m_jobs || !sourceIndex.isValid() || sourceIndex.model() != m_jobs)
        return {};
    const int row = m_proxyRow[static_cast<size_t>(sourceIndex.row())];
    return row < 0 ? QModelIndex() : createIndex(row, sourceIndex.column());
}

QModelIndex JobFilterProxy::index(int row, int column, const QModelIndex &parent) const
{
    if (parent.isValid() || row < 0 || column < 0 || row >= rowCount() || column >= columnCount())
        return {};
    return createIndex(row, column);
}

QModelIndex JobFilterProxy::parent(const QModelIndex &) const
{
    return {};
}

QModelIndex JobFilterProxy::sibling(int row, int column, const QModelIndex &) const
{
    return index(row, column);
}

int JobFilterProxy::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_visible.size());
}

int JobFilterProxy::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_jobs ? 0 : m_jobs->columnCount();
}

bool JobFilterProxy::hasChildren(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_visible.empty();
}

QVariant JobFilterProxy::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (!m_jobs)
        return {};
    if (orientation == Qt::Horizontal)
        return m_jobs->headerData(section, orientation, role);
    if (role == Qt::DisplayRole && section >= 0 && section < rowCount())
        return section + 1;
    return {};
}

// ---------------------------------------------------------------------------
// Filtering and order
// ---------------------------------------------------------------------------

bool JobFilterProxy::accepts(int sourceRow) const
{
    const Job &job = m_jobs->jobAt(sourceRow);
    if (m_statusMask && !(m_statusMask & (1u << static_cast<int>(job.status))))
        return false;
    if (!m_kind.isEmpty() && job.kind != m_kind)
        return false;
    if (m_deadLetterOnly && !job.deadLetter)
        return false;
    return m_text.isEmpty() || jobSearchText(job).contains(m_text);
}

bool JobFilterProxy::sortsBefore(int left, int right) const
{
    if (m_sortColumn < 0)
        return left < right;
    int c = m_jobs->compare(left, right, m_sortColumn);
    // Ties fall back to submission order, then id: a total order keeps rows
    // from trading places when something unrelated changes.
    if (c == 0)
        c = m_jobs->compare(left, right, JobTableModel::SubmittedColumn);
    if (c == 0)
        c = m_jobs->jobAt(left).id.compare(m_jobs->jobAt(right).id);
    if (c == 0)
        c = left < right ? -1 : (left > right ? 1 : 0);
    return m_sortOrder == Qt::AscendingOrder ? c < 0 : c > 0;
}

void JobFilterProxy::sort(int column, Qt::SortOrder order)
{
    if (column >= columnCount())
        column = -1;
    if (column == m_sortColumn && order == m_sortOrder)
        return;
    settle();
    m_sortColumn = column;
    m_sortOrder = order;

    Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList before = persistentIndexList();
    std::vector<int> sourceRows;
    sourceRows.reserve(static_cast<size_t>(before.size()));
    for (const QModelIndex &i : before)
        sourceRows.push_back(m_visible[static_cast<size_t>(i.row())]);

    std::stable_sort(m_visible.begin(), m_visible.end(),
                     [this](int a, int b) { return sortsBefore(a, b); });
    for (size_t p = 0; p < m_visible.size(); ++p)
        m_proxyRow[static_cast<size_t>(m_visible[p])] = static_cast<int>(p);

    QModelIndexList after;
    after.reserve(before.size());
    for (qsizetype i = 0; i < before.size(); ++i)
        after.append(
            createIndex(m_proxyRow[static_cast<size_t>(sourceRows[static_cast<size_t>(i)])],
                        before[i].column()));
    changePersistentIndexList(before, after);
    Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

void JobFilterProxy::setStatusFilter(const QList<JobStatus> &statuses)
{
    quint32 mask = 0;
    for (JobStatus s : statuses)
        mask |= 1u << static_cast<int>(s);
    if (mask == m_statusMask)
        return;
    m_statusMask = mask;
    refilterAll();
}

QList<JobStatus> JobFilterProxy::statusFilter() const
{
    QList<JobStatus> out;
    for (JobStatus s : kAllStatuses) {
        if (m_statusMask & (1u << static_cast<int>(s)))
            out.append(s);
    }
    return out;
}

void JobFilterProxy::setKindFilter(const QString &kind)
{
    if (kind == m_kind)
        return;
    m_kind = kind;
    refilterAll();
}

void JobFilterProxy::setTextFilter(const QString &text)
{
    const QString lowered = text.trimmed().toLower();
    if (lowered == m_text)
        return;
    m_text = lowered;
    refilterAll();
}

void JobFilterProxy::setDeadLetterFilter(bool deadLetterOnly)
{
    if (deadLetterOnly == m_deadLetterOnly)
        return;
    m_deadLetterOnly = deadLetterOnly;
    refilterAll();
}

void JobFilterProxy::refilterAll()
{
    if (!m_jobs)
        return;
    // Through settle(), not a reset: the rows still shown keep their
    // selection and the view its scroll position.
    for (int r = 0, n = m_jobs->rowCount(); r < n; ++r)
        markDirty(r, false);
    m_dirtyFirstColumn = 0;
    m_dirtyLastColumn = columnCount() - 1;
    settle();
}

// ---------------------------------------------------------------------------
// Changes
// ---------------------------------------------------------------------------

void JobFilterProxy::markDirty(int sourceRow, bool sortKeyChanged)
{
    quint8 &mark = m_marks[static_cast<size_t>(sourceRow)];
    if (mark == Clean)
        m_dirty.push_back(sourceRow);
    if (sortKeyChanged)
        mark = DirtySortKey;
    else if (mark == Clean)
        mark = Dirty;
}

void JobFilterProxy::onDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight)
{
    if (!topLeft.isValid() || topLeft.parent().isValid())
        return;
    const bool sortKey = m_sortColumn >= topLeft.column() && m_sortColumn <= bottomRight.column();
    if (m_dirty.empty()) {
        m_dirtyFirstColumn = topLeft.column();
        m_dirtyLastColumn = bottomRight.column();
    } else {
        m_dirtyFirstColumn = std::min(m_dirtyFirstColumn, topLeft.column());
        m_dirtyLastColumn = std::max(m_dirtyLastColumn, bottomRight.column());
    }
    for (int r = topLeft.row(); r <= bottomRight.row(); ++r)
        markDirty(r, sortKey);
}

void JobFilterProxy::settle()
{
    if (m_dirty.empty())
        return;
    std::vector<int> entering; // source rows that start to match
    std::vector<int> moving;   // source rows to place anew (entering ones included)
    int leaving = 0;
    std::vector<int> changed; // source rows shown before and after
    for (int s : m_dirty) {
        quint8 &mark = m_marks[static_cast<size_t>(s)];
        const bool shown = m_proxyRow[static_cast<size_t>(s)] >= 0;
        const bool accepted = accepts(s);
        if (shown && !accepted) {
            mark = Leaving;
            ++leaving;
        } else if (!shown && accepted) {
            entering.push_back(s);
            mark = Moving;
        } else if (shown) {
            changed.push_back(s);
            mark = mark == DirtySortKey && m_sortColumn >= 0 ? Moving : Clean;
            if (mark == Moving)
                moving.push_back(s);
        } else {
            mark = Clean;
        }
    }
    m_dirty.clear();

    // 1. Rows that start to match are appended...
    if (!entering.empty()) {
        const int first = rowCount();
        beginInsertRows({}, first, first + static_cast<int>(entering.size()) - 1);
        for (int s : entering) {
            m_proxyRow[static_cast<size_t>(s)] = static_cast<int>(m_visible.size());
            m_visible.push_back(s);
        }
        endInsertRows();
        moving.insert(moving.end(), entering.begin(), entering.end());
    }

    // 2. ...then one layout change merges the moved rows into the others and
    // sends the leaving ones to the end...
    if (!moving.empty() || leaving > 0) {
        Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
        const QModelIndexList before = persistentIndexList();
        std::vector<int> persistentSource;
        persistentSource.reserve(static_cast<size_t>(before.size()));
        for (const QModelIndex &i : before)
            persistentSource.push_back(m_visible[static_cast<size_t>(i.row())]);

        std::vector<int> staying;
        std::vector<int> gone;
        staying.reserve(m_visible.size());
        for (int s : m_visible) {
            const quint8 mark = m_marks[static_cast<size_t>(s)];
            if (mark == Clean)
                staying.push_back(s);
            else if (mark == Leaving)
                gone.push_back(s);
        }
        const auto order = [this](int a, int b) { return sortsBefore(a, b); };
        std::sort(moving.begin(), moving.end(), order);
        m_visible.clear();
        std::merge(staying.begin(), staying.end(), moving.begin(), moving.end(),
                   std::back_inserter(m_visible), order);
        m_visible.insert(m_visible.end(), gone.begin(), gone.end());
        for (size_t p = 0; p < m_visible.size(); ++p) {
            const int s = m_visible[p];
            m_proxyRow[static_cast<size_t>(s)] = static_cast<int>(p);
            if (m_marks[static_cast<size_t>(s)] == Moving)
                m_marks[static_cast<size_t>(s)] = Clean;
        }

        QModelIndexList after;
        after.reserve(before.size());
        for (qsizetype i = 0; i < before.size(); ++i) {
            const int s = persistentSource[static_cast<size_t>(i)];
            after.append(createIndex(m_proxyRow[static_cast<size_t>(s)], before[i].column()));
        }
        changePersistentIndexList(before, after);
        Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);

        // 3. ...and leave from there.
        if (leaving > 0) {
            const int last = rowCount() - 1;
            beginRemoveRows({}, last - leaving + 1, last);
            for (int p = last - leaving + 1; p <= last; ++p) {
                const int s = m_visible[static_cast<size_t>(p)];
                m_proxyRow[static_cast<size_t>(s)] = -1;
                m_marks[static_cast<size_t>(s)] = Clean;
            }
            m_visible.resize(m_visible.size() - static_cast<size_t>(leaving));
            endRemoveRows();
        }
    }

    // 4. One dataChanged over the rows still shown that changed in place.
    if (!changed.empty()) {
        int top = rowCount();
        int bottom = -1;
        for (int s : changed) {
            const int p = m_proxyRow[static_cast<size_t>(s)];
            if (p < 0)
                continue;
            top = std::min(top, p);
            bottom = std::max(bottom, p);
        }
        if (bottom >= 0)
            Q_EMIT dataChanged(index(top, m_dirtyFirstColumn), index(bottom, m_dirtyLastColumn));
    }
}

void JobFilterProxy::onRowsAboutToBeInserted()
{
    // Marks hold source rows: apply them before the rows shift.
    settle();
}

void JobFilterProxy::onRowsInserted(const QModelIndex &parent, int first, int last)
{
    if (parent.isValid())
        return;
    const int count = last - first + 1;
    for (int &s : m_visible) {
        if (s >= first)
            s += count;
    }
    m_proxyRow.insert(m_proxyRow.begin() + first, static_cast<size_t>(count), -1);
    m_marks.insert(m_marks.begin() + first, static_cast<size_t>(count), Clean);
    for (int r = first; r <= last; ++r)
        markDirty(r, true);
    m_dirtyFirstColumn = 0;
    m_dirtyLastColumn = columnCount() - 1;
    settle();
}

void JobFilterProxy::onRowsAboutToBeRemoved(const QModelIndex &parent, int first, int last)
{
    if (parent.isValid())
        return;
    settle();
    std::vector<int> rows;
    for (int s = first; s <= last; ++s) {
        const int p = m_proxyRow[static_cast<size_t>(s)];
        if (p >= 0)
            rows.push_back(p);
    }
    std::sort(rows.begin(), rows.end());
    // Bottom up, one removal per run of adjacent proxy rows.
    size_t end = rows.size();
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && rows[start - 1] == rows[start] - 1)
            --start;
        beginRemoveRows({}, rows[start], rows[end - 1]);
        for (size_t i = start; i < end; ++i)
            m_proxyRow[static_cast<size_t>(m_visible[static_cast<size_t>(rows[i])])] = -1;
        m_visible.erase(m_visible.begin() + rows[start], m_visible.begin() + rows[end - 1] + 1);
        for (size_t p = static_cast<size_t>(rows[start]); p < m_visible.size(); ++p)
            m_proxyRow[static_cast<size_t>(m_visible[p])] = static_cast<int>(p);
        endRemoveRows();
        end = start;
    }
}

void JobFilterProxy::onRowsRemoved(const QModelIndex &parent, int first, int last)
{
    if (parent.isValid())
        return;
    const int count = last - first + 1;
    for (int &s : m_visible) {
        if (s > last)
            s -= count;
    }
    m_proxyRow.erase(m_proxyRow.begin() + first, m_proxyRow.begin() + last + 1);
    m_marks.erase(m_marks.begin() + first, m_marks.begin() + last + 1);
}

} // namespace jobdesk
