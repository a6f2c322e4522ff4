#include "apiroute.h"

#include "uuid7.h"

#include <QLatin1String>
#include <vector>

namespace jobdesk {

namespace {

constexpr std::string_view kApiPrefix = "/api/v1";

std::vector<std::string_view> splitSegments(std::string_view path)
{
    std::vector<std::string_view> segments;
    while (!path.empty()) {
        const auto slash = path.find('/');
        segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos)
            break;
        path.remove_prefix(slash + 1);
        if (path.empty())
            segments.emplace_back(); // a trailing slash leaves an empty segment
    }
    return segments;
}

ApiRoute jobRoute(std::string_view id, ApiResource resource)
{
    const QString text = QString::fromLatin1(id.data(), static_cast<qsizetype>(id.size()));
    ApiRoute route;
    route.needsAuth = true;
    if (!isUuid(text)) {
        route.resource = ApiResource::BadJobId;
        return route;
    }
    route.resource = resource;
    route.jobId = text.toLower();
    return route;
}

} // namespace

ApiRoute parseApiRoute(std::string_view path)
{
    if (path == "/healthz")
        return {ApiResource::Health, {}, false};
    if (path == "/readyz")
        return {ApiResource::Ready, {}, false};
    if (path == "/metrics")
        return {ApiResource::Metrics, {}, false};
    if (path == kApiPrefix)
        return {ApiResource::Unknown, {}, true};
    if (path.substr(0, kApiPrefix.size() + 1) != "/api/v1/")
        return {};

    const std::vector<std::string_view> s = splitSegments(path.substr(kApiPrefix.size() + 1));
    ApiRoute unknown{ApiResource::Unknown, {}, true};
    if (s.empty())
        return unknown;
    if (s.size() == 1) {
        if (s[0] == "jobs")
            return {ApiResource::Jobs, {}, true};
        if (s[0] == "kinds")
            return {ApiResource::Kinds, {}, true};
        if (s[0] == "stats")
            return {ApiResource::Stats, {}, true};
        if (s[0] == "openapi.json")
            return {ApiResource::OpenApi, {}, true};
        return unknown;
    }
    if (s[0] != "jobs" || s[1].empty() || s.size() > 3)
        return unknown;
    if (s.size() == 2)
        return jobRoute(s[1], ApiResource::Job);
    if (s[2] == "cancel")
        return jobRoute(s[1], ApiResource::JobCancel);
    if (s[2] == "retry")
        return jobRoute(s[1], ApiResource::JobRetry);
    if (s[2] == "result")
        return jobRoute(s[1], ApiResource::JobResult);
    if (s[2] == "events")
        return jobRoute(s[1], ApiResource::JobEvents);
    return unknown;
}

const char *allowedMethods(ApiResource resource)
{
    switch (resource) {
    case ApiResource::Jobs:
        return "GET, HEAD, POST";
    case ApiResource::JobCancel:
    case ApiResource::JobRetry:
        return "POST";
    case ApiResource::Health:
    case ApiResource::Job:
    case ApiResource::JobResult:
    case ApiResource::JobEvents:
    case ApiResource::Kinds:
    case ApiResource::Stats:
    case ApiResource::OpenApi:
    case ApiResource::Ready:
    case ApiResource::Metrics:
        return "GET, HEAD";
    case ApiResource::Unknown:
    case ApiResource::BadJobId:
        break;
    }
    return "";
}

bool isMethodAllowed(ApiResource resource, std::string_view method)
{
    const std::string_view allowed = allowedMethods(resource);
    std::size_t start = 0;
    while (start < allowed.size()) {
        const auto comma = allowed.find(',', start);
        const auto item = allowed.substr(start, comma - start);
        if (item == method)
            return true;
        if (comma == std::string_view::npos)
            break;
        start = comma + 2;
    }
    return false;
}

const char *routeTemplate(ApiResource resource)
{
    switch (resource) {
    case ApiResource::Health: return "/healthz";
    case ApiResource::Ready: return "/readyz";
    case ApiResource::Metrics: return "/metrics";
    case ApiResource::Jobs: return "/api/v1/jobs";
    case ApiResource::Job: return "/api/v1/jobs/{id}";
    case ApiResource::JobCancel: return "/api/v1/jobs/{id}/cancel";
    case ApiResource::JobRetry: return "/api/v1/jobs/{id}/retry";
    case ApiResource::JobResult: return "/api/v1/jobs/{id}/result";
    case ApiResource::JobEvents: return "/api/v1/jobs/{id}/events";
    case ApiResource::Kinds: return "/api/v1/kinds";
    case ApiResource::Stats: return "/api/v1/stats";
    case ApiResource::OpenApi: return "/api/v1/openapi.json";
    case ApiResource::Unknown:
    case ApiResource::BadJobId:
        break;
    }
    return "other";
}

const std::vector<ApiResource> &servedResources()
{
    static const std::vector<ApiResource> resources = {
        ApiResource::Health,    ApiResource::Ready,     ApiResource::Metrics,
        ApiResource::Jobs,      ApiResource::Job,       ApiResource::JobCancel,
        ApiResource::JobRetry,  ApiResource::JobResult, ApiResource::JobEvents,
        ApiResource::Kinds,     ApiResource::Stats,     ApiResource::OpenApi,
    };
    return resources;
}

} // namespace jobdesk
