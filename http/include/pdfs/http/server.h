// Every face's HTTP API on one store: the PhatData stream API (docs/PHATDATA.md,
// as README.md's HTTP API section pins it down), Katar (docs/KATAR.md), Hub
// channels (docs/HUB.md), and /health and /metrics.
#ifndef PDFS_HTTP_SERVER_H_
#define PDFS_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "pdfs/status.h"
#include "pdfs/store.h"

namespace pdfs::topics {
class RetentionEnforcer;
}

namespace pdfs::http {

// What the server serves: the engine, and the services that run beside it in
// the same process. Each must outlive the Server.
struct Services {
  Store* store = nullptr;  // required
  // The retention pass, if one runs: GET /metrics reports what it did.
  const topics::RetentionEnforcer* retention = nullptr;
};

struct ServerOptions {
  // Address to listen on. Port 0 picks a free port (see Server::port()).
  std::string host = "127.0.0.1";
  int port = 9080;
  // Largest request body, counted after Content-Encoding is decoded and
  // while it arrives; larger requests get 413 and store nothing.
  // Default: 64 MiB.
  size_t max_body_bytes = size_t{64} << 20;
  // Open connections served at once, each on a thread of its own (4 MiB
  // stack; keep-alive and long-polls included). More connections wait for
  // one to end. Default: 1024.
  size_t threads = 1024;
  // Longest `?wait=` a client may ask for, in seconds. Default: 300.
  uint64_t max_wait_seconds = 300;
  // The Hub's stable window: Hub queries show only items older than this
  // many seconds unless a client asks for ?stable=false. 0 shows everything
  // at once. Default: 5, as the Hub.
  uint64_t hub_stable_seconds = 5;
};

// Splits "HOST:PORT" (or "[v6]:PORT", or ":PORT" meaning 127.0.0.1).
// InvalidArgument with a sentence if it is malformed.
Status ParseListenAddress(const std::string& text, std::string* host, int* port);

// An HTTP server on a Store. Start() and Stop() are called from one thread;
// requests are served on the server's own threads.
class Server {
 public:
  Server(Services services, ServerOptions options);
  // The store alone, with no background services.
  Server(Store* store, ServerOptions options)
      : Server(Services{store, nullptr}, std::move(options)) {}
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();  // Stop()s

  // Binds and starts serving in the background. Unavailable with a sentence
  // such as "cannot listen on 127.0.0.1:9080: address already in use".
  Status Start();
  // The bound port (useful with port 0). REQUIRES: Start() succeeded.
  int port() const;
  // Stops accepting, ends open connections and long-polls, joins threads.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pdfs::http

#endif  // PDFS_HTTP_SERVER_H_
