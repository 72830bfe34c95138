// pdfs mount MOUNTPOINT ... and the mount(8) form pdfs DIR MOUNTPOINT -o OPTS.
//
// Options: our own --long options (the ServiceConfig ones, as for serve)
// go through Args; -f, -d, -s, -h, -V and -o go through libfuse's
// fuse_parse_cmdline(), and our keys inside -o (listen=, no_sync, ...)
// through fuse_opt_parse(), which also drops the fstab-only keys. Whatever
// -o options remain are mount options for libfuse (allow_other, ro, ...).
//
// Backgrounding. RocksDB and the HTTP server start threads, and threads do
// not survive fork(), so fuse_daemonize() (which forks) cannot be used once
// the store is open. Without -f the process forks first: the child opens
// the store, serves HTTP, mounts, and only then tells the waiting parent
// (one byte through a pipe), which exits 0; if anything fails the child
// prints the one-line error and exits, the parent sees the pipe close and
// exits 1. So `pdfs mount` and mount(8) return only once the mount exists.
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <fuse_opt.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "commands.h"
#include "pdfs/fs/mount.h"
#include "service.h"
#include "signals.h"

namespace pdfs::mountd {

const char kMountHelp[] =
    "  pdfs mount MOUNTPOINT [--data DIR] [--listen ADDR:PORT] [-f] [-d] [-o OPTS]\n"
    "             [--no-sync] [--max-body BYTES] [--threads N] [--max-wait SECONDS]\n"
    "             [--stable-seconds S]\n"
    "             [--min-free-space BYTES] [--retention-period SECONDS]\n"
    "      Mount the streams at MOUNTPOINT: topics are directories, documents are\n"
    "      files 000000.json ..., writing a new name appends. Serves HTTP from the same\n"
    "      process if --listen (or -o listen=ADDR:PORT) is given. Goes to the\n"
    "      background once mounted; -f stays in the foreground, -d logs every request.\n"
    "      -o takes libfuse mount options (allow_other, ro, ...) and listen=, no_sync,\n"
    "      max_body=, threads=, max_wait=, min_free_space=, retention_period= (as the\n"
    "      -- options);\n"
    "      _netdev, auto, noauto, user, users, nofail are accepted and ignored.\n"
    "      Unmount with: fusermount3 -u MOUNTPOINT (or SIGINT/SIGTERM in the foreground).\n";

namespace {

// Our keys inside -o, turned into the same settings as the --long options:
// key=VALUE becomes --key=VALUE with '_' read as '-'.
enum OptKey {
  kKeyValue,
  kKeyNoSync,
};

const fuse_opt kOptSpec[] = {
    FUSE_OPT_KEY("listen=", kKeyValue),
    FUSE_OPT_KEY("max_body=", kKeyValue),
    FUSE_OPT_KEY("threads=", kKeyValue),
    FUSE_OPT_KEY("max_wait=", kKeyValue),
    FUSE_OPT_KEY("min_free_space=", kKeyValue),
    FUSE_OPT_KEY("retention_period=", kKeyValue),
    FUSE_OPT_KEY("no_sync", kKeyNoSync),
    // fstab-only: meaningful to mount(8), not to the filesystem.
    FUSE_OPT_KEY("_netdev", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("auto", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("noauto", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("user", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("nouser", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("users", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("nofail", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("defaults", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_END,
};

// Receives our -o keys as --long options for Args.
int OptProc(void* data, const char* arg, int key, fuse_args* outargs) {
  (void)outargs;
  auto* longs = static_cast<std::vector<std::string>*>(data);
  switch (key) {
    case kKeyValue: {
      std::string option = std::string("--") + arg;
      const size_t eq = option.find('=');
      std::replace(option.begin(), option.begin() + static_cast<std::ptrdiff_t>(eq), '_', '-');
      longs->push_back(option);
      return 0;
    }
    case kKeyNoSync:
      longs->push_back("--no-sync");
      return 0;
    default:
      return 1;  // keep: a mount option for libfuse
  }
}

struct FuseArgs {
  fuse_args args = FUSE_ARGS_INIT(0, nullptr);
  ~FuseArgs() { fuse_opt_free_args(&args); }
  void Add(const std::string& a) { fuse_opt_add_arg(&args, a.c_str()); }
};

// What the command line asks for.
struct MountRequest {
  ServiceConfig config;
  std::string mountpoint;
  bool foreground = false;
  fs::MountOptions mount;
};

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// Parses argv[first..argc). `helper_form`: the positionals are DIR
// MOUNTPOINT (mount(8)), else MOUNTPOINT. Returns -1 to go on, else the exit
// status (after printing help, the version or a usage error).
int Parse(int argc, char** argv, int first, bool helper_form, MountRequest* req) {
  const char* cmd = helper_form ? "pdfs" : "pdfs mount";
  auto usage = [&](const std::string& why) {
    std::fprintf(stderr, "%s: %s\nusage:\n%s", cmd, why.c_str(), kMountHelp);
    return 2;
  };
  const std::set<std::string> values = ServiceValueOptions();
  const std::set<std::string> flags = ServiceFlags();
  std::vector<std::string> longs = {"pdfs"};
  FuseArgs fuse;
  fuse.Add("pdfs");
  std::vector<std::string> positionals;
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    if (StartsWith(a, "--") && a.size() > 2) {
      const std::string name = a.substr(2, a.find('=') - 2);
      if (values.count(name) != 0 || flags.count(name) != 0) {
        longs.push_back(a);
        if (values.count(name) != 0 && a.find('=') == std::string::npos && i + 1 < argc) {
          longs.push_back(argv[++i]);
        }
        continue;
      }
      if (a == "--help" || a == "--version") {
        fuse.Add(a);
        continue;
      }
      return usage("unknown option " + a);
    }
    if (a == "-o") {
      if (i + 1 >= argc) return usage("option -o needs a value");
      fuse.Add(a);
      fuse.Add(argv[++i]);
    } else if (StartsWith(a, "-o") || a == "-f" || a == "-d" || a == "-s" || a == "-h" ||
               a == "-V") {
      fuse.Add(a);
    } else if (a.size() > 1 && a[0] == '-') {
      return usage("unknown option " + a);
    } else {
      positionals.push_back(a);
    }
  }

  fuse_cmdline_opts opts{};
  if (fuse_parse_cmdline(&fuse.args, &opts) != 0) return usage("bad options");
  std::free(opts.mountpoint);
  if (opts.show_help) {
    std::printf("usage:\n%s", kMountHelp);
    return 0;
  }
  if (opts.show_version) {
    std::printf("pdfs %s (libfuse %s)\n", PDFS_VERSION, fuse_pkgversion());
    return 0;
  }
  if (fuse_opt_parse(&fuse.args, &longs, kOptSpec, OptProc) != 0) return usage("bad -o options");

  // What is left: -d (kept for libfuse) and -o mount options.
  for (int i = 1; i < fuse.args.argc; ++i) {
    const std::string a = fuse.args.argv[i];
    if (a == "-d") continue;
    if (a == "-o" && i + 1 < fuse.args.argc) {
      req->mount.fuse_options.push_back(fuse.args.argv[++i]);
    } else if (StartsWith(a, "-o")) {
      req->mount.fuse_options.push_back(a.substr(2));
    } else {
      return usage("unexpected argument " + a);
    }
  }

  Args args(values, flags);
  std::vector<char*> long_argv;
  for (std::string& l : longs) long_argv.push_back(l.data());
  if (!args.Parse(static_cast<int>(long_argv.size()), long_argv.data(), 1)) {
    return usage(args.error());
  }
  const size_t want = helper_form ? 2 : 1;
  if (positionals.size() != want) {
    return usage(helper_form ? "expected DIR MOUNTPOINT" : "expected one MOUNTPOINT");
  }
  if (!ReadServiceConfig(args, /*listen_by_default=*/false, &req->config)) return 2;
  if (helper_form) {
    if (args.Has("data")) return usage("the data directory is DIR; --data is not allowed here");
    req->config.data_dir = positionals[0];
  }
  req->mountpoint = positionals.back();
  req->foreground = opts.foreground != 0;
  req->mount.debug = opts.debug != 0;
  req->mount.max_threads = opts.singlethread ? 1 : opts.max_threads;
  return -1;
}

// The parent half of backgrounding: waits for the child's one byte.
int WaitForChild(pid_t child, int ready_fd) {
  char ok = 0;
  ssize_t n;
  do {
    n = read(ready_fd, &ok, 1);
  } while (n < 0 && errno == EINTR);
  close(ready_fd);
  if (n == 1 && ok == '0') return 0;
  // The child printed why; reap it so that its exit is complete.
  int status = 0;
  waitpid(child, &status, 0);
  return 1;
}

// The child half: detaches from the terminal once the mount exists.
void Detach(int ready_fd) {
  if (chdir("/") != 0) {
    // Harmless: the mountpoint is absolute and the data directory open.
  }
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    close(null);
  }
  const char ok = '0';
  [[maybe_unused]] ssize_t n = write(ready_fd, &ok, 1);
  close(ready_fd);
}

int Serve(MountRequest& req) {
  // A restart after a crash finds the old, dead mount in the way.
  Result<bool> cleared = fs::ClearDeadMount(req.mountpoint);
  if (!cleared.ok()) {
    std::fprintf(stderr, "pdfs: %s\n", cleared.status().message().c_str());
    return 1;
  }
  if (*cleared) {
    std::fprintf(stderr, "pdfs: detached the dead mount a killed pdfs left at %s\n",
                 req.mountpoint.c_str());
  }
  Result<std::string> mountpoint = fs::ResolveMountpoint(req.mountpoint);
  if (!mountpoint.ok()) {
    std::fprintf(stderr, "pdfs: %s\n", mountpoint.status().message().c_str());
    return 1;
  }
  req.mount.mountpoint = *mountpoint;
  // The daemon leaves its working directory (chdir "/") once backgrounded,
  // and RocksDB opens files by path long after: the path must be absolute.
  std::error_code ec;
  std::filesystem::path data = std::filesystem::absolute(req.config.data_dir, ec);
  if (!ec) req.config.data_dir = data.lexically_normal().string();
  req.mount.source = req.config.data_dir;

  int ready_fd = -1;
  if (!req.foreground) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      std::fprintf(stderr, "pdfs: pipe: %s\n", std::strerror(errno));
      return 1;
    }
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t child = fork();
    if (child < 0) {
      std::fprintf(stderr, "pdfs: fork: %s\n", std::strerror(errno));
      return 1;
    }
    if (child > 0) {
      close(fds[1]);
      return WaitForChild(child, fds[0]);
    }
    close(fds[0]);
    ready_fd = fds[1];
    setsid();  // no longer killed with the terminal's process group
  }

  BlockShutdownSignals();  // before any thread starts
  // A mount must also end cleanly when its terminal goes away (-f), so
  // SIGHUP is taken like SIGINT and SIGTERM instead of killing the daemon
  // and leaving a dead mount behind.
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &hup, nullptr);
  std::unique_ptr<Store> store = OpenStoreOrReport(req.config);
  if (store == nullptr) return 1;
  std::unique_ptr<topics::RetentionEnforcer> retention = StartRetention(store.get(), req.config);
  std::unique_ptr<http::Server> server;
  if (!StartHttpOrReport({store.get(), retention.get()}, req.config, &server)) return 1;
  Result<std::unique_ptr<fs::Mount>> started = fs::Mount::Start(store.get(), req.mount);
  if (!started.ok()) {
    std::fprintf(stderr, "pdfs: %s\n", started.status().message().c_str());
    return 1;
  }
  std::unique_ptr<fs::Mount> mount = std::move(started).value();
  std::printf("pdfs: mounted at %s (data in %s)\n", mount->mountpoint().c_str(),
              req.config.data_dir.c_str());
  std::fflush(stdout);
  if (ready_fd >= 0) Detach(ready_fd);

  // SIGINT/SIGTERM/SIGHUP are blocked in every thread; this one takes them.
  // When the filesystem is unmounted from outside, Run() returns first and
  // the thread is woken with a SIGTERM of its own.
  std::atomic<bool> finished{false};
  std::thread signals([&] {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    if (finished.load()) return;
    std::fprintf(stderr, "pdfs: signal %d, unmounting %s\n", sig, mount->mountpoint().c_str());
    mount->Stop();
  });
  Status ran = mount->Run();
  finished.store(true);
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();

  retention->Stop();
  store->Shutdown();  // ends HTTP long-polls at once
  if (server != nullptr) server->Stop();
  server.reset();
  mount.reset();  // already unmounted by Run(); frees the session
  store.reset();  // closes RocksDB cleanly
  if (!ran.ok()) {
    std::fprintf(stderr, "pdfs: %s\n", ran.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int RunMount(int argc, char** argv) {
  MountRequest req;
  if (int rc = Parse(argc, argv, 2, /*helper_form=*/false, &req); rc >= 0) return rc;
  return Serve(req);
}

int RunMountedInForeground(const ServiceConfig& config, const std::string& mountpoint) {
  MountRequest req;
  req.config = config;
  req.mountpoint = mountpoint;
  req.foreground = true;
  return Serve(req);
}

int RunMountHelperForm(int argc, char** argv) {
  MountRequest req;
  if (int rc = Parse(argc, argv, 1, /*helper_form=*/true, &req); rc >= 0) return rc;
  return Serve(req);
}

}  // namespace pdfs::mountd
