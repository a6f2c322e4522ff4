#include "jobsquery.h"

#include "reliability.h"

#include <QStringList>
#include <QUrlQuery>

namespace jobdesk {

namespace {

const QString kStatus = QStringLiteral("status");
const QString kKind = QStringLiteral("kind");
const QString kDeadLetter = QStringLiteral("dead_letter");
const QString kLimit = QStringLiteral("limit");
const QString kCursor = QStringLiteral("cursor");
const QString kChangedSince = QStringLiteral("changed_since");

int readLimit(const QString &text, QList<FieldError> &errors)
{
    bool ok = false;
    const int limit = text.toInt(&ok);
    if (!ok || limit < 1 || limit > reliability::kMaxListLimit) {
        errors.append(
            {kLimit,
             QStringLiteral("must be an integer from 1 to %1").arg(reliability::kMaxListLimit)});
        return reliability::kDefaultListLimit;
    }
    return limit;
}

QList<JobStatus> readStatuses(const QStringList &values, QList<FieldError> &errors)
{
    QList<JobStatus> statuses;
    for (const QString &value : values) {
        for (const QString &name : value.split(QLatin1Char(','))) {
            const QString trimmed = name.trimmed();
            const std::optional<JobStatus> status = statusFromName(trimmed.toUpper());
            if (!status) {
                errors.append({kStatus, QStringLiteral("\"%1\" is not a job status").arg(trimmed)});
                continue;
            }
            if (!statuses.contains(*status))
                statuses.append(*status);
        }
    }
    return statuses;
}

} // namespace

Result<JobsQuery> parseJobsQuery(const QString &query)
{
    static const QStringList known = {kStatus, kKind, kDeadLetter, kLimit, kCursor, kChangedSince};
    const QUrlQuery items(query);
    QList<FieldError> errors;
    QStringList seen;
    QStringList statusValues;
    for (const auto &[key, value] : items.queryItems(QUrl::FullyDecoded)) {
        if (!known.contains(key)) {
            errors.append({key, QStringLiteral("is not a parameter of this request")});
            continue;
        }
        if (key == kStatus) {
            statusValues.append(value);
            continue;
        }
        if (seen.contains(key)) {
            errors.append({key, QStringLiteral("is given more than once")});
            continue;
        }
        seen.append(key);
    }
    const auto value = [&items](const QString &key) {
        return items.queryItemValue(key, QUrl::FullyDecoded);
    };

    JobsQuery result;
    if (items.hasQueryItem(kChangedSince)) {
        result.changeFeed = true;
        bool ok = false;
        result.changedSince = value(kChangedSince).toLongLong(&ok);
        if (!ok || result.changedSince < 0)
            errors.append(
                {kChangedSince, QStringLiteral("must be a rev: an integer of 0 or more")});
        for (const QString &key : {kStatus, kKind, kDeadLetter, kCursor}) {
            if (items.hasQueryItem(key))
                errors.append({key, QStringLiteral("cannot be combined with changed_since")});
        }
        result.changeLimit = items.hasQueryItem(kLimit) ? readLimit(value(kLimit), errors)
                                                        : reliability::kDefaultListLimit;
    } else {
        ListQuery &list = result.list;
        list.statuses = readStatuses(statusValues, errors);
        list.kind = value(kKind);
        if (items.hasQueryItem(kDeadLetter)) {
            const QString flag = value(kDeadLetter);
            if (flag == QLatin1String("true"))
                list.deadLetter = true;
            else if (flag == QLatin1String("false"))
                list.deadLetter = false;
            else
                errors.append({kDeadLetter, QStringLiteral("must be true or false")});
        }
        list.limit = items.hasQueryItem(kLimit) ? readLimit(value(kLimit), errors)
                                                : reliability::kDefaultListLimit;
        list.cursor = value(kCursor);
    }

    if (!errors.isEmpty()) {
        ApiError error = ApiError::make(ErrorCode::InvalidRequest,
                                        QStringLiteral("the query string is invalid"));
        error.fieldErrors = errors;
        return error;
    }
    return result;
}

Result<int> parseJobWait(const QString &query)
{
    const QUrlQuery items(query);
    QList<FieldError> errors;
    int wait = 0;
    bool seen = false;
    for (const auto &[key, value] : items.queryItems(QUrl::FullyDecoded)) {
        if (key != QLatin1String("wait")) {
            errors.append({key, QStringLiteral("is not a parameter of this request")});
            continue;
        }
        if (seen) {
            errors.append({key, QStringLiteral("is given more than once")});
            continue;
        }
        seen = true;
        bool ok = false;
        wait = value.toInt(&ok);
        if (!ok || wait < 0 || wait > kMaxWaitS)
            errors.append({key, QStringLiteral("must be an integer from 0 to %1 (seconds)")
                                    .arg(kMaxWaitS)});
    }
    if (!errors.isEmpty()) {
        ApiError error = ApiError::make(ErrorCode::InvalidRequest,
                                        QStringLiteral("the query string is invalid"));
        error.fieldErrors = errors;
        return error;
    }
    return wait;
}

} // namespace jobdesk
