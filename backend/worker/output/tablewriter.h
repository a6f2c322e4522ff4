#pragma once

#include <string_view>

namespace jobdesk {

/// What a table cell holds, for writers that present kinds differently
/// (HTML right-aligns numbers and marks NULL).
enum class CellKind
{
    Null,
    Number,
    Text,
};

/// Writes a table row by row, in a streaming way: nothing is kept per row,
/// so a query of any size is written in constant memory.
class TableWriter
{
public:
    virtual ~TableWriter() = default;

    virtual void beginRow() = 0;
    virtual void cell(std::string_view text, CellKind kind) = 0;
    virtual void endRow() = 0;
};

} // namespace jobdesk
