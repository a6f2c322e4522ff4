#include "statsseries.h"

#include "durationquantile.h"
#include "timeformat.h"

#include <QJsonArray>
#include <cmath>

namespace jobdesk {

namespace {

QJsonValue quantileOrNull(const DurationBuckets &buckets, double q)
{
    const std::optional<double> s = durationQuantileS(buckets, q);
    // Milliseconds are the resolution of the data.
    return s ? QJsonValue(std::round(*s * 1000.0) / 1000.0) : QJsonValue(QJsonValue::Null);
}

QJsonObject kindJson(const KindMinuteCounts &k)
{
    QJsonArray buckets;
    for (qint64 n : k.durationBuckets)
        buckets.append(n);
    const qint64 ended = k.completed + k.failed;
    return QJsonObject{
        {QStringLiteral("kind"), k.kind},
        {QStringLiteral("submitted"), k.submitted},
        {QStringLiteral("completed"), k.completed},
        {QStringLiteral("failed"), k.failed},
        {QStringLiteral("cancelled"), k.cancelled},
        {QStringLiteral("failure_rate"),
         ended > 0 ? QJsonValue(std::round(10000.0 * double(k.failed) / double(ended)) / 10000.0)
                   : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("duration"),
         QJsonObject{{QStringLiteral("count"), k.durationCount()},
                     {QStringLiteral("sum_s"), double(k.durationSumMs) / 1000.0},
                     {QStringLiteral("p50_s"), quantileOrNull(k.durationBuckets, 0.5)},
                     {QStringLiteral("p95_s"), quantileOrNull(k.durationBuckets, 0.95)},
                     {QStringLiteral("buckets"), buckets}}},
    };
}

} // namespace

QJsonObject statsSeriesJson(const StatsRange &range, const AggregateRange &aggregates, qint64 nowMs)
{
    QJsonArray series;
    qint64 queueDepth = aggregates.gaugesBefore ? aggregates.gaugesBefore->queueDepth : 0;
    qint64 busy = aggregates.gaugesBefore ? aggregates.gaugesBefore->busyWorkers : 0;
    auto row = aggregates.steps.cbegin();
    const int steps = range.stepCount();
    for (int i = 0; i < steps; ++i) {
        const qint64 start = range.fromMs + qint64(i) * range.stepMs;
        if (start > nowMs)
            break; // nothing is known about the future, not even that it is empty
        while (row != aggregates.steps.cend() && row->startMs < start)
            ++row;
        const bool hasRow = row != aggregates.steps.cend() && row->startMs == start;
        AggregateStep step;
        if (hasRow)
            step = *row;
        qint64 stepQueue = queueDepth;
        qint64 stepBusy = busy;
        if (step.hasGauges) {
            stepQueue = step.queueDepthPeak;
            stepBusy = step.busyPeak;
            queueDepth = step.queueDepthLast;
            busy = step.busyLast;
        }
        series.append(QJsonObject{
            {QStringLiteral("t"), formatTimestamp(start)},
            {QStringLiteral("submitted"), step.submitted},
            {QStringLiteral("completed"), step.completed},
            {QStringLiteral("failed"), step.failed},
            {QStringLiteral("cancelled"), step.cancelled},
            {QStringLiteral("queue_depth"), stepQueue},
            {QStringLiteral("busy"), stepBusy},
        });
    }

    QJsonArray kinds;
    for (const KindMinuteCounts &k : aggregates.kinds)
        kinds.append(kindJson(k));
    QJsonArray bounds;
    for (double b : kJobDurationBoundsS)
        bounds.append(b);

    return QJsonObject{
        {QStringLiteral("from"), formatTimestamp(range.fromMs)},
        {QStringLiteral("to"), formatTimestamp(range.toMs)},
        {QStringLiteral("step_s"), range.stepMs / 1000},
        {QStringLiteral("series"), series},
        {QStringLiteral("kinds"), kinds},
        {QStringLiteral("duration_buckets_s"), bounds},
    };
}

QJsonObject statsTotalsJson(const AggregateRange &aggregates)
{
    qint64 submitted = 0, completed = 0, failed = 0, cancelled = 0;
    for (const KindMinuteCounts &k : aggregates.kinds) {
        submitted += k.submitted;
        completed += k.completed;
        failed += k.failed;
        cancelled += k.cancelled;
    }
    return QJsonObject{{QStringLiteral("submitted"), submitted},
                       {QStringLiteral("completed"), completed},
                       {QStringLiteral("failed"), failed},
                       {QStringLiteral("cancelled"), cancelled}};
}

} // namespace jobdesk
