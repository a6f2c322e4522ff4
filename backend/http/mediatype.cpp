#include "mediatype.h"

#include "httpmessage.h"

namespace jobdesk {

bool isMediaType(std::string_view contentType, std::string_view type)
{
    std::string_view essence = contentType.substr(0, contentType.find(';'));
    while (!essence.empty() && (essence.front() == ' ' || essence.front() == '\t'))
        essence.remove_prefix(1);
    while (!essence.empty() && (essence.back() == ' ' || essence.back() == '\t'))
        essence.remove_suffix(1);
    return equalsIgnoringCase(essence, type);
}

} // namespace jobdesk
