#pragma once

#include <QString>

namespace jobdesk {

/// The temporary folders a job's program works in, `jobdesk-<purpose>-<pid>-XXXXXX`
/// in the system's temporary folder. A worker removes its own when the
/// attempt ends; one killed by a signal cannot, so the next worker of the
/// same user sweeps the folders of workers that no longer exist.
namespace workfolder {

/// A QTemporaryDir template naming this worker.
QString templateFor(const QString &purpose);

/// Removes, once per process, the folders of workers that are gone.
void sweepAbandoned();

} // namespace workfolder

} // namespace jobdesk
