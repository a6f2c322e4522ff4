#pragma once

#include "connectionconfig.h"

#include <QStringList>
#include <optional>

namespace jobdesk {

/// What `jobdesk`'s command line asks for.
struct CommandLine
{
    /// The connection flags given (empty fields = not given).
    ConnectionConfig flags;
    bool anyConnectionFlag = false;
    /// The page to open with (--tab): "jobs" or "dashboard"; empty = the
    /// one open when jobdesk last closed.
    QString page;
};

/// Parses `arguments` (argv as a list). Handles --help and --version itself
/// (printing to stdout) and invalid flags (a message naming the flag on
/// stderr): then `*exitCode` is set and nullopt returned. Needs only a
/// QCoreApplication, so it runs before any display is touched.
std::optional<CommandLine> parseCommandLine(const QStringList &arguments, int *exitCode);

/// Parses argv with a temporary QCoreApplication: `jobdesk --help` works with
/// no display. Returns nullopt with `*exitCode` set when the program should
/// exit now.
std::optional<CommandLine> parseCommandLineWithoutDisplay(int argc, char **argv, int *exitCode);

} // namespace jobdesk
