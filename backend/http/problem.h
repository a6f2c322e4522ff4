#pragma once

#include "apierror.h"
#include "httpmessage.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace jobdesk {

/// The `type` URI of every Jobdesk problem: a fixed prefix plus the error's
/// wire name, e.g. "https://jobdesk.dev/problems/invalid_params".
QString problemType(const QString &code);

/// An RFC 9457 problem body: `type`, `title`, `status`, `detail`, `code`
/// (the wire name, as ZeroMQ replies carry it) and, when there are any,
/// `errors` as a list of {"field", "message"}.
QByteArray problemBody(int status, const QString &code, const QString &title, const QString &detail,
                       const QList<FieldError> &errors = {});

/// An error answer as `application/problem+json`; an ApiError with
/// retryAfterS > 0 also sets `Retry-After`.
HttpResponse problemResponse(const ApiError &error);
/// For statuses the ApiError vocabulary does not cover (405, 431, ...).
HttpResponse problemResponse(int status, const QString &code, const QString &title,
                             const QString &detail);

} // namespace jobdesk
