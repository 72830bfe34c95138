// Request helpers shared by every route family (see request_helpers.h).
#include "request_helpers.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <string>

#include <nlohmann/json.hpp>

#include "connection_guard.h"
#include "error_map.h"
#include "header_lists.h"
#include "path_params.h"
#include "pdfs/topic_name.h"

namespace pdfs::http {

// The topic segment of the path, validated before any work is done.
bool TopicFromPath(const httplib::Request& req, httplib::Response& res, std::string* topic,
                   size_t match) {
  if (HasEncodedSlash(req)) {
    WriteError(res, 400, kEncodedSlashError);
    return false;
  }
  *topic = req.matches[match].str();
  if (Status s = ValidateTopicName(*topic); !s.ok()) {
    WriteError(res, s);
    return false;
  }
  return true;
}

// Reads an optional unsigned query parameter.
bool QueryU64(const httplib::Request& req, httplib::Response& res, const char* name, bool* present,
              uint64_t* value) {
  *present = req.has_param(name);
  if (!*present) return true;
  if (req.get_param_value_count(name) > 1) {
    WriteError(res, 400, std::string("query parameter ") + name + " is given more than once");
    return false;
  }
  if (Status s = ParseU64(req.get_param_value(name), std::string("query parameter ") + name, value);
      !s.ok()) {
    WriteError(res, s);
    return false;
  }
  return true;
}

// True if the Accept header asks for NDJSON: a media range
// application/x-ndjson whose q is not 0 (RFC 9110 12.5.1).
std::vector<std::string> AcceptedMediaRanges(const std::string& accept) {
  std::vector<std::string> ranges;
  for (std::string range : HeaderListItems(accept)) {
    for (char& c : range) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    range.erase(
        std::remove_if(range.begin(), range.end(), [](char c) { return c == ' ' || c == '\t'; }),
        range.end());
    const size_t semi = range.find(';');
    const size_t q = range.find(";q=");
    if (q != std::string::npos) {
      const std::string value = range.substr(q + 3, range.find(';', q + 3) - q - 3);
      if (value.find_first_not_of("0.") == std::string::npos) continue;  // q = 0
    }
    ranges.push_back(range.substr(0, semi));
  }
  return ranges;
}

bool AcceptsNdjson(const std::string& accept) {
  const std::vector<std::string> ranges = AcceptedMediaRanges(accept);
  return std::find(ranges.begin(), ranges.end(), kNdjson) != ranges.end();
}

// ?wait=SECONDS: how long the request may wait for `location` to exist.
bool WaitDeadline(const httplib::Request& req, httplib::Response& res, const RouteContext& ctx,
                  Clock::time_point* deadline) {
  bool present = false;
  uint64_t seconds = 0;
  if (!QueryU64(req, res, "wait", &present, &seconds)) return false;
  if (seconds > ctx.options.max_wait_seconds) {
    WriteError(res, 400,
               "query parameter wait must be at most " +
                   std::to_string(ctx.options.max_wait_seconds) + " seconds");
    return false;
  }
  *deadline = Clock::now() + std::chrono::seconds(seconds);
  return true;
}

// Waits until `location` exists in `topic` or the deadline passes, in
// slices of kWaitSlice so that a stopping server or a client that closed
// its connection ends the wait: the thread is free again within a slice.
// An error is written to `res` and false returned if the topic is gone or
// the server stops; a client that left gets the answer of an expired wait.
bool WaitForLocation(RouteContext& ctx, const std::string& topic, uint64_t location,
                     Clock::time_point deadline, httplib::Response& res) {
  struct Waiting {
    std::atomic<uint64_t>& gauge;
    explicit Waiting(std::atomic<uint64_t>& g) : gauge(g) { ++gauge; }
    ~Waiting() { --gauge; }
  } waiting(ctx.metrics.waiting_requests);
  for (;;) {
    const auto slice = std::min(deadline, Clock::now() + kWaitSlice);
    Result<TopicMeta> meta = ctx.store->WaitForLocation(topic, location, slice);
    if (!meta.ok()) {
      WriteError(res, meta.status());
      return false;
    }
    if (meta->count > location || Clock::now() >= deadline) return true;
    if (ctx.stopping) {
      WriteError(res, 503, "the server is shutting down");
      return false;
    }
    if (GuardedServer::ClientGone()) return true;
  }
}

std::string DeletedTopicBody(const std::string& topic) {
  nlohmann::ordered_json body = {{"topic", topic}, {"deleted", true}};
  return body.dump();
}

std::string BaseUrl(const httplib::Request& req) {
  std::string proto = req.get_header_value("X-Forwarded-Proto");
  if (proto != "https") proto = "http";
  std::string host = req.get_header_value("X-Forwarded-Host");
  if (host.empty()) host = req.get_header_value("Host");
  if (host.empty()) host = "localhost";
  // A host header is echoed into links: keep it to what a host may hold.
  host.erase(std::remove_if(host.begin(), host.end(),
                            [](char c) {
                              return !(std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                                       c == '-' || c == ':' || c == '[' || c == ']');
                            }),
             host.end());
  return proto + "://" + host.substr(0, 255);
}

}  // namespace pdfs::http
