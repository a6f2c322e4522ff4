#include "uuid7.h"

#include "timeformat.h"

#include <QRandomGenerator>

#include <array>
#include <mutex>

namespace jobdesk {

QString newUuid7()
{
    // Monotonic within a process: ids made in the same millisecond still sort
    // in creation order (RFC 9562, method 1: a counter in rand_a).
    static std::mutex mutex;
    static qint64 lastMs = 0;
    static quint16 counter = 0;

    qint64 ms;
    quint16 seq;
    {
        std::lock_guard lock(mutex);
        ms = nowMs();
        if (ms <= lastMs) {
            ms = lastMs;
            if (++counter > 0x0fff) { // counter exhausted: borrow the next millisecond
                ++ms;
                counter = 0;
            }
        } else {
            counter = static_cast<quint16>(QRandomGenerator::global()->bounded(0x0400));
        }
        lastMs = ms;
        seq = counter;
    }

    std::array<quint8, 16> b{};
    for (int i = 0; i < 6; ++i)
        b[i] = static_cast<quint8>(ms >> (8 * (5 - i)));
    b[6] = static_cast<quint8>(0x70 | ((seq >> 8) & 0x0f));
    b[7] = static_cast<quint8>(seq & 0xff);
    const quint64 r = QRandomGenerator::system()->generate64();
    for (int i = 0; i < 8; ++i)
        b[8 + i] = static_cast<quint8>(r >> (8 * i));
    b[8] = static_cast<quint8>((b[8] & 0x3f) | 0x80); // RFC 9562 variant

    static const char hex[] = "0123456789abcdef";
    QString out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out += QLatin1Char('-');
        out += QLatin1Char(hex[b[i] >> 4]);
        out += QLatin1Char(hex[b[i] & 0x0f]);
    }
    return out;
}

bool isUuid(const QString &text)
{
    if (text.size() != 36)
        return false;
    for (int i = 0; i < 36; ++i) {
        const QChar c = text.at(i);
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != QLatin1Char('-'))
                return false;
        } else if (!((c >= QLatin1Char('0') && c <= QLatin1Char('9')) ||
                     (c >= QLatin1Char('a') && c <= QLatin1Char('f')) ||
                     (c >= QLatin1Char('A') && c <= QLatin1Char('F')))) {
            return false;
        }
    }
    return true;
}

} // namespace jobdesk
