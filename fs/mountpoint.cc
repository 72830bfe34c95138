// Checks on a mountpoint before pdfs mounts there: what is mounted at a path
// (from /proc/self/mountinfo), and recovery from a dead pdfs mount left by a
// daemon that was killed. Kept apart from mount.cc, which runs a live
// session: nothing here touches a FUSE session.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "pdfs/fs/mount.h"

namespace pdfs::fs {
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

}  // namespace pdfs::fs
