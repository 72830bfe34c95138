// DiskAdmission: statvfs(2) once per group, then arithmetic.
#include "disk_admission.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace pdfs::engine {
namespace {

// Truncations and deletions write a few hundred bytes; this margin keeps
// even them from ever meeting ENOSPC inside RocksDB.
constexpr uint64_t kMinFreeForRemovals = 1 << 20;

}  // namespace

DiskAdmission::DiskAdmission(const DbHandles& db, const Options& options)
    : db_(db), min_free_bytes_(options.min_free_disk_bytes) {
  struct statvfs vfs;
  if (::statvfs(db_.dir.c_str(), &vfs) != 0) {
    measured_ =
        Status::IOError("cannot measure free space of " + db_.dir + ": " + std::strerror(errno));
    return;
  }
  free_bytes_ = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  memtable_bytes_ = db_.memtable_bytes_bound;
}

Status DiskAdmission::Admit(uint64_t adds, Kind kind) {
  if (!measured_.ok()) return measured_;
  const uint64_t reserve = kind == Kind::kGrowth ? min_free_bytes_ : kMinFreeForRemovals;
  // Keys, headers and metadata roughly double small documents; count twice.
  uint64_t needed = memtable_bytes_ + reserve + 2 * (admitted_bytes_ + adds);
  if (free_bytes_ < needed && !memtable_exact_) {
    memtable_exact_ = true;
    if (!db_.db->GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables,
                                          &memtable_bytes_)) {
      memtable_bytes_ = 0;
    }
    needed = memtable_bytes_ + reserve + 2 * (admitted_bytes_ + adds);
  }
  if (free_bytes_ < needed) {
    return Status::NoSpace(
        "the disk holding " + db_.dir + " has " + std::to_string(free_bytes_) +
        " bytes free, less than the " + std::to_string(needed) +
        " bytes this change needs with what pdfs keeps free (--min-free-space, and room to "
        "flush unwritten data); free space and try again");
  }
  admitted_bytes_ += adds;
  return Status::Ok();
}

}  // namespace pdfs::engine
