#pragma once

#include <QObject>
#include <QSocketNotifier>

#include <memory>

namespace jobdesk {

/// Turns SIGINT and SIGTERM into a Qt signal, through a self-pipe read by a
/// QSocketNotifier: the handler only writes a byte, everything else happens
/// on the event loop. One instance per process.
class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

Q_SIGNALS:
    void terminationRequested(int signalNumber);

private:
    void readSignal();

    int m_fds[2] = {-1, -1};
    std::unique_ptr<QSocketNotifier> m_notifier;
};

} // namespace jobdesk
