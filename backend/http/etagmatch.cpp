#include "etagmatch.h"

namespace jobdesk {

namespace {

bool isListSpace(char c)
{
    return c == ' ' || c == '\t' || c == ',';
}

std::string_view withoutWeakPrefix(std::string_view tag)
{
    if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/')
        tag.remove_prefix(2);
    return tag;
}

} // namespace

bool ifNoneMatchMatches(std::string_view fieldValue, std::string_view etag)
{
    const std::string_view wanted = withoutWeakPrefix(etag);
    std::size_t i = 0;
    for (;;) {
        while (i < fieldValue.size() && isListSpace(fieldValue[i]))
            ++i;
        if (i == fieldValue.size())
            return false;
        if (fieldValue[i] == '*')
            return true;
        // entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc may include a
        // comma, so tags are read quote to quote, not split on commas.
        if (fieldValue.compare(i, 2, "W/") == 0)
            i += 2;
        if (i == fieldValue.size() || fieldValue[i] != '"')
            return false;
        const std::size_t close = fieldValue.find('"', i + 1);
        if (close == std::string_view::npos)
            return false;
        if (fieldValue.substr(i, close - i + 1) == wanted)
            return true;
        i = close + 1;
    }
}

} // namespace jobdesk
