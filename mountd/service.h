// What `serve` and `mount` share: the options that open a store and serve
// HTTP on it, and opening them with one-line errors.
#ifndef PDFS_MOUNTD_SERVICE_H_
#define PDFS_MOUNTD_SERVICE_H_

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "args.h"
#include "pdfs/http/server.h"
#include "pdfs/store.h"
#include "pdfs/topics/retention.h"

namespace pdfs::mountd {

struct ServiceConfig {
  std::string data_dir;
  Options store;
  bool serve_http = false;  // --listen given (always true for `serve`)
  http::ServerOptions http;
  // How often every topic's retention settings are applied (the background
  // pass of engine/topics/retention.h).
  std::chrono::seconds retention_period{10};
};

// Option names ServiceConfig reads (for Args): data, listen, max-body,
// threads, max-wait, min-free-space, retention-period, stable-seconds; flag
// no-sync.
std::set<std::string> ServiceValueOptions();
std::set<std::string> ServiceFlags();

// Fills *config from parsed args. On a bad value prints "pdfs: <why>" and
// returns false.
bool ReadServiceConfig(Args& args, bool listen_by_default, ServiceConfig* config);

// Opens the store; prints "pdfs: <why>" and returns null on failure.
std::unique_ptr<Store> OpenStoreOrReport(const ServiceConfig& config);
// Starts the retention pass over every topic. Stop it before the store
// shuts down, so that no pass is cut short by Shutdown().
std::unique_ptr<topics::RetentionEnforcer> StartRetention(Store* store,
                                                          const ServiceConfig& config);
// Starts HTTP if configured, serving `services`; prints "pdfs: <why>" and
// returns false on failure. Prints "pdfs: serving http://HOST:PORT" on
// stdout once it listens.
bool StartHttpOrReport(const http::Services& services, const ServiceConfig& config,
                       std::unique_ptr<http::Server>* server);

}  // namespace pdfs::mountd

#endif  // PDFS_MOUNTD_SERVICE_H_
