// Mount: a FUSE session over a Filesystem over a LocalBackend.
//
// Stopping. fuse_session_loop_mt() waits in sem_wait() until a worker ends;
// fuse_session_exit() only sets a flag. Stop() therefore sets the flag and
// then interrupts Run()'s thread with SIGUSR2 (a handler that does nothing,
// so sem_wait fails with EINTR and the loop sees the flag), repeating until
// Run() reports the loop over, so a signal that lands just before sem_wait
// cannot be lost. The loop then cancels the workers blocked reading
// /dev/fuse; a worker inside a handler finishes it first, and no handler
// blocks for long: follow reads are answered by the Follower's thread.
//
// The invalidation thread is stopped while the loop still runs (Stop()) or
// once the kernel has ended the connection (unmount from outside), never
// in between: a notification can wait on a lock held by a request that
// only a running loop answers.
#include "pdfs/fs/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>
#include <thread>

#include "filesystem.h"
#include "fuse_ops.h"
#include "invalidator.h"
#include "local_backend.h"

namespace pdfs::fs {
namespace {

constexpr int kWakeSignal = SIGUSR2;

void IgnoreWake(int) {}

void InstallWakeHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = IgnoreWake;
    sigemptyset(&sa.sa_mask);
    // No SA_RESTART: with it the kernel restarts the futex wait inside
    // sem_wait() and the loop never sees the flag. Only Run()'s thread is
    // sent this signal; a stray one elsewhere costs at most an EINTR.
    sa.sa_flags = 0;
    sigaction(kWakeSignal, &sa, nullptr);
  });
}

// libfuse reports mount failures through fuse_log. While a mount is being
// set up its errors are collected into one sentence for the caller;
// otherwise everything goes to stderr as libfuse would print it.
std::mutex g_log_mu;
std::string* g_log_capture = nullptr;  // Guarded by g_log_mu.

void LogHandler(enum fuse_log_level level, const char* fmt, va_list ap) {
  char buf[2048];
  std::vsnprintf(buf, sizeof(buf), fmt, ap);
  std::lock_guard<std::mutex> lock(g_log_mu);
  if (g_log_capture != nullptr && level <= FUSE_LOG_ERR) {
    std::string line(buf);
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
    if (line.rfind("fuse: ", 0) == 0) line.erase(0, 6);
    if (!line.empty()) {
      if (!g_log_capture->empty()) *g_log_capture += "; ";
      *g_log_capture += line;
    }
    return;
  }
  std::fputs(buf, stderr);
}

class LogCapture {
 public:
  LogCapture() {
    static std::once_flag once;
    std::call_once(once, [] { fuse_set_log_func(LogHandler); });
    std::lock_guard<std::mutex> lock(g_log_mu);
    g_log_capture = &text_;
  }
  ~LogCapture() {
    std::lock_guard<std::mutex> lock(g_log_mu);
    g_log_capture = nullptr;
  }
  std::string Take() {
    std::lock_guard<std::mutex> lock(g_log_mu);
    return text_.empty() ? "the kernel refused it" : text_;
  }

 private:
  std::string text_;
};

// fuse_args that free themselves.
struct Args {
  fuse_args args = FUSE_ARGS_INIT(0, nullptr);
  ~Args() { fuse_opt_free_args(&args); }
  void Add(const std::string& arg) { fuse_opt_add_arg(&args, arg.c_str()); }
};

}  // namespace

struct Mount::Impl {
  explicit Impl(Store* store)
      : backend(store), invalidator([this](const Invalidator::Item& item) { return Send(item); }) {}

  int Send(const Invalidator::Item& item) {
    switch (item.kind) {
      case Invalidator::Item::Kind::kEntry:
        return fuse_lowlevel_notify_inval_entry(se, item.ino, item.name.data(), item.name.size());
      case Invalidator::Item::Kind::kAttributes:
        return fuse_lowlevel_notify_inval_inode(se, item.ino, -1, 0);  // off < 0: attributes only
      case Invalidator::Item::Kind::kInode:
        return fuse_lowlevel_notify_inval_inode(se, item.ino, 0, 0);  // len 0: every page
    }
    return -EINVAL;
  }

  // Ends follow reads, stops invalidating, unmounts. Idempotent.
  void Teardown() {
    if (fs != nullptr) fs->Shutdown();
    invalidator.Stop();
    if (mounted) {
      fuse_session_unmount(se);
      mounted = false;
    }
  }

  MountOptions options;
  LocalBackend backend;
  Invalidator invalidator;
  std::unique_ptr<Filesystem> fs;
  fuse_session* se = nullptr;
  bool mounted = false;

  std::mutex mu;
  std::condition_variable loop_over;
  // Guarded by mu.
  bool stop_requested = false;
  bool running = false;
  bool ran = false;
  pthread_t loop_thread{};
};

Mount::Mount(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Mount>> Mount::Start(Store* store, const MountOptions& options) {
  Result<std::string> mountpoint = ResolveMountpoint(options.mountpoint);
  if (!mountpoint.ok()) return mountpoint.status();
  auto impl = std::make_unique<Impl>(store);
  impl->options = options;
  impl->options.mountpoint = *mountpoint;
  FilesystemOptions fs_options;
  fs_options.document_limits = DocumentLimitsOf(store->options());
  impl->fs = std::make_unique<Filesystem>(&impl->backend, &impl->invalidator, fs_options);

  Args args;
  args.Add("pdfs");
  if (options.debug) args.Add("-d");
  char* fsname = nullptr;
  fuse_opt_add_opt_escaped(&fsname, ("fsname=" + options.source).c_str());
  std::string base = std::string("default_permissions,subtype=pdfs,") + fsname;
  std::free(fsname);
  args.Add("-o");
  args.Add(base);
  for (const std::string& opt : options.fuse_options) {
    args.Add("-o");
    args.Add(opt);
  }

  const fuse_lowlevel_ops ops = MakeLowlevelOps();
  {
    LogCapture capture;
    impl->se = fuse_session_new(&args.args, &ops, sizeof(ops), impl->fs.get());
    if (impl->se == nullptr) return Status::InvalidArgument("cannot mount: " + capture.Take());
  }
  {
    LogCapture capture;
    if (fuse_session_mount(impl->se, impl->options.mountpoint.c_str()) != 0) {
      std::string why = capture.Take();
      fuse_session_destroy(impl->se);
      impl->se = nullptr;
      return Status::IOError("cannot mount at " + impl->options.mountpoint + ": " + why);
    }
  }
  impl->mounted = true;
  fuse_session* se = impl->se;
  impl->fs->SetPageStore([se](uint64_t ino, std::string_view data) {
    fuse_bufvec buf = FUSE_BUFVEC_INIT(data.size());
    buf.buf[0].mem = const_cast<char*>(data.data());  // only read from
    // A failure (-ENOENT: the kernel dropped the inode meanwhile; -ENOMEM)
    // only means the kernel will send READ as without a store.
    (void)fuse_lowlevel_notify_store(se, ino, 0, &buf, FUSE_BUF_NO_SPLICE);
  });
  SetLogRefusals(options.debug);
  impl->invalidator.Start();
  return std::unique_ptr<Mount>(new Mount(std::move(impl)));
}

Mount::~Mount() {
  impl_->Teardown();
  if (impl_->se != nullptr) fuse_session_destroy(impl_->se);
  impl_->fs.reset();  // unregisters the change listener
}

const std::string& Mount::mountpoint() const { return impl_->options.mountpoint; }

Status Mount::Run() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->ran || impl_->stop_requested) {
      impl_->ran = true;
      impl_->Teardown();
      return Status::Ok();
    }
    impl_->ran = true;
    impl_->running = true;
    impl_->loop_thread = pthread_self();
  }
  InstallWakeHandler();
  sigset_t wake, old;
  sigemptyset(&wake);
  sigaddset(&wake, kWakeSignal);
  pthread_sigmask(SIG_UNBLOCK, &wake, &old);

  fuse_loop_config* config = fuse_loop_cfg_create();
  fuse_loop_cfg_set_max_threads(config, impl_->options.max_threads);
  const int rc = fuse_session_loop_mt(impl_->se, config);
  fuse_loop_cfg_destroy(config);

  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->running = false;
    impl_->loop_over.notify_all();
  }
  impl_->Teardown();
  if (rc != 0) {
    return Status::IOError("the FUSE session ended with an error: " +
                           std::string(std::strerror(rc < 0 ? -rc : rc)));
  }
  return Status::Ok();
}

void Mount::Stop() {
  // First, while the loop still serves requests: stop invalidating (a
  // notification may be waiting for a directory lock that a request in
  // flight holds, and would wait forever once no worker answers it), and
  // end follow reads, so their readers see end of file and close normally.
  impl_->invalidator.Stop();
  if (impl_->fs != nullptr) impl_->fs->Shutdown();
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->stop_requested = true;
  if (impl_->se != nullptr) fuse_session_exit(impl_->se);
  while (impl_->running) {
    pthread_kill(impl_->loop_thread, kWakeSignal);
    impl_->loop_over.wait_for(lock, std::chrono::milliseconds(20));
  }
}

}  // namespace pdfs::fs
