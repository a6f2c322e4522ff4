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
/// A file whose job cannot be read (the store fails) is kept. Returns how
/// many files were removed.
int sweepResultsFolder(const QString &resultsDir, JobStore &store);

} // namespace jobdesk
