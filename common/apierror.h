#pragma once

#include <QList>
#include <QString>

#include <utility>
#include <variant>

namespace jobdesk {

/// The error vocabulary shared by HTTP (problem+json) and ZeroMQ (`ok: false`).
enum class ErrorCode {
    InvalidRequest, // 400
    Unauthorized,   // 401
    NotFound,       // 404
    Conflict,       // 409
    Gone,           // 410
    TooLarge,       // 413
    UnsupportedMediaType, // 415
    InvalidParams,  // 422
    RateLimited,    // 429
    Internal,       // 500
    Unavailable,    // 503
};

/// The wire name of a code (`invalid_params`, ...), as the contract lists them.
QString errorCodeName(ErrorCode code);
/// The HTTP status that carries a code.
int httpStatus(ErrorCode code);
/// The short human title used in problem+json bodies.
QString errorTitle(ErrorCode code);

/// One problem with one request field (`errors` in problem+json).
struct FieldError
{
    QString field;
    QString message;
};

/// An error as a value: what went wrong, for whom, and which fields.
struct ApiError
{
    ErrorCode code = ErrorCode::Internal;
    QString detail;
    QList<FieldError> fieldErrors;
    int retryAfterS = 0; // for 429/503; 0 = none

    static ApiError make(ErrorCode code, QString detail) { return {code, std::move(detail), {}, 0}; }
};

/// A value or the ApiError that prevented it.
template <typename T>
class Result
{
public:
    Result(T value) : m_v(std::move(value)) {}
    Result(ApiError error) : m_v(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_v); }
    explicit operator bool() const { return ok(); }
    const T &value() const & { return std::get<T>(m_v); }
    T &value() & { return std::get<T>(m_v); }
    T &&value() && { return std::get<T>(std::move(m_v)); }
    const ApiError &error() const { return std::get<ApiError>(m_v); }

private:
    std::variant<T, ApiError> m_v;
};

} // namespace jobdesk
