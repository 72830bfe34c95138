// Service endpoints, and the 405 helper every family uses.
//
//   method  pattern    handler
//   GET     /health    {"status":"ok","topics":N}
//   GET     /metrics   Prometheus text format 0.0.4
#include <string>

#include "error_map.h"
#include "routes.h"

namespace pdfs::http {

void RegisterMethodNotAllowed(httplib::Server& server, const std::string& pattern,
                              unsigned allowed) {
  std::string allow;
  for (auto [bit, name] :
       {std::pair{kGet, "GET, HEAD"}, std::pair{kPost, "POST"}, std::pair{kPut, "PUT"},
        std::pair{kDelete, "DELETE"}, std::pair{kPatch, "PATCH"}, std::pair{kOptions, "OPTIONS"}}) {
    if ((allowed & bit) == 0) continue;
    if (!allow.empty()) allow += ", ";
    allow += name;
  }
  auto refuse = [allow](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Allow", allow);
    WriteError(res, 405, req.method + " is not allowed here; use " + allow);
  };
  if ((allowed & kPost) == 0) server.Post(pattern, refuse);
  if ((allowed & kPut) == 0) server.Put(pattern, refuse);
  if ((allowed & kDelete) == 0) server.Delete(pattern, refuse);
  if ((allowed & kPatch) == 0) server.Patch(pattern, refuse);
  if ((allowed & kOptions) == 0) server.Options(pattern, refuse);
  if ((allowed & kGet) == 0) server.Get(pattern, refuse);
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
    metric("pdfs_http_served_documents_total", "counter", "Documents served over HTTP.",
           sample("pdfs_http_served_documents_total", m.served_documents));
    res.set_content(out, "text/plain; version=0.0.4");
  });
  RegisterMethodNotAllowed(server, "/health", kGet);
  RegisterMethodNotAllowed(server, "/metrics", kGet);
}

}  // namespace pdfs::http
