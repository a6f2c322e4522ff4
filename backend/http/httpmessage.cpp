#include "httpmessage.h"

#include <algorithm>

namespace jobdesk {

namespace {

char lowerAscii(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

template <typename Headers>
std::string_view findHeader(const Headers &headers, std::string_view name)
{
    for (const auto &[key, value] : headers) {
        if (equalsIgnoringCase(key, name))
            return value;
    }
    return {};
}

} // namespace

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return lowerAscii(x) == lowerAscii(y);
           });
}

std::string_view HttpRequest::header(std::string_view name) const
{
    return findHeader(headers, name);
}

bool HttpRequest::hasHeader(std::string_view name) const
{
    return std::any_of(headers.begin(), headers.end(),
                       [name](const HttpHeader &h) { return equalsIgnoringCase(h.first, name); });
}

std::string_view HttpRequest::path() const
{
    const std::string_view t = target;
    return t.substr(0, t.find('?'));
}

std::string_view HttpRequest::query() const
{
    const std::string_view t = target;
    const auto q = t.find('?');
    return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

void HttpResponse::setHeader(std::string name, std::string value)
{
    headers.erase(
        std::remove_if(headers.begin(), headers.end(),
                       [&name](const HttpHeader &h) { return equalsIgnoringCase(h.first, name); }),
        headers.end());
    headers.emplace_back(std::move(name), std::move(value));
}

std::string_view HttpResponse::header(std::string_view name) const
{
    return findHeader(headers, name);
}

} // namespace jobdesk
