// pdfs serve: HTTP only, in the foreground, until SIGINT or SIGTERM.
#include <cstdio>

#include "commands.h"
#include "service.h"
#include "signals.h"

namespace pdfs::mountd {

const char kServeHelp[] =
    "  pdfs serve [--data DIR] [--listen ADDR:PORT] [--mount MOUNTPOINT] [--no-sync]\n"
    "             [--max-body BYTES] [--threads N] [--max-wait SECONDS]\n"
    "             [--stable-seconds S]\n"
    "             [--min-free-space BYTES] [--retention-period SECONDS]\n"
    "      Serve the stream API over HTTP (default 127.0.0.1:9080) in the foreground\n"
    "      until SIGINT/SIGTERM; with --mount, also mount the streams at MOUNTPOINT.\n"
    "      Topics' retention settings are applied every --retention-period seconds\n"
    "      (default 10).\n";

int RunServe(int argc, char** argv) {
  std::set<std::string> values = ServiceValueOptions();
  values.insert("mount");
  Args args(values, ServiceFlags());
  if (!args.Parse(argc, argv, 2)) {
    std::fprintf(stderr, "pdfs serve: %s\nusage:\n%s", args.error().c_str(), kServeHelp);
    return 2;
  }
  if (!args.positionals().empty()) {
    std::fprintf(stderr, "pdfs serve: unexpected argument \"%s\"\nusage:\n%s",
                 args.positionals()[0].c_str(), kServeHelp);
    return 2;
  }
  ServiceConfig config;
  if (!ReadServiceConfig(args, /*listen_by_default=*/true, &config)) return 2;
  if (args.Has("mount")) return RunMountedInForeground(config, args.Get("mount"));

  BlockShutdownSignals();  // before any thread starts
  std::unique_ptr<Store> store = OpenStoreOrReport(config);
  if (store == nullptr) return 1;
  std::unique_ptr<topics::RetentionEnforcer> retention = StartRetention(store.get(), config);
  std::unique_ptr<http::Server> server;
  if (!StartHttpOrReport({store.get(), retention.get()}, config, &server)) return 1;

  int sig = WaitForShutdownSignal();
  std::fprintf(stderr, "pdfs: signal %d, shutting down\n", sig);
  retention->Stop();
  store->Shutdown();  // ends long-polls at once
  server->Stop();
  server.reset();
  store.reset();  // closes RocksDB cleanly
  return 0;
}

}  // namespace pdfs::mountd
