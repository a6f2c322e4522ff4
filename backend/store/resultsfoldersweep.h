#pragma once

#include <QString>

namespace jobdesk {

class JobStore;

/// Clears what earlier runs left in the results folder that no job will ever
/// serve: files a worker began but never finished (`*.tmp`), and finished
/// files (`<job id>.<fence>.<ext>`) that their job does not name as its
/// result, from an attempt whose outcome was fenced off or lost in a crash,
/// or of a job purged since. Runs at start, before any worker: then no
/// attempt is in flight, and a file its job does not name is garbage.
///
/// Files not named like a worker's (`<id>.<fence>.<ext>`) are left alone.
/// If the jobs cannot be read, nothing is removed. Returns how many files
/// were removed, or -1 when the store could not be read.
int sweepResultsFolder(const QString &resultsDir, JobStore &store);

} // namespace jobdesk
