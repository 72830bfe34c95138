// What `serve` and `mount` share: the options that open a store and serve
// HTTP on it, and opening them with one-line errors.
#ifndef PDFS_MOUNTD_SERVICE_H_
#define PDFS_MOUNTD_SERVICE_H_

#include <memory>
#include <set>
#include <string>

#include "args.h"
#include "pdfs/http/server.h"
#include "pdfs/store.h"

namespace pdfs::mountd {

struct ServiceConfig {
  std::string data_dir;
  Options store;
  bool serve_http = false;  // --listen given (always true for `serve`)
  http::ServerOptions http;
};

// Option names ServiceConfig reads (for Args): data, listen, max-body,
// threads, max-wait, min-free-space; flag no-sync.
std::set<std::string> ServiceValueOptions();
std::set<std::string> ServiceFlags();

// Fills *config from parsed args. On a bad value prints "pdfs: <why>" and
// returns false.
bool ReadServiceConfig(Args& args, bool listen_by_default, ServiceConfig* config);

// Opens the store; prints "pdfs: <why>" and returns null on failure.
std::unique_ptr<Store> OpenStoreOrReport(const ServiceConfig& config);
// Starts HTTP if configured; prints "pdfs: <why>" and returns null on failure.
// Prints "pdfs: serving http://HOST:PORT" on stdout once it listens.
bool StartHttpOrReport(Store* store, const ServiceConfig& config,
                       std::unique_ptr<http::Server>* server);

}  // namespace pdfs::mountd

#endif  // PDFS_MOUNTD_SERVICE_H_
