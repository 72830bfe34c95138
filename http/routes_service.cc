// Service endpoints, and the 405 helper every family uses.
//
//   method  pattern    handler
//   GET     /health    {"status":"ok","topics":N}
//   GET     /metrics   Prometheus text format 0.0.4
#include <regex>
#include <string>

#include "error_map.h"
#include "routes.h"

namespace pdfs::http {

void RegisterMethodNotAllowed(httplib::Server& server, RouteContext& ctx,
                              const std::string& pattern, unsigned allowed) {
  allowed |= kOptions;
  std::string allow;
  for (auto [bit, name] :
       {std::pair{kGet, "GET, HEAD"}, std::pair{kPost, "POST"}, std::pair{kPut, "PUT"},
        std::pair{kDelete, "DELETE"}, std::pair{kPatch, "PATCH"}, std::pair{kOptions, "OPTIONS"}}) {
    if ((allowed & bit) == 0) continue;
    if (!allow.empty()) allow += ", ";
    allow += name;
  }
  ctx.allow.emplace_back(std::regex(pattern), allow);
  auto refuse = [allow](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Allow", allow);
    WriteError(res, 405, req.method + " is not allowed here; use " + allow);
  };
  // Refused before the body is read: the connection closes instead, if the
  // request had one (connection_guard.h).
  auto refuse_unread = [refuse](const httplib::Request& req, httplib::Response& res,
                                const httplib::ContentReader&) { refuse(req, res); };
  if ((allowed & kPost) == 0) server.Post(pattern, refuse_unread);
  if ((allowed & kPut) == 0) server.Put(pattern, refuse_unread);
  if ((allowed & kDelete) == 0) server.Delete(pattern, refuse_unread);
  if ((allowed & kPatch) == 0) server.Patch(pattern, refuse_unread);
  if ((allowed & kGet) == 0) server.Get(pattern, refuse);
  // OPTIONS is answered with what the resource allows; CORS is off
  // (README: no Access-Control-* headers), so a browser's cross-origin
  // preflight fails here as the README says.
  server.Options(pattern, [allow](const httplib::Request&, httplib::Response& res) {
    res.set_header("Allow", allow);
    res.status = 204;
  });
}

std::string AllowedMethods(const RouteContext& ctx, const std::string& path) {
  if (path == "*") return kAllMethods;
  for (const auto& [pattern, allow] : ctx.allow) {
    if (std::regex_match(path, pattern)) return allow;
  }
  return "";
}

void RegisterServiceRoutes(httplib::Server& server, RouteContext& ctx) {
  server.Get("/health", [&ctx](const httplib::Request&, httplib::Response& res) {
    res.set_content(
        "{\"status\":\"ok\",\"topics\":" + std::to_string(ctx.store->ListTopics().size()) + "}",
        "application/json");
  });
  server.Get("/metrics", [&ctx](const httplib::Request&, httplib::Response& res) {
    uint64_t topics = 0, documents = 0, bytes = 0;
    for (const TopicMeta& m : ctx.store->ListTopics()) {
      ++topics;
      documents += m.documents();
      bytes += m.size;
    }
    const Metrics& m = ctx.metrics;
    std::string out;
    auto metric = [&out](const char* name, const char* type, const char* help,
                         const std::string& samples) {
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
             samples;
    };
    auto sample = [](const char* name, uint64_t v) {
      return std::string(name) + " " + std::to_string(v) + "\n";
    };
    metric("pdfs_topics", "gauge", "Topics in the store.", sample("pdfs_topics", topics));
    metric("pdfs_documents", "gauge", "Documents stored in all topics.",
           sample("pdfs_documents", documents));
    metric("pdfs_stored_bytes", "gauge", "Bytes of documents stored in all topics.",
           sample("pdfs_stored_bytes", bytes));
    metric("pdfs_http_responses_total", "counter", "HTTP responses by status class.",
           "pdfs_http_responses_total{code=\"2xx\"} " + std::to_string(m.responses_2xx) + "\n" +
               "pdfs_http_responses_total{code=\"4xx\"} " + std::to_string(m.responses_4xx) + "\n" +
               "pdfs_http_responses_total{code=\"5xx\"} " + std::to_string(m.responses_5xx) + "\n");
    metric("pdfs_http_appended_documents_total", "counter", "Documents appended over HTTP.",
           sample("pdfs_http_appended_documents_total", m.appended_documents));
    metric("pdfs_http_appended_bytes_total", "counter", "Bytes of documents appended over HTTP.",
           sample("pdfs_http_appended_bytes_total", m.appended_bytes));
    metric("pdfs_http_waiting_requests", "gauge",
           "Requests waiting for a location to exist (long-polls).",
           sample("pdfs_http_waiting_requests", m.waiting_requests));
    metric("pdfs_http_served_documents_total", "counter", "Documents served over HTTP.",
           sample("pdfs_http_served_documents_total", m.served_documents));
    res.set_content(out, "text/plain; version=0.0.4");
  });
  RegisterMethodNotAllowed(server, ctx, "/health", kGet);
  RegisterMethodNotAllowed(server, ctx, "/metrics", kGet);
  // OPTIONS * asks about the server as a whole.
  server.Options(R"(\*)", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Allow", kAllMethods);
    res.status = 204;
  });
}

}  // namespace pdfs::http
