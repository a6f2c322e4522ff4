#pragma once

#include "apierror.h"

#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

namespace jobdesk {

/// Which hosts a job's `callback_url` may name (`--callback-allow`): host
/// names, IP addresses and CIDR subnets, e.g. `localhost,127.0.0.1,::1` (the
/// default) or `hooks.example.com,10.0.0.0/8`.
///
/// A URL is allowed when it is http or https without credentials and its
/// host is a listed name, or an address inside a listed address or subnet.
/// At delivery time every address the host resolves to is checked again: an
/// address passes when it lies in a listed address or subnet, or when the
/// URL's host is a listed name. Link-local addresses (169.254.0.0/16,
/// fe80::/10, which hold the cloud metadata services), other metadata
/// addresses, unspecified, multicast and broadcast addresses never pass,
/// whatever the list says.
class CallbackAllowlist
{
public:
    /// `localhost,127.0.0.1,::1`.
    static CallbackAllowlist loopbackOnly();
    /// Parses a comma-separated list; an entry that is neither a host name,
    /// an address nor a subnet is an error naming it.
    static Result<CallbackAllowlist> parse(const QString &spec);

    /// Why `url` may not be a callback, or an empty string when it may.
    QString refusal(const QString &url) const;
    /// Whether `address`, which `host` resolved to, may be called.
    bool allowsAddress(const QString &host, const QHostAddress &address) const;
    /// Addresses no callback may ever reach (link-local, metadata, ...).
    static bool isForbiddenAddress(const QHostAddress &address);

    /// The entries as given (normalised), for logs and `--help`.
    QStringList entries() const { return m_entries; }

private:
    bool inListedSubnet(const QHostAddress &address) const;

    QStringList m_entries;
    QStringList m_names;                       // lower case, no trailing dot
    QList<QPair<QHostAddress, int>> m_subnets; // single addresses have the full prefix length
};

} // namespace jobdesk
