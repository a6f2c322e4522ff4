#include "webhookreceiver.h"

#include <QMessageAuthenticationCode>
#include <QTcpSocket>

WebhookReceiver::WebhookReceiver(QByteArray key, QObject *parent)
    : QObject(parent)
    , m_key(std::move(key))
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            socket->setParent(this);
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
}

bool WebhookReceiver::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QString WebhookReceiver::url(const QString &path) const
{
    return QStringLiteral("http://127.0.0.1:%1%2").arg(port()).arg(path);
}

bool WebhookReceiver::verify(const QByteArray &key, const Delivery &d)
{
    const QByteArray signedContent = d.id + '.' + d.timestamp + '.' + d.body;
    const QByteArray expected =
        QMessageAuthenticationCode::hash(signedContent, key, QCryptographicHash::Sha256).toBase64();
    // The header may carry several space-separated signatures.
    for (const QByteArray &entry : d.signature.split(' ')) {
        if (entry.startsWith("v1,") && entry.mid(3) == expected)
            return true;
    }
    return false;
}

void WebhookReceiver::onReadyRead(QTcpSocket *socket)
{
    QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
    socket->setProperty("buffer", buffer);
    const int end = buffer.indexOf("\r\n\r\n");
    if (end < 0)
        return;
    const QList<QByteArray> lines = buffer.left(end).split('\n');
    Delivery d;
    d.path = lines.value(0).split(' ').value(1);
    qsizetype length = 0;
    for (int i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const int colon = line.indexOf(':');
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "content-length")
            length = value.toLongLong();
        else if (name == "host")
            d.host = value;
        else if (name == "content-type")
            d.contentType = value;
        else if (name == "webhook-id")
            d.id = value;
        else if (name == "webhook-timestamp")
            d.timestamp = value;
        else if (name == "webhook-signature")
            d.signature = value;
    }
    if (buffer.size() < end + 4 + length)
        return;
    d.body = buffer.mid(end + 4, length);
    socket->setProperty("buffer", QByteArray());
    d.signatureValid = verify(m_key, d);
    d.answeredWith = m_script.isEmpty() ? 200 : m_script.takeFirst();
    m_deliveries.append(d);
    if (d.answeredWith == 0)
        return; // hangs: the sender's timeout must end it
    QByteArray answer = "HTTP/1.1 " + QByteArray::number(d.answeredWith) + " Scripted\r\n";
    if (d.answeredWith >= 300 && d.answeredWith < 400)
        answer += "Location: " + url(QStringLiteral("/elsewhere")).toLatin1() + "\r\n";
    answer += "Content-Length: 2\r\nConnection: close\r\n\r\nok";
    socket->write(answer);
    socket->disconnectFromHost();
}
