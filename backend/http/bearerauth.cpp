#include "bearerauth.h"

#include "httpmessage.h"

namespace jobdesk {

bool constantTimeEquals(std::string_view given, std::string_view secret)
{
    // volatile keeps the compiler from ending the loop at the first difference.
    volatile unsigned char difference = given.size() == secret.size() ? 0 : 1;
    for (std::size_t i = 0; i < secret.size(); ++i) {
        const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
        difference = difference | (g ^ static_cast<unsigned char>(secret[i]));
    }
    return difference == 0;
}

bool bearerTokenMatches(std::string_view authorization, std::string_view token)
{
    constexpr std::string_view scheme = "Bearer";
    if (token.empty() || authorization.size() <= scheme.size() ||
        !equalsIgnoringCase(authorization.substr(0, scheme.size()), scheme))
        return false;
    std::string_view credentials = authorization.substr(scheme.size());
    if (credentials.front() != ' ')
        return false;
    while (!credentials.empty() && credentials.front() == ' ')
        credentials.remove_prefix(1);
    while (!credentials.empty() && (credentials.back() == ' ' || credentials.back() == '\t'))
        credentials.remove_suffix(1);
    return constantTimeEquals(credentials, token);
}

} // namespace jobdesk
