// DirLock: one process per data directory.
//
// RocksDB has a LOCK file of its own, but its error ("lock hold by current
// process", "Resource temporarily unavailable") names neither the directory
// nor the holder. This lock is taken first, with flock(2) on
// DIR/pdfs.lock, and records the holder's pid so the refusal can say who
// holds it. flock locks belong to the open file description: they survive
// fork() (the daemon keeps the lock when the mount backgrounds) and vanish
// when the holder dies (kill -9 leaves no stale lock).
#ifndef PDFS_ENGINE_DIR_LOCK_H_
#define PDFS_ENGINE_DIR_LOCK_H_

#include <string>

#include "pdfs/status.h"

namespace pdfs::engine {

// A held lock; released when destroyed. Movable, not copyable.
class DirLock {
 public:
  // Unavailable if another open file description holds it (another process,
  // or another Store in this one); IOError if the file cannot be opened.
  static Result<DirLock> Acquire(const std::string& dir);

  DirLock(DirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirLock& operator=(DirLock&& other) noexcept;
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  ~DirLock();

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_DIR_LOCK_H_
