// ServiceConfig: shared by serve and mount.
#include "service.h"

#include <cstdio>

#include "defaults.h"

namespace pdfs::mountd {
namespace {

// A pass less often than weekly would let retention_ms of a day keep a week.
constexpr uint64_t kMaxRetentionPeriodSeconds = 7 * 24 * 3600;
// The Hub's stable window; an hour is already far beyond any clock skew.
constexpr uint64_t kMaxStableSeconds = 3600;

}  // namespace

std::set<std::string> ServiceValueOptions() {
  return {"data",     "listen",         "max-body",         "threads",
          "max-wait", "min-free-space", "retention-period", "stable-seconds"};
}
std::set<std::string> ServiceFlags() { return {"no-sync"}; }

bool ReadServiceConfig(Args& args, bool listen_by_default, ServiceConfig* config) {
  config->data_dir = args.Get("data", DefaultDataDir());
  config->store.sync = !args.Has("no-sync");
  config->serve_http = listen_by_default || args.Has("listen");
  if (config->serve_http) {
    Status s = http::ParseListenAddress(args.Get("listen", kDefaultListen), &config->http.host,
                                        &config->http.port);
    if (!s.ok()) {
      std::fprintf(stderr, "pdfs: %s\n", s.message().c_str());
      return false;
    }
  }
  uint64_t max_body = 0, threads = 0, max_wait = 0, min_free = 0, retention = 0, stable = 0;
  if (!args.GetU64("min-free-space", config->store.min_free_disk_bytes, &min_free) ||
      !args.GetU64("retention-period", config->retention_period.count(), &retention) ||
      !args.GetU64("max-body", config->http.max_body_bytes, &max_body) ||
      !args.GetU64("threads", config->http.threads, &threads) ||
      !args.GetU64("max-wait", config->http.max_wait_seconds, &max_wait) ||
      !args.GetU64("stable-seconds", config->http.hub_stable_seconds, &stable)) {
    std::fprintf(stderr, "pdfs: %s\n", args.error().c_str());
    return false;
  }
  if (threads < 1 || threads > 4096) {
    std::fprintf(stderr, "pdfs: --threads must be between 1 and 4096\n");
    return false;
  }
  if (retention < 1 || retention > kMaxRetentionPeriodSeconds) {
    std::fprintf(stderr, "pdfs: --retention-period must be from 1 to %llu seconds (a week)\n",
                 static_cast<unsigned long long>(kMaxRetentionPeriodSeconds));
    return false;
  }
  if (stable > kMaxStableSeconds) {
    std::fprintf(stderr, "pdfs: --stable-seconds must be from 0 to %llu\n",
                 static_cast<unsigned long long>(kMaxStableSeconds));
    return false;
  }
  config->http.hub_stable_seconds = stable;
  config->retention_period = std::chrono::seconds(retention);
  config->store.min_free_disk_bytes = min_free;
  config->http.max_body_bytes = max_body;
  config->store.max_document_bytes = max_body;
  config->http.threads = threads;
  config->http.max_wait_seconds = max_wait;
  return true;
}

std::unique_ptr<Store> OpenStoreOrReport(const ServiceConfig& config) {
  Result<std::unique_ptr<Store>> store = Store::Open(config.store, config.data_dir);
  if (!store.ok()) {
    std::fprintf(stderr, "pdfs: %s\n", store.status().message().c_str());
    return nullptr;
  }
  return std::move(store).value();
}

bool StartHttpOrReport(const http::Services& services, const ServiceConfig& config,
                       std::unique_ptr<http::Server>* server) {
  if (!config.serve_http) return true;
  auto s = std::make_unique<http::Server>(services, config.http);
  if (Status st = s->Start(); !st.ok()) {
    std::fprintf(stderr, "pdfs: %s\n", st.message().c_str());
    return false;
  }
  const std::string& host = config.http.host;
  const bool v6 = host.find(':') != std::string::npos;
  std::printf("pdfs: serving http://%s%s%s:%d (data in %s)\n", v6 ? "[" : "", host.c_str(),
              v6 ? "]" : "", s->port(), config.data_dir.c_str());
  std::fflush(stdout);
  *server = std::move(s);
  return true;
}

std::unique_ptr<topics::RetentionEnforcer> StartRetention(Store* store,
                                                          const ServiceConfig& config) {
  topics::RetentionEnforcer::Config retention;
  retention.period = config.retention_period;
  return std::make_unique<topics::RetentionEnforcer>(store, std::move(retention));
}

}  // namespace pdfs::mountd
