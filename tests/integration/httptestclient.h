#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QPair>
#include <QString>

/// One HTTP answer as a test sees it.
struct HttpReply
{
    int status = 0; // 0 = no answer (connection error or timeout)
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    QString error;

    QByteArray header(const QByteArray &name) const;
    QJsonObject json() const;
};

/// A blocking HTTP client for tests (Qt Network, with a local event loop and
/// a timeout). Sends the bearer token when one is set.
class HttpTestClient
{
public:
    explicit HttpTestClient(QString base, QString token = {});

    HttpReply get(const QString &path, const QList<QPair<QByteArray, QByteArray>> &headers = {});
    HttpReply post(const QString &path, const QByteArray &body,
                   const QByteArray &contentType = "application/json",
                   const QList<QPair<QByteArray, QByteArray>> &headers = {});
    void setToken(const QString &token) { m_token = token; }

private:
    HttpReply send(const QByteArray &method, const QString &path, const QByteArray &body,
                   const QByteArray &contentType, const QList<QPair<QByteArray, QByteArray>> &headers);

    QString m_base;
    QString m_token;
    QNetworkAccessManager m_nam;
};
