#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QTcpServer>

class QTcpSocket;

/// A webhook receiver for tests: a small HTTP server on 127.0.0.1 (port 0)
/// that records each POST and checks its Standard Webhooks signature on its
/// own, with QMessageAuthenticationCode, from the secret's key.
class WebhookReceiver : public QObject
{
    Q_OBJECT
public:
    struct Delivery
    {
        QByteArray path;
        QByteArray host;
        QByteArray contentType;
        QByteArray id;
        QByteArray timestamp;
        QByteArray signature;
        QByteArray body;
        bool signatureValid = false;
        int answeredWith = 0; // 0: left unanswered
    };

    /// `key`: the base64-decoded part of the `whsec_` secret.
    explicit WebhookReceiver(QByteArray key = {}, QObject *parent = nullptr);

    bool listen();
    quint16 port() const { return m_server.serverPort(); }
    QString url(const QString &path = QStringLiteral("/hook")) const;
    void setKey(QByteArray key) { m_key = std::move(key); }

    /// How the next requests are answered, in order: an HTTP status, or 0
    /// for no answer at all. Once used up, every request gets 200.
    void scriptAnswers(QList<int> statuses) { m_script = std::move(statuses); }
    const QList<Delivery> &deliveries() const { return m_deliveries; }

    /// The signature check a receiver makes (whatever the sender computed).
    static bool verify(const QByteArray &key, const Delivery &delivery);

private:
    void onReadyRead(QTcpSocket *socket);

    QTcpServer m_server;
    QByteArray m_key;
    QList<int> m_script;
    QList<Delivery> m_deliveries;
};
