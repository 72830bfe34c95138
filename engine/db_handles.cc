// DbHandles: RocksDB statuses as the engine's.
#include "db_handles.h"

namespace pdfs::engine {

Status DbHandles::FromRocks(const rocksdb::Status& s, std::string_view what) const {
  if (s.ok()) return Status::Ok();
  if (s.IsNoSpace()) {
    return Status::NoSpace(std::string(what) + ": the disk holding " + dir +
                           " is full; free space and try again");
  }
  return Status::IOError(std::string(what) + ": " + s.ToString());
}

}  // namespace pdfs::engine
