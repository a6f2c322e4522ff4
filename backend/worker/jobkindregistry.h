#pragma once

#include "jobkind.h"

#include <QString>
#include <QStringList>
#include <functional>
#include <map>
#include <memory>

namespace jobdesk {

class KindCatalog;

/// Maps a kind name to the factory that makes a fresh JobKind for one run.
class JobKindRegistry
{
public:
    using Factory = std::function<std::unique_ptr<JobKind>()>;

    /// The kinds built into jobdesk-worker (those KindCatalog::builtin()
    /// lists). `workerProgram` is the jobdesk-worker executable that renders
    /// PDFs; empty means this very program.
    static JobKindRegistry builtin(const QString &workerProgram = {});
    /// builtin() plus an AdminProgramKind for every kind of `catalog` that
    /// has a program.
    static JobKindRegistry forCatalog(const KindCatalog &catalog,
                                      const QString &workerProgram = {});

    void add(const QString &name, Factory factory);
    /// A new instance of `name`, or null when no such kind is registered.
    std::unique_ptr<JobKind> create(const QString &name) const;
    QStringList names() const;

private:
    std::map<QString, Factory> m_factories;
};

} // namespace jobdesk
