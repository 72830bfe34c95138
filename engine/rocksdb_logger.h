// StderrLogger: RocksDB's info log, sent to the daemon's stderr.
#ifndef PDFS_ENGINE_ROCKSDB_LOGGER_H_
#define PDFS_ENGINE_ROCKSDB_LOGGER_H_

#include <cstdarg>

#include <rocksdb/env.h>

namespace pdfs::engine {

// RocksDB's own LOG file is written through a WritableFileWriter, which in
// Debian's build (assertions on) aborts the process at the write after one
// that failed. So a disk filled by anyone else killed pdfs at RocksDB's next
// log line: a stats dump, a flush, opening or closing the store. pdfs keeps
// RocksDB's data writes away from a full disk (Options::min_free_disk_bytes,
// disk_admission.h) but cannot reserve room for an info log, so RocksDB gets
// this logger instead: errors go to stderr (the daemon's log), one line
// each, the rest is dropped. Safe to share between threads (one fprintf per
// line).
class StderrLogger : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::ERROR_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override;
};

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_ROCKSDB_LOGGER_H_
