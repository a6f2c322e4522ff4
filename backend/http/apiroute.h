#pragma once

#include <QString>
#include <string_view>
#include <vector>

namespace jobdesk {

/// The resources of the HTTP API, as told apart by path alone.
enum class ApiResource
{
    Unknown,   // 404
    BadJobId,  // a job path whose id is not a UUID: 400, the store is never asked
    Health,    // /healthz
    Jobs,      // /api/v1/jobs
    Job,       // /api/v1/jobs/{id}
    JobCancel, // /api/v1/jobs/{id}/cancel
    JobRetry,  // /api/v1/jobs/{id}/retry
    JobResult, // /api/v1/jobs/{id}/result
    JobEvents, // /api/v1/jobs/{id}/events
    Kinds,     // /api/v1/kinds
    Stats,     // /api/v1/stats
    OpenApi,   // /api/v1/openapi.json
    Ready,     // /readyz
    Metrics,   // /metrics
};

/// A request path resolved to a resource.
struct ApiRoute
{
    ApiResource resource = ApiResource::Unknown;
    /// The job id, lower-cased, for the job resources.
    QString jobId;
    /// Under /api/v1: the bearer token is required.
    bool needsAuth = false;
};

/// Resolves a request path (still percent-encoded, without the query).
/// Segments are matched as sent: `..`, empty segments and encoded slashes
/// never name a resource, and an id is only ever a canonical UUID.
ApiRoute parseApiRoute(std::string_view path);

/// The methods a resource answers, as an `Allow` value ("GET, HEAD").
const char *allowedMethods(ApiResource resource);
/// Whether `method` is one of them (HEAD wherever GET is).
bool isMethodAllowed(ApiResource resource, std::string_view method);

/// The path template of a resource, as the OpenAPI document lists it and
/// metrics label it ("/api/v1/jobs/{id}"); "other" for Unknown and BadJobId.
const char *routeTemplate(ApiResource resource);
/// Every resource the server answers at a path of its own.
const std::vector<ApiResource> &servedResources();

} // namespace jobdesk
