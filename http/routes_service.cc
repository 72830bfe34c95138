// Service endpoints, and the 405 helper every family uses.
//
//   method  pattern    handler
//   GET     /health    {"status":"ok","topics":N,"healthy":true,"version",...}
//   GET     /metrics   Prometheus text format 0.0.4
#include <memory>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <chrono>
#include <nlohmann/json.hpp>

#include "error_map.h"
#include "pdfs/hub/keys.h"
#include "pdfs/topics/retention.h"
#include "request_helpers.h"
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
  auto refuse = [allow, &ctx](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Allow", allow);
    WriteError(res, 405, req.method + " is not allowed here; use " + allow,
               ErrorShapeFor(ctx, req.path));
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

void ClaimErrorShape(RouteContext& ctx, std::string prefix, ErrorShape shape) {
  ctx.error_shapes.emplace_back(std::move(prefix), shape);
}

bool PathUnder(std::string_view path, std::string_view prefix) {
  return path.substr(0, prefix.size()) == prefix &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

ErrorShape ErrorShapeFor(const RouteContext& ctx, const std::string& path) {
  for (const auto& [prefix, shape] : ctx.error_shapes) {
    if (PathUnder(path, prefix)) return shape;
  }
  return ErrorShape::kJson;
}

namespace {

class ServiceRoutes : public RouteFamily {
 public:
  explicit ServiceRoutes(std::vector<const RouteFamily*> families)
      : families_(std::move(families)), started_(std::chrono::system_clock::now()) {}

  void Register(httplib::Server& server, RouteContext& ctx) override {
    // One document for every face: PhatData's status and topics, and the
    // fields the Hub's clients read (healthy, version, startTime, ...).
    server.Get("/health", [this, &ctx](const httplib::Request& req, httplib::Response& res) {
      const auto now = std::chrono::system_clock::now();
      nlohmann::ordered_json health;
      health["status"] = "ok";
      health["topics"] = ctx.store->ListTopics().size();
      health["healthy"] = true;
      health["description"] = "pdfs";
      health["version"] = PDFS_VERSION;
      health["readOnly"] = false;
      health["startTime"] = hub::FormatIso8601Millis(
          std::chrono::duration_cast<std::chrono::milliseconds>(started_.time_since_epoch())
              .count());
      health["upTimeHours"] =
          std::chrono::duration_cast<std::chrono::hours>(now - started_).count();
      health["_links"] = {{"self", {{"href", BaseUrl(req) + "/health"}}},
                          {"metrics", {{"href", BaseUrl(req) + "/metrics"}}}};
      res.set_content(health.dump(), kJson);
    });
    server.Get("/metrics", [this, &ctx](const httplib::Request&, httplib::Response& res) {
      MetricsText out;
      AppendStoreMetrics(ctx, out);
      AppendHttpMetrics(ctx.metrics, out);
      if (ctx.retention != nullptr) AppendRetentionMetrics(*ctx.retention, out);
      for (const RouteFamily* family : families_) family->AppendMetrics(out);
      res.set_content(out.text(), "text/plain; version=0.0.4");
    });
    RegisterMethodNotAllowed(server, ctx, "/health", kGet);
    RegisterMethodNotAllowed(server, ctx, "/metrics", kGet);
    // OPTIONS * asks about the server as a whole.
    server.Options(R"(\*)", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Allow", kAllMethods);
      res.status = 204;
    });
  }

 private:
  static void AppendStoreMetrics(const RouteContext& ctx, MetricsText& out) {
    uint64_t topics = 0, documents = 0, bytes = 0;
    for (const TopicMeta& m : ctx.store->ListTopics()) {
      ++topics;
      documents += m.documents();
      bytes += m.size;
    }
    out.Add("pdfs_topics", "gauge", "Topics in the store.", topics);
    out.Add("pdfs_documents", "gauge", "Documents stored in all topics.", documents);
    out.Add("pdfs_stored_bytes", "gauge", "Bytes of documents stored in all topics.", bytes);
  }

  static void AppendHttpMetrics(const Metrics& m, MetricsText& out) {
    out.AddLabelled("pdfs_http_responses_total", "counter", "HTTP responses by status class.",
                    "code",
                    {{"2xx", m.responses_2xx}, {"4xx", m.responses_4xx}, {"5xx", m.responses_5xx}});
    out.Add("pdfs_http_appended_documents_total", "counter", "Documents appended over HTTP.",
            m.appended_documents);
    out.Add("pdfs_http_appended_bytes_total", "counter", "Bytes of documents appended over HTTP.",
            m.appended_bytes);
    out.Add("pdfs_http_waiting_requests", "gauge",
            "Requests waiting for a location to exist (long-polls).", m.waiting_requests);
    out.Add("pdfs_http_served_documents_total", "counter", "Documents served over HTTP.",
            m.served_documents);
  }

  static void AppendRetentionMetrics(const topics::RetentionEnforcer& retention, MetricsText& out) {
    const topics::RetentionEnforcer::Counters c = retention.counters();
    out.Add("pdfs_retention_passes_total", "counter",
            "Completed passes applying every topic's retention settings.", c.passes);
    out.Add("pdfs_retention_removed_items_total", "counter",
            "Items removed from the front of topics by retention.", c.items_removed);
    out.Add("pdfs_retention_skipped_topics_total", "counter",
            "Topics a pass skipped because their settings are not valid.", c.invalid_settings);
    out.Add("pdfs_retention_errors_total", "counter", "Retention cuts that failed.", c.errors);
  }

  const std::vector<const RouteFamily*> families_;
  const std::chrono::system_clock::time_point started_;
};

}  // namespace

std::unique_ptr<RouteFamily> NewServiceRoutes(std::vector<const RouteFamily*> families) {
  return std::make_unique<ServiceRoutes>(std::move(families));
}

}  // namespace pdfs::http
