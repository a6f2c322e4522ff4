#include "jobkindregistry.h"

#include "csv/csvsummarykind.h"
#include "demosleepkind.h"
#include "kindcatalog.h"
#include "program/adminprogramkind.h"
#include "sql/sqlreportkind.h"

#include <QCoreApplication>
#include <QFile>

namespace jobdesk {

namespace {

QString thisProgram()
{
    if (QCoreApplication::instance())
        return QCoreApplication::applicationFilePath();
    return QFile::symLinkTarget(QStringLiteral("/proc/self/exe"));
}

} // namespace

JobKindRegistry JobKindRegistry::builtin(const QString &workerProgram)
{
    const QString renderer = workerProgram.isEmpty() ? thisProgram() : workerProgram;
    JobKindRegistry registry;
    registry.add(QStringLiteral("demo.sleep"), [] { return std::make_unique<DemoSleepKind>(); });
    registry.add(QStringLiteral("report.csv_summary"),
                 [renderer] { return std::make_unique<CsvSummaryKind>(renderer); });
    registry.add(QStringLiteral("report.sql"), [] { return std::make_unique<SqlReportKind>(); });
    return registry;
}

JobKindRegistry JobKindRegistry::forCatalog(const KindCatalog &catalog,
                                            const QString &workerProgram)
{
    JobKindRegistry registry = builtin(workerProgram);
    for (const KindInfo &kind : catalog.kinds()) {
        if (!kind.program)
            continue;
        registry.add(kind.name, [name = kind.name, spec = *kind.program] {
            return std::make_unique<AdminProgramKind>(name, spec);
        });
    }
    return registry;
}

void JobKindRegistry::add(const QString &name, Factory factory)
{
    m_factories[name] = std::move(factory);
}

std::unique_ptr<JobKind> JobKindRegistry::create(const QString &name) const
{
    const auto it = m_factories.find(name);
    if (it == m_factories.end())
        return nullptr;
    return it->second();
}

QStringList JobKindRegistry::names() const
{
    QStringList out;
    for (const auto &entry : m_factories)
        out.append(entry.first);
    return out;
}

} // namespace jobdesk
