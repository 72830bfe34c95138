// DbHandles: the open RocksDB database and its column families, as every
// part of the store reaches them. Not part of the public API.
#ifndef PDFS_ENGINE_DB_HANDLES_H_
#define PDFS_ENGINE_DB_HANDLES_H_

#include <string>
#include <string_view>

#include <rocksdb/db.h>

#include "pdfs/status.h"

namespace pdfs::engine {

// Plain pointers owned by StoreImpl, fixed once the store is open; safe to
// use from any thread (RocksDB's handles are).
struct DbHandles {
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* defaults = nullptr;     // store-wide values
  rocksdb::ColumnFamilyHandle* docs = nullptr;         // item chunks
  rocksdb::ColumnFamilyHandle* topics = nullptr;       // topic metadata and configuration
  rocksdb::ColumnFamilyHandle* collections = nullptr;  // collection metadata
  rocksdb::ColumnFamilyHandle* records = nullptr;      // collection records
  rocksdb::ColumnFamilyHandle* index = nullptr;        // topic indexes
  std::string dir;                                     // the data directory, for messages
  // The most the memory tables of all families can hold before writes stall
  // (each family's write buffer times the buffers it may keep, with room for
  // arena slack): what a flush can ever need on disk.
  uint64_t memtable_bytes_bound = 0;

  // RocksDB's status as ours: NoSpace for a full disk, IOError otherwise;
  // `what` says what was being done.
  Status FromRocks(const rocksdb::Status& s, std::string_view what) const;
};

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_DB_HANDLES_H_
