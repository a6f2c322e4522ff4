#pragma once

#include "apierror.h"
#include "store/jobstore.h"

#include <QString>

namespace jobdesk {

/// What `GET /api/v1/jobs` asks for: a filtered page, newest first, or the
/// change feed after a rev (`changed_since`), oldest first.
struct JobsQuery
{
    bool changeFeed = false;
    ListQuery list;          // when !changeFeed
    qint64 changedSince = 0; // when changeFeed
    int changeLimit = 50;    // when changeFeed
};

/// Reads the query string of `GET /api/v1/jobs` (percent-encoded, without
/// the '?'): `status=A,B` (repeatable), `kind`, `dead_letter=true|false`,
/// `limit` (1..1000), `cursor`; or `changed_since` with `limit` only.
/// Unknown parameters and bad values are one invalid_request (400) naming
/// every offending field.
Result<JobsQuery> parseJobsQuery(const QString &query);

/// The longest long poll, seconds (`?wait=N`, N <= 60).
inline constexpr int kMaxWaitS = 60;

/// Reads the query string of `GET /api/v1/jobs/{id}`: nothing, or
/// `wait=N` with N an integer from 0 to 60 (0: answer at once). Anything
/// else is an invalid_request (400) naming the parameter.
Result<int> parseJobWait(const QString &query);

} // namespace jobdesk
