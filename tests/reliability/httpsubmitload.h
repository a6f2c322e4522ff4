#pragma once

#include <QByteArray>
#include <QHash>
#include <QMap>
#include <QObject>
#include <QString>
#include <functional>
#include <memory>
#include <vector>

class QTcpSocket;

/// Submits many jobs over HTTP with a fixed number of requests in flight,
/// one keep-alive connection per request in flight, and records exactly
/// which submits were answered 202 (and with which job id). A connection
/// that breaks, as when the daemon is killed, leaves its request
/// unanswered: it is counted, never guessed to have been accepted.
///
/// Runs in the caller's event loop; wait for finished().
class HttpSubmitLoad : public QObject
{
    Q_OBJECT
public:
    /// The submit body of the `index`-th job (0-based).
    using BodyFor = std::function<QByteArray(int index)>;

    HttpSubmitLoad(QString host, quint16 port, QString token, QObject *parent = nullptr);
    ~HttpSubmitLoad() override;

    /// Starts sending `total` submits, `inFlight` at a time.
    void start(int total, int inFlight, BodyFor body);
    /// Every submit got an answer, or its connection broke.
    bool isFinished() const { return m_finished; }

    /// Job ids of the 202 answers, by submit index.
    const QHash<int, QString> &accepted() const { return m_accepted; }
    /// How many answers of each status code came back (202 included).
    const QMap<int, int> &statusCounts() const { return m_statusCounts; }
    /// Submits whose connection broke before an answer came.
    int unanswered() const { return m_unanswered; }
    /// Answers that were not HTTP as expected (should stay 0).
    int malformed() const { return m_malformed; }
    /// Non-202 answers whose status was 503 but lacked Retry-After.
    int unavailableWithoutRetryAfter() const { return m_unavailableWithoutRetryAfter; }

Q_SIGNALS:
    void submitAccepted(int index, const QString &id);
    void finished();

private:
    struct Connection;
    void sendNext(Connection &c);
    void onReadyRead(Connection &c);
    void onBroken(Connection &c);
    void checkFinished();

    QString m_host;
    quint16 m_port = 0;
    QByteArray m_token;
    BodyFor m_body;
    int m_total = 0;
    int m_next = 0;
    bool m_finished = false;
    std::vector<std::unique_ptr<Connection>> m_connections;
    QHash<int, QString> m_accepted;
    QMap<int, int> m_statusCounts;
    int m_unanswered = 0;
    int m_malformed = 0;
    int m_unavailableWithoutRetryAfter = 0;
};
