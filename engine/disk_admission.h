// DiskAdmission: whether a change may be written, judged by free disk space
// (Options::min_free_disk_bytes). Not part of the public API.
#ifndef PDFS_ENGINE_DISK_ADMISSION_H_
#define PDFS_ENGINE_DISK_ADMISSION_H_

#include <cstdint>

#include "db_handles.h"
#include "pdfs/options.h"
#include "pdfs/status.h"

namespace pdfs::engine {

// RocksDB must never run out of space itself (Debian's build aborts the
// process on a failed write-ahead-log write), so a change is admitted only
// if, after it, the disk keeps a reserve on top of what RocksDB needs to
// flush its memory tables. One admission serves one group commit: the disk
// is measured once (one statvfs(2)), and each admitted change counts
// against the changes admitted before it in the group. The memory tables'
// size is asked of RocksDB (a walk over every column family) only when the
// free space does not cover their upper bound anyway, which on a disk with
// room to spare is never. Belongs to the group's leader.
class DiskAdmission {
 public:
  enum class Kind {
    kGrowth,   // appends, creations, commits: keep min_free_disk_bytes
    kRemoval,  // truncations, trims, deletions: add almost nothing; keep 1 MiB
  };

  // Measures the disk that holds db.dir. If that fails, every Admit fails
  // with the same IOError.
  DiskAdmission(const DbHandles& db, const Options& options);

  // OK, and counted, iff a change adding `adds` bytes of data fits; NoSpace
  // with a sentence giving the numbers otherwise (nothing counted).
  Status Admit(uint64_t adds, Kind kind);

 private:
  const DbHandles& db_;
  const uint64_t min_free_bytes_;
  Status measured_;
  uint64_t free_bytes_ = 0;
  // RocksDB's figure once asked for; until then the upper bound.
  uint64_t memtable_bytes_ = 0;
  bool memtable_exact_ = false;
  uint64_t admitted_bytes_ = 0;
};

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_DISK_ADMISSION_H_
