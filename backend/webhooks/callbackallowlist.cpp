#include "callbackallowlist.h"

#include <QRegularExpression>
#include <QUrl>

namespace jobdesk {

namespace {

constexpr int kMaxUrlLength = 2048;

QString normalisedName(QString host)
{
    host = host.toLower();
    while (host.endsWith(QLatin1Char('.')))
        host.chop(1);
    return host;
}

bool isHostName(const QString &name)
{
    // RFC 1123 labels; a name is never all digits and dots (that is an address).
    static const QRegularExpression pattern(
        QStringLiteral("^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,"
                       "61}[a-z0-9])?)*$"));
    return pattern.match(name).hasMatch();
}

// The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), so
// that it is judged as what it reaches.
QHostAddress unmapped(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4) : address;
}

} // namespace

CallbackAllowlist CallbackAllowlist::loopbackOnly()
{
    return parse(QStringLiteral("localhost,127.0.0.1,::1")).value();
}

Result<CallbackAllowlist> CallbackAllowlist::parse(const QString &spec)
{
    CallbackAllowlist list;
    for (const QString &raw : spec.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString entry = raw.trimmed();
        if (entry.isEmpty())
            continue;
        if (entry.contains(QLatin1Char('/'))) {
            const QPair<QHostAddress, int> subnet = QHostAddress::parseSubnet(entry);
            if (subnet.first.isNull())
                return ApiError::make(ErrorCode::InvalidRequest,
                                      QStringLiteral("\"%1\" is not a subnet").arg(entry));
            list.m_subnets.append(subnet);
            list.m_entries.append(subnet.first.toString() + QLatin1Char('/') +
                                  QString::number(subnet.second));
            continue;
        }
        QString host = entry;
        if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
            host = host.mid(1, host.size() - 2);
        const QHostAddress address(host);
        if (!address.isNull()) {
            const QHostAddress plain = unmapped(address);
            const int bits = plain.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128;
            list.m_subnets.append({plain, bits});
            list.m_entries.append(plain.toString());
            continue;
        }
        const QString name = normalisedName(host);
        if (!isHostName(name))
            return ApiError::make(
                ErrorCode::InvalidRequest,
                QStringLiteral("\"%1\" is not a host name, an address or a subnet").arg(entry));
        list.m_names.append(name);
        list.m_entries.append(name);
    }
    return list;
}

bool CallbackAllowlist::isForbiddenAddress(const QHostAddress &given)
{
    const QHostAddress address = unmapped(given);
    if (address.isNull() || address.isLinkLocal() || address.isMulticast() || address.isBroadcast())
        return true;
    // Metadata services outside link-local space (AWS over IPv6, Alibaba Cloud).
    static const QHostAddress awsV6(QStringLiteral("fd00:ec2::254"));
    static const QHostAddress alibaba(QStringLiteral("100.100.100.200"));
    if (address.isEqual(awsV6) || address.isEqual(alibaba))
        return true;
    // 0.0.0.0/8 and :: mean "this host" to many stacks.
    if (address.isInSubnet(QHostAddress(QStringLiteral("0.0.0.0")), 8) ||
        address.isEqual(QHostAddress(QStringLiteral("::"))))
        return true;
    return false;
}

bool CallbackAllowlist::inListedSubnet(const QHostAddress &address) const
{
    for (const auto &[network, bits] : m_subnets) {
        if (address.isInSubnet(network, bits))
            return true;
    }
    return false;
}

QString CallbackAllowlist::refusal(const QString &text) const
{
    if (text.size() > kMaxUrlLength)
        return QStringLiteral("must be at most %1 characters").arg(kMaxUrlLength);
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.isRelative())
        return QStringLiteral("must be an absolute http or https URL");
    const QString scheme = url.scheme().toLower();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        return QStringLiteral("must be an http or https URL");
    if (!url.userInfo().isEmpty())
        return QStringLiteral("must not carry credentials");
    if (url.host().isEmpty())
        return QStringLiteral("must name a host");
    const QHostAddress address(url.host());
    if (!address.isNull()) {
        const QHostAddress plain = unmapped(address);
        if (isForbiddenAddress(plain))
            return QStringLiteral("names an address that is never called back (%1)")
                .arg(plain.toString());
        if (!inListedSubnet(plain))
            return QStringLiteral("names %1, which --callback-allow does not list")
                .arg(plain.toString());
        return {};
    }
    const QString name = normalisedName(url.host());
    if (!m_names.contains(name))
        return QStringLiteral("names %1, which --callback-allow does not list").arg(name);
    return {};
}

bool CallbackAllowlist::allowsAddress(const QString &host, const QHostAddress &given) const
{
    const QHostAddress address = unmapped(given);
    if (isForbiddenAddress(address))
        return false;
    if (inListedSubnet(address))
        return true;
    return QHostAddress(host).isNull() && m_names.contains(normalisedName(host));
}

} // namespace jobdesk
