#pragma once

#include <QByteArray>
#include <QString>

/// Files the CSV tests and the benchmark generate for themselves.
namespace csvfixtures {

/// Writes `bytes` to `path`; false on failure.
bool write(const QString &path, const QByteArray &bytes);

/// A sales-like CSV of about `targetBytes`: id (unique integer), region
/// (5 values), amount (decimal), quantity (integer), day (ISO date), paid
/// (boolean), customer (~50,000 names), note (quoted text with commas and
/// doubled quotes, sometimes missing). Deterministic for a given seed.
/// Returns the number of data rows written, or -1 on failure.
long long writeSales(const QString &path, long long targetBytes, unsigned seed = 42);

} // namespace csvfixtures
