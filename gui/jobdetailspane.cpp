#include "jobdetailspane.h"

#include "jobpresentation.h"
#include "timeformat.h"

#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QScrollBar>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace jobdesk {

namespace {

QString compact(const QJsonValue &v)
{
    if (v.isString())
        return v.toString();
    if (v.isDouble())
        return QString::number(v.toDouble(), 'g', 15);
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (v.isNull() || v.isUndefined())
        return QStringLiteral("null");
    if (v.isObject())
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
}

QString yesNo(bool b)
{
    return b ? QObject::tr("yes") : QObject::tr("no");
}

} // namespace

QString timelineDetails(const QJsonObject &event)
{
    QStringList parts;
    if (event.contains(QStringLiteral("to"))) {
        const QString from = event.value(QStringLiteral("from")).toString();
        const QString to = event.value(QStringLiteral("to")).toString();
        parts << (from.isEmpty() ? to : QStringLiteral("%1 → %2").arg(from, to));
    }
    const QJsonValue error = event.value(QStringLiteral("error"));
    if (error.isObject()) {
        const QJsonObject e = error.toObject();
        parts << QStringLiteral("%1: %2").arg(e.value(QStringLiteral("code")).toString(),
                                              e.value(QStringLiteral("message")).toString());
    }
    for (auto it = event.begin(); it != event.end(); ++it) {
        static const QStringList shown = {QStringLiteral("seq"),  QStringLiteral("at"),
                                          QStringLiteral("type"), QStringLiteral("from"),
                                          QStringLiteral("to"),   QStringLiteral("error")};
        if (!shown.contains(it.key()))
            parts << QStringLiteral("%1: %2").arg(it.key(), compact(it.value()));
    }
    return parts.join(QStringLiteral(" · "));
}

JobDetailsPane::JobDetailsPane(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("detailsTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setContentsMargins(4, 4, 4, 2);
    layout->addWidget(m_title);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    m_fields = new QTreeWidget(splitter);
    m_fields->setObjectName(QStringLiteral("detailsFields"));
    m_fields->setColumnCount(2);
    m_fields->setHeaderLabels({tr("Field"), tr("Value")});
    m_fields->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_fields->setRootIsDecorated(false);
    m_fields->setWordWrap(true);
    m_fields->setUniformRowHeights(false);
    m_fields->setSelectionMode(QAbstractItemView::SingleSelection);

    m_timeline = new QTreeWidget(splitter);
    m_timeline->setObjectName(QStringLiteral("detailsTimeline"));
    m_timeline->setColumnCount(3);
    m_timeline->setHeaderLabels({tr("When"), tr("Event"), tr("Details")});
    m_timeline->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_timeline->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_timeline->setRootIsDecorated(false);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    layout->addWidget(splitter, 1);
    showJob(nullptr);
}

void JobDetailsPane::addSection(const QString &title)
{
    auto *item = new QTreeWidgetItem(m_fields, {title});
    QFont bold = item->font(0);
    bold.setBold(true);
    item->setFont(0, bold);
    item->setFirstColumnSpanned(true);
    item->setFlags(Qt::ItemIsEnabled);
}

QTreeWidgetItem *JobDetailsPane::addRow(const QString &name, const QString &value,
                                        const QString &toolTip)
{
    // Rows are top-level items after their section's header: no indentation
    // wasted in a narrow pane.
    auto *item = new QTreeWidgetItem(m_fields, {name, value});
    item->setToolTip(1, toolTip.isEmpty() ? value : toolTip);
    return item;
}

void JobDetailsPane::showJob(const Job *job)
{
    const int scroll = m_fields->verticalScrollBar()->value();
    const bool sameJob = job && job->id == m_jobId;
    m_fields->clear();
    if (!job) {
        m_jobId.clear();
        m_title->setText(tr("No job selected"));
        m_timeline->clear();
        return;
    }
    if (!sameJob)
        m_timeline->clear();
    m_jobId = job->id;
    const qint64 now = nowMs();
    m_title->setText(
        QStringLiteral("%1 · %2 · %3").arg(job->kind, shortJobId(job->id), statusLabel(*job)));

    addSection(tr("Job"));
    addRow(tr("Id"), job->id);
    addRow(tr("Kind"), job->kind);
    QTreeWidgetItem *status = addRow(tr("Status"), statusTitle(job->status));
    status->setIcon(1, statusIcon(job->status));
    status->setForeground(1, statusColor(job->status));
    addRow(tr("Progress"), job->progress ? QStringLiteral("%1%").arg(*job->progress, 0, 'f', 1)
                                         : tr("indeterminate"));
    if (!job->message.isEmpty())
        addRow(tr("Message"), job->message);
    if (const auto left = remainingSeconds(*job, now))
        addRow(tr("ETA"), formatDuration(qint64(*left * 1000)));
    addRow(tr("Priority"), QString::number(job->priority));
    addRow(tr("Attempt"), tr("%1 of %2").arg(job->attempt).arg(job->maxAttempts));
    addRow(tr("Timeout"), formatDuration(qint64(job->timeoutS) * 1000));
    if (job->nextAttemptAtMs > 0)
        addRow(tr("Next attempt"), formatWhenPrecise(job->nextAttemptAtMs));
    addRow(tr("Cancel requested"), yesNo(job->cancelRequested));
    addRow(tr("Dead letter"), yesNo(job->deadLetter));
    addRow(tr("Created"), formatWhenPrecise(job->createdAtMs));
    addRow(tr("Started"), formatWhenPrecise(job->startedAtMs));
    addRow(tr("Updated"), formatWhenPrecise(job->updatedAtMs));
    addRow(tr("Finished"), formatWhenPrecise(job->finishedAtMs));
    if (job->startedAtMs > 0)
        addRow(tr("Duration"), formatDuration(jobDurationMs(*job, now)));
    addRow(tr("Revision"), QString::number(job->rev));

    addSection(tr("Parameters"));
    if (job->params.isEmpty())
        addRow(tr("(none)"), QString());
    for (auto it = job->params.begin(); it != job->params.end(); ++it)
        addRow(it.key(), compact(it.value()));

    if (job->error) {
        addSection(tr("Error"));
        addRow(tr("Code"), job->error->code);
        addRow(tr("Message"), job->error->message)
            ->setForeground(1, statusColor(JobStatus::Failed));
    }
    if (job->result) {
        addSection(tr("Result"));
        addRow(tr("File"), job->result->filename);
        addRow(tr("Type"), job->result->contentType);
        addRow(tr("Size"), formatBytes(job->result->size), tr("%1 bytes").arg(job->result->size));
        addRow(tr("SHA-256"), job->result->sha256);
    }
    if (sameJob)
        m_fields->verticalScrollBar()->setValue(scroll);
}

void JobDetailsPane::showTimeline(const QString &jobId, const QJsonArray &items)
{
    if (jobId != m_jobId)
        return;
    const int scroll = m_timeline->verticalScrollBar()->value();
    m_timeline->clear();
    for (const QJsonValue &v : items) {
        const QJsonObject e = v.toObject();
        const qint64 at = parseTimestamp(e.value(QStringLiteral("at")).toString());
        auto *item = new QTreeWidgetItem(m_timeline, {formatWhenPrecise(at).mid(11),
                                                      e.value(QStringLiteral("type")).toString(),
                                                      timelineDetails(e)});
        item->setToolTip(0, formatWhenPrecise(at));
        item->setToolTip(2, item->text(2));
        const auto to = statusFromName(e.value(QStringLiteral("to")).toString());
        if (to) {
            item->setIcon(1, statusIcon(*to));
        }
    }
    m_timeline->verticalScrollBar()->setValue(scroll);
}

void JobDetailsPane::showTimelineError(const QString &jobId, const QString &message)
{
    if (jobId != m_jobId)
        return;
    m_timeline->clear();
    new QTreeWidgetItem(m_timeline, {QString(), tr("unavailable"), message});
}

} // namespace jobdesk
