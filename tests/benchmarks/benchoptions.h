#pragma once

#include <QString>
#include <QStringList>
#include <cstddef>
#include <optional>

namespace jobdesk::bench {

/// The scenarios, in the order `all` runs them.
inline const QStringList kScenarioNames{
    QStringLiteral("sqlite-baseline"), QStringLiteral("http-submit-32"),
    QStringLiteral("http-submit-1"),   QStringLiteral("zmq-submit"),
    QStringLiteral("http-poll"),       QStringLiteral("e2e"),
};

/// What the command line asked for.
struct BenchOptions
{
    QStringList scenarios;            // names from kScenarioNames
    std::optional<std::size_t> count; // overrides every scenario's default
    int connections = 32;             // HTTP connections for the concurrent scenarios
    int window = 64;                  // ZeroMQ submits in flight
    int workers = 2;                  // workers of the e2e daemon
    int repeat = 1;
    std::size_t pollIds = 1000; // jobs the status polls rotate over
    QString daemonProgram;      // jobdeskd
    QString dataParent;         // where data dirs are created
    bool keepData = false;

    /// Operations of `scenario`: --count, or the scenario's default.
    std::size_t countFor(const QString &scenario) const;
};

/// Parses the command line (QCoreApplication must exist). Prints help or
/// version and exits for --help/--version; returns false with a message
/// naming the flag on bad input.
bool parseBenchOptions(const QStringList &arguments, BenchOptions *options, QString *error);

} // namespace jobdesk::bench
