// Route families of the HTTP server; each file registers one family.
#ifndef PDFS_HTTP_ROUTES_H_
#define PDFS_HTTP_ROUTES_H_

#include <atomic>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <httplib.h>

#include "metrics.h"
#include "pdfs/http/server.h"
#include "pdfs/store.h"

namespace pdfs::http {

// What every route family may use. Outlives the httplib::Server.
struct RouteContext {
  Store* store = nullptr;
  ServerOptions options;
  Metrics metrics;
  // Set by Server::Stop(); long-polls check it so that shutdown never waits
  // for a client's full `?wait=`.
  std::atomic<bool> stopping{false};
  // Each route pattern and its Allow header (RegisterMethodNotAllowed).
  std::vector<std::pair<std::regex, std::string>> allow;
};

// routes_stream.cc: /stream/... (docs/PHATDATA.md, as README.md's HTTP API section pins it down).
void RegisterStreamRoutes(httplib::Server& server, RouteContext& ctx);
// routes_katar.cc: /topic, /publish, /subscribe (docs/KATAR.md).
void RegisterKatarRoutes(httplib::Server& server, RouteContext& ctx);
// routes_service.cc: /health and /metrics.
void RegisterServiceRoutes(httplib::Server& server, RouteContext& ctx);

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
