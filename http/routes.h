// Route families of the HTTP server: one object per face, each in a file of
// its own, registered by the Server in a fixed order.
#ifndef PDFS_HTTP_ROUTES_H_
#define PDFS_HTTP_ROUTES_H_

#include <atomic>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <httplib.h>

#include "error_map.h"
#include "metrics.h"
#include "pdfs/http/server.h"
#include "pdfs/store.h"

namespace pdfs::http {

// What every route family may use. Outlives the httplib::Server.
struct RouteContext {
  Store* store = nullptr;
  const topics::RetentionEnforcer* retention = nullptr;  // may be null
  ServerOptions options;
  Metrics metrics;
  // Set by Server::Stop(); long-polls check it so that shutdown never waits
  // for a client's full `?wait=`.
  std::atomic<bool> stopping{false};
  // Each route pattern and its Allow header (RegisterMethodNotAllowed).
  std::vector<std::pair<std::regex, std::string>> allow;
  // Path prefixes whose errors a family shapes its own way (ClaimErrorShape).
  std::vector<std::pair<std::string, ErrorShape>> error_shapes;
};

// One face's routes. The object lives as long as the Server and owns what
// the face keeps between requests (its counters, for now); its handlers run
// on the request threads, so that state is thread-safe.
class RouteFamily {
 public:
  virtual ~RouteFamily() = default;
  // Registers the handlers, once, before the server listens. `ctx` outlives
  // the family.
  virtual void Register(httplib::Server& server, RouteContext& ctx) = 0;
  // Appends the family's own metrics to GET /metrics.
  virtual void AppendMetrics(MetricsText& out) const { (void)out; }
  // Before routing (and before the body is read): answers a request the
  // family handles for every path it owns, such as the Hub's redirect of a
  // trailing slash, and returns true; false lets routing go on. Every family
  // sees every request, so it checks the path itself.
  virtual bool BeforeRouting(const httplib::Request& req, httplib::Response& res) const {
    (void)req;
    (void)res;
    return false;
  }
  // After every response is made, errors included: headers the family puts
  // on everything it owns (the Hub's Server, Hub-Node and CORS headers).
  virtual void AfterRouting(const httplib::Request& req, httplib::Response& res) const {
    (void)req;
    (void)res;
  }
};

// routes_stream.cc: /stream/... (docs/PHATDATA.md, as README.md's HTTP API section pins it down).
std::unique_ptr<RouteFamily> NewStreamRoutes();
// routes_katar.cc: /topic, /publish, /subscribe (docs/KATAR.md).
std::unique_ptr<RouteFamily> NewKatarRoutes();
// routes_hub.cc: /channel/... (docs/HUB.md).
std::unique_ptr<RouteFamily> NewHubRoutes();
// routes_service.cc: /health and /metrics, which reports the shared
// counters, the retention pass and every family in `families`.
std::unique_ptr<RouteFamily> NewServiceRoutes(std::vector<const RouteFamily*> families);

// Errors under `prefix` (the path itself and everything below "prefix/")
// are written in `shape`, also those written outside the family's handlers:
// 404 for unknown endpoints, 405, 500, httplib's own refusals. Called from
// Register.
void ClaimErrorShape(RouteContext& ctx, std::string prefix, ErrorShape shape);
// True if `path` is `prefix` or lies below it ("prefix/..."): what a family
// owns, for its error shape and its own pre- and post-routing work.
bool PathUnder(std::string_view path, std::string_view prefix);
// The shape of errors for `path` (kJson where no family claimed it).
ErrorShape ErrorShapeFor(const RouteContext& ctx, const std::string& path);

// httplib decodes the path before routing, so an encoded '/' inside a topic
// name would move a request to another endpoint (a DELETE of
// "/stream/a%2F5" would truncate topic "a"). No valid path holds one; every
// handler that takes a topic refuses it, and so does the 404 fallback.
// (Not a pre-routing hook: that runs before the body is read, and a refused
// request would leave its body in the keep-alive connection.)
bool HasEncodedSlash(const httplib::Request& req);
inline constexpr char kEncodedSlashError[] =
    "an encoded '/' (%2F) is not allowed in a path: topic names cannot hold '/'";

// Answers 405 with an Allow header for every method not in `allowed` on
// `pattern` (httplib would answer 404 for them), and OPTIONS with 204 and
// the Allow header. Records the pattern for AllowedMethods.
enum MethodBit : unsigned {
  kGet = 1,
  kPost = 2,
  kPut = 4,
  kDelete = 8,
  kPatch = 16,
  kOptions = 32
};
void RegisterMethodNotAllowed(httplib::Server& server, RouteContext& ctx,
                              const std::string& pattern, unsigned allowed);
// The Allow header of the resource at `path` ("" if there is none); "*" is
// the server as a whole.
std::string AllowedMethods(const RouteContext& ctx, const std::string& path);
inline constexpr char kAllMethods[] = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";

}  // namespace pdfs::http

#endif  // PDFS_HTTP_ROUTES_H_
