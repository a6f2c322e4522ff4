#pragma once

#include <QString>
#include <string_view>

namespace jobdesk {

class SinkWriter;

/// Writes `text` with the characters HTML gives meaning to escaped, so data
/// cannot inject markup into a report.
void writeHtmlEscaped(SinkWriter &out, std::string_view text);
/// The same for building markup in memory.
QString htmlEscaped(const QString &text);

} // namespace jobdesk
