#pragma once

#include "jobkind.h"

#include <QString>
#include <QStringList>
#include <functional>
#include <map>
#include <memory>

namespace jobdesk {

/// Maps a kind name to the factory that makes a fresh JobKind for one run.
class JobKindRegistry
{
public:
    using Factory = std::function<std::unique_ptr<JobKind>()>;

    /// The kinds built into jobdesk-worker (those KindCatalog::builtin() lists).
    static JobKindRegistry builtin();

    void add(const QString &name, Factory factory);
    /// A new instance of `name`, or null when no such kind is registered.
    std::unique_ptr<JobKind> create(const QString &name) const;
    QStringList names() const;

private:
    std::map<QString, Factory> m_factories;
};

} // namespace jobdesk
