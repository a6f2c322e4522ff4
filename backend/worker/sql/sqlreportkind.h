#pragma once

#include "jobkind.h"

namespace jobdesk {

/// `report.sql`: runs one read-only statement (ReadOnlyQuery) on a SQLite
/// database file and streams its rows as CSV (RFC 4180, a header row) or as
/// one self-contained HTML page. Progress is indeterminate with the row count
/// in the message; a cancel or a timeout interrupts the running query
/// (sqlite3_interrupt from the thread that cancels).
class SqlReportKind final : public JobKind
{
public:
    QString name() const override { return QStringLiteral("report.sql"); }
    KindOutcome run(JobContext &ctx) override;
};

} // namespace jobdesk
