#include "httpsubmitload.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

struct HttpSubmitLoad::Connection
{
    QTcpSocket socket;
    QByteArray buffer;
    int index = -1; // the submit in flight, -1 when none
    bool closed = false;
};

HttpSubmitLoad::HttpSubmitLoad(QString host, quint16 port, QString token, QObject *parent)
    : QObject(parent)
    , m_host(std::move(host))
    , m_port(port)
    , m_token(token.toUtf8())
{
}

HttpSubmitLoad::~HttpSubmitLoad()
{
    for (auto &c : m_connections)
        c->socket.disconnect(this);
}

void HttpSubmitLoad::start(int total, int inFlight, BodyFor body)
{
    m_total = total;
    m_body = std::move(body);
    for (int i = 0; i < inFlight && i < total; ++i) {
        auto c = std::make_unique<Connection>();
        Connection *conn = c.get();
        connect(&conn->socket, &QTcpSocket::connected, this, [this, conn] { sendNext(*conn); });
        connect(&conn->socket, &QTcpSocket::readyRead, this, [this, conn] { onReadyRead(*conn); });
        connect(&conn->socket, &QTcpSocket::disconnected, this, [this, conn] { onBroken(*conn); });
        connect(&conn->socket, &QTcpSocket::errorOccurred, this,
                [this, conn](QAbstractSocket::SocketError) { onBroken(*conn); });
        m_connections.push_back(std::move(c));
        conn->socket.connectToHost(m_host, m_port);
    }
    checkFinished();
}

void HttpSubmitLoad::sendNext(Connection &c)
{
    if (c.closed || m_next >= m_total) {
        if (!c.closed) {
            c.closed = true;
            c.socket.disconnectFromHost();
        }
        checkFinished();
        return;
    }
    c.index = m_next++;
    const QByteArray body = m_body(c.index);
    QByteArray request =
        "POST /api/v1/jobs HTTP/1.1\r\nHost: " + m_host.toUtf8() + ':' +
        QByteArray::number(m_port) +
        "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
        "\r\n";
    if (!m_token.isEmpty())
        request += "Authorization: Bearer " + m_token + "\r\n";
    request += "\r\n" + body;
    c.socket.write(request);
}

void HttpSubmitLoad::onReadyRead(Connection &c)
{
    c.buffer += c.socket.readAll();
    for (;;) {
        const qsizetype headerEnd = c.buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return;
        const QList<QByteArray> lines = c.buffer.left(headerEnd).split('\n');
        const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
        bool statusOk = false;
        const int status = statusLine.value(1).toInt(&statusOk);
        qint64 length = -1;
        bool closeAfter = false;
        bool retryAfter = false;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray name = line.left(colon).trimmed().toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (name == "content-length")
                length = value.toLongLong();
            else if (name == "connection" && value.toLower() == "close")
                closeAfter = true;
            else if (name == "retry-after")
                retryAfter = true;
        }
        if (!statusOk || length < 0) {
            // Only Content-Length framing is expected from jobdeskd.
            ++m_malformed;
            c.index = -1;
            c.closed = true;
            c.socket.abort();
            checkFinished();
            return;
        }
        if (c.buffer.size() < headerEnd + 4 + length)
            return;
        const QByteArray body = c.buffer.mid(headerEnd + 4, length);
        c.buffer.remove(0, headerEnd + 4 + length);

        const int index = c.index;
        c.index = -1;
        ++m_statusCounts[status];
        if (status == 202) {
            const QString id =
                QJsonDocument::fromJson(body).object().value(QStringLiteral("id")).toString();
            if (id.isEmpty()) {
                ++m_malformed;
            } else {
                m_accepted.insert(index, id);
                Q_EMIT submitAccepted(index, id);
            }
        } else if (status == 503 && !retryAfter) {
            ++m_unavailableWithoutRetryAfter;
        }
        if (c.closed)
            return; // a receiver of submitAccepted broke it (killed the daemon)
        if (closeAfter) {
            c.closed = true;
            c.socket.disconnectFromHost();
            checkFinished();
            return;
        }
        sendNext(c);
    }
}

void HttpSubmitLoad::onBroken(Connection &c)
{
    if (c.index >= 0) {
        ++m_unanswered;
        c.index = -1;
    }
    c.closed = true;
    checkFinished();
}

void HttpSubmitLoad::checkFinished()
{
    if (m_finished)
        return;
    for (const auto &c : m_connections) {
        if (!c->closed || c->index >= 0)
            return;
    }
    m_finished = true;
    Q_EMIT finished();
}
