#include "jobkindregistry.h"

#include "demosleepkind.h"

namespace jobdesk {

JobKindRegistry JobKindRegistry::builtin()
{
    JobKindRegistry registry;
    registry.add(QStringLiteral("demo.sleep"), [] { return std::make_unique<DemoSleepKind>(); });
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
