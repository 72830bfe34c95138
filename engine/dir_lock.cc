// DirLock: flock(2) on DIR/pdfs.lock; see dir_lock.h.
#include "dir_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace pdfs::engine {

Result<DirLock> DirLock::Acquire(const std::string& dir) {
  const std::string path = dir + "/pdfs.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      std::string holder = n > 0 ? " (pid " + std::string(buf, strnlen(buf, n)) + ")" : "";
      while (!holder.empty() && (holder.back() == '\n')) holder.pop_back();
      return Status::Unavailable("data directory " + dir + " is in use by another pdfs process" +
                                 holder);
    }
    return Status::IOError("cannot lock " + path + ": " + std::strerror(err));
  }
  // Record the holder for the message above; failure to do so is harmless.
  std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] ssize_t w = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return DirLock(fd);
}

DirLock& DirLock::operator=(DirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace pdfs::engine
