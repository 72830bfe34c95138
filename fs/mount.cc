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
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
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

namespace {

// Undoes the octal escapes of /proc/self/mounts (\040 for a space, ...).
std::string Unescape(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      int v = 0;
      bool octal = true;
      for (size_t k = 1; k <= 3; ++k) {
        char c = field[i + k];
        if (c < '0' || c > '7') octal = false;
        v = v * 8 + (c - '0');
      }
      if (octal) {
        out.push_back(static_cast<char>(v));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

// What /proc/self/mountinfo says of the mount last stacked at a path.
struct MountedFs {
  std::string type;    // "" if nothing is mounted there
  std::string source;  // for pdfs, the data directory
  unsigned minor = 0;  // for FUSE, the connection number
};

MountedFs MountedAt(const std::string& path) {
  std::ifstream info("/proc/self/mountinfo");
  std::string line;
  MountedFs found;
  while (std::getline(info, line)) {
    // ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPEROPTS
    std::istringstream fields(line);
    std::string id, parent, dev, root, target, field;
    if (!(fields >> id >> parent >> dev >> root >> target)) continue;
    if (Unescape(target) != path) continue;
    while (fields >> field && field != "-") {
    }
    MountedFs m;
    if (!(fields >> m.type >> m.source)) continue;
    m.source = Unescape(m.source);
    const size_t colon = dev.find(':');
    if (colon != std::string::npos) {
      m.minor = static_cast<unsigned>(std::strtoul(dev.c_str() + colon + 1, nullptr, 10));
    }
    found = m;
  }
  return found;
}

// The pid of a pdfs whose main thread has died but which still holds the
// lock of `data_dir` (see engine/dir_lock.cc), or 0 if there is none.
pid_t DeadLockHolder(const std::string& data_dir) {
  int fd = ::open((data_dir + "/pdfs.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // also releases the shared lock, if it was granted
  if (!held || n <= 0) return 0;
  const pid_t pid = static_cast<pid_t>(std::strtol(buf, nullptr, 10));
  if (pid <= 0) return 0;
  // /proc/PID/stat is "PID (COMM) STATE ..."; a dead main thread is 'Z'.
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat_line;
  std::getline(stat_file, stat_line);
  const size_t end_of_comm = stat_line.rfind(')');
  if (end_of_comm == std::string::npos || end_of_comm + 2 >= stat_line.size()) return 0;
  const bool is_pdfs = stat_line.find(" (pdfs)") != std::string::npos;
  return is_pdfs && stat_line[end_of_comm + 2] == 'Z' ? pid : 0;
}

// A daemon killed (or crashed) while its invalidation thread waited in the
// kernel for a directory's lock cannot finish dying: a request the daemon
// had read but not answered holds that lock, the waiting thread sleeps
// uninterruptibly, and the half-dead process keeps /dev/fuse open, so the
// kernel never fails the request. Its mount then hangs, unkillably, instead
// of failing with ENOTCONN (and so would our statfs). Such a daemon's main
// thread is a zombie while the process still holds its data directory's
// lock: abort its connection (as root with umount -f, else through the
// fusectl abort file, which the mount's owner may write) and wait until the
// process has gone.
Status AbortWedgedDaemon(const std::string& path, const MountedFs& mounted) {
  const pid_t pid = DeadLockHolder(mounted.source);
  if (pid == 0) return Status::Ok();
  const std::string who = "the killed pdfs (pid " + std::to_string(pid) + ") that served " + path;
  if (::geteuid() == 0) {
    ::umount2(path.c_str(), MNT_FORCE);  // aborts the connection; EBUSY while in use
  } else {
    std::ofstream abort_file("/sys/fs/fuse/connections/" + std::to_string(mounted.minor) +
                             "/abort");
    abort_file << "1";
    abort_file.flush();
    if (!abort_file) {
      return Status::IOError(who + " cannot exit while its mount is in use; run: sudo umount -f " +
                             path);
    }
  }
  for (int i = 0; i < 500 && DeadLockHolder(mounted.source) == pid; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (DeadLockHolder(mounted.source) == pid) {
    return Status::IOError(who + " did not exit after its connection was aborted");
  }
  std::fprintf(stderr, "pdfs: aborted the hung connection of %s\n", who.c_str());
  return Status::Ok();
}

}  // namespace

Result<bool> ClearDeadMount(const std::string& path) {
  // realpath() cannot resolve a dead directory itself, only its parent.
  std::string absolute = path;
  while (absolute.size() > 1 && absolute.back() == '/') absolute.pop_back();
  const size_t slash = absolute.rfind('/');
  const std::string parent = slash == std::string::npos ? "." : absolute.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? absolute : absolute.substr(slash + 1);
  char resolved[PATH_MAX];
  if (::realpath(parent.c_str(), resolved) == nullptr) return false;
  absolute = std::string(resolved) + (std::string(resolved) == "/" ? "" : "/") + base;
  bool cleared = false;
  // Dead mounts may be stacked (several crashes); clear each.
  for (int i = 0; i < 16; ++i) {
    const MountedFs mounted = MountedAt(absolute);
    if (mounted.type != "fuse.pdfs") break;
    if (Status s = AbortWedgedDaemon(absolute, mounted); !s.ok()) return s;
    // statfs, unlike stat, is never answered from the kernel's cache, so it
    // reaches the daemon or fails with ENOTCONN.
    struct statfs sf;
    if (::statfs(absolute.c_str(), &sf) == 0 || errno != ENOTCONN) break;
    if (::geteuid() == 0) {
      if (::umount2(absolute.c_str(), MNT_DETACH) != 0) {
        return Status::IOError("cannot detach the dead mount at " + absolute + ": " +
                               std::strerror(errno));
      }
    } else {
      // Unprivileged: the setuid helper, as libfuse itself unmounts.
      pid_t pid = fork();
      if (pid == 0) {
        execlp("fusermount3", "fusermount3", "-u", "-q", "-z", "--", absolute.c_str(), nullptr);
        _exit(127);
      }
      int status = 0;
      if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
          WEXITSTATUS(status) != 0) {
        return Status::IOError("cannot detach the dead mount at " + absolute +
                               "; run: fusermount3 -u " + absolute);
      }
    }
    cleared = true;
  }
  return cleared;
}

Result<std::string> ResolveMountpoint(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    const int err = errno;
    if (err == ENOENT) return Status::NotFound("mountpoint " + path + " does not exist");
    if (err == ENOTCONN) {
      return Status::IOError("mountpoint " + path +
                             " is a filesystem whose daemon has gone (transport endpoint is not "
                             "connected); unmount it first with: fusermount3 -u " +
                             path);
    }
    return Status::IOError("cannot use mountpoint " + path + ": " + std::strerror(err));
  }
  struct stat st;
  if (::stat(resolved, &st) != 0) {
    return Status::IOError("cannot use mountpoint " + path + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("mountpoint " + path + " is not a directory");
  }
  // The stat above went through a mount there, so it is alive (a dead one
  // fails with ENOTCONN). Stacking another on it would hide it from every
  // program until one is unmounted.
  const MountedFs mounted = MountedAt(resolved);
  if (mounted.type == "fuse.pdfs") {
    return Status::AlreadyExists("mountpoint " + path + " is already a mounted pdfs (data in " +
                                 mounted.source + "); unmount it first with: fusermount3 -u " +
                                 path);
  }
  return std::string(resolved);
}

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
  fs_options.max_document_bytes = options.max_document_bytes;
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
