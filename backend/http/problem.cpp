#include "problem.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace jobdesk {

namespace {

const char kProblemContentType[] = "application/problem+json";

} // namespace

QString problemType(const QString &code)
{
    return QStringLiteral("https://jobdesk.dev/problems/") + code;
}

QByteArray problemBody(int status, const QString &code, const QString &title, const QString &detail,
                       const QList<FieldError> &errors)
{
    QJsonObject o{
        {QStringLiteral("type"), problemType(code)},
        {QStringLiteral("title"), title},
        {QStringLiteral("status"), status},
        {QStringLiteral("detail"), detail},
        {QStringLiteral("code"), code},
    };
    if (!errors.isEmpty()) {
        QJsonArray list;
        for (const FieldError &e : errors)
            list.append(QJsonObject{{QStringLiteral("field"), e.field},
                                    {QStringLiteral("message"), e.message}});
        o.insert(QStringLiteral("errors"), list);
    }
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

HttpResponse problemResponse(const ApiError &error)
{
    const int status = httpStatus(error.code);
    HttpResponse response;
    response.status = status;
    response.setHeader("Content-Type", kProblemContentType);
    if (error.retryAfterS > 0)
        response.setHeader("Retry-After", std::to_string(error.retryAfterS));
    response.body = problemBody(status, errorCodeName(error.code), errorTitle(error.code),
                                error.detail, error.fieldErrors)
                        .toStdString();
    return response;
}

HttpResponse problemResponse(int status, const QString &code, const QString &title,
                             const QString &detail)
{
    HttpResponse response;
    response.status = status;
    response.setHeader("Content-Type", kProblemContentType);
    response.body = problemBody(status, code, title, detail).toStdString();
    return response;
}

} // namespace jobdesk
