#include "apierror.h"

namespace jobdesk {

QString errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidRequest: return QStringLiteral("invalid_request");
    case ErrorCode::Unauthorized: return QStringLiteral("unauthorized");
    case ErrorCode::NotFound: return QStringLiteral("not_found");
    case ErrorCode::Conflict: return QStringLiteral("conflict");
    case ErrorCode::Gone: return QStringLiteral("gone");
    case ErrorCode::TooLarge: return QStringLiteral("too_large");
    case ErrorCode::UnsupportedMediaType: return QStringLiteral("unsupported_media_type");
    case ErrorCode::InvalidParams: return QStringLiteral("invalid_params");
    case ErrorCode::RateLimited: return QStringLiteral("rate_limited");
    case ErrorCode::Internal: return QStringLiteral("internal");
    case ErrorCode::Unavailable: return QStringLiteral("unavailable");
    }
    return QStringLiteral("internal");
}

int httpStatus(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidRequest: return 400;
    case ErrorCode::Unauthorized: return 401;
    case ErrorCode::NotFound: return 404;
    case ErrorCode::Conflict: return 409;
    case ErrorCode::Gone: return 410;
    case ErrorCode::TooLarge: return 413;
    case ErrorCode::UnsupportedMediaType: return 415;
    case ErrorCode::InvalidParams: return 422;
    case ErrorCode::RateLimited: return 429;
    case ErrorCode::Internal: return 500;
    case ErrorCode::Unavailable: return 503;
    }
    return 500;
}

QString errorTitle(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidRequest: return QStringLiteral("Bad Request");
    case ErrorCode::Unauthorized: return QStringLiteral("Unauthorized");
    case ErrorCode::NotFound: return QStringLiteral("Not Found");
    case ErrorCode::Conflict: return QStringLiteral("Conflict");
    case ErrorCode::Gone: return QStringLiteral("Gone");
    case ErrorCode::TooLarge: return QStringLiteral("Content Too Large");
    case ErrorCode::UnsupportedMediaType: return QStringLiteral("Unsupported Media Type");
    case ErrorCode::InvalidParams: return QStringLiteral("Unprocessable Content");
    case ErrorCode::RateLimited: return QStringLiteral("Too Many Requests");
    case ErrorCode::Internal: return QStringLiteral("Internal Server Error");
    case ErrorCode::Unavailable: return QStringLiteral("Service Unavailable");
    }
    return QStringLiteral("Internal Server Error");
}

} // namespace jobdesk
