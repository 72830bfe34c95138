// StderrLogger: one line per RocksDB error on stderr.
#include "rocksdb_logger.h"

#include <cstdio>
#include <string_view>

namespace pdfs::engine {

void StderrLogger::Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) {
  if (level < GetInfoLogLevel() || level == rocksdb::InfoLogLevel::HEADER_LEVEL) return;
  char text[1024];
  std::vsnprintf(text, sizeof(text), format, ap);
  // One line each: some messages go on with a dump of internal state.
  std::string_view line(text);
  line = line.substr(0, line.find('\n'));
  std::fprintf(stderr, "pdfs: rocksdb: %.*s\n", static_cast<int>(line.size()), line.data());
}

}  // namespace pdfs::engine
