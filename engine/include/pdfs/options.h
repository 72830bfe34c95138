// Options for opening a Store. A plain struct; each field states its default
// and what it costs.
#ifndef PDFS_ENGINE_OPTIONS_H_
#define PDFS_ENGINE_OPTIONS_H_

#include <cstddef>
#include <cstdint>

namespace pdfs {

struct Options {
  // Create the data directory (and its parents) if it does not exist.
  // Default: true.
  bool create_if_missing = true;

  // Every acknowledged change is fsync'ed before it is acknowledged, so it
  // survives a crash of the machine (power loss), not just of the process.
  // Concurrent writers share one fsync (group commit), so the cost is one
  // fsync per group of waiting writers, not per document.
  // With sync = false a change is handed to the OS (like write() without
  // fsync()): it survives `kill -9` of pdfs but not a crash of the machine.
  // Default: true.
  bool sync = true;

  // Largest single item: a document's minified bytes, or any item's bytes.
  // Larger → TooLarge. Faces may admit less (the Hub's 40 MiB), never more.
  // Default: 64 MiB, the same as the HTTP body limit.
  size_t max_document_bytes = size_t{64} << 20;

  // Deepest nesting of arrays and objects inside one JSON document, record
  // value or topic configuration. Deeper → InvalidArgument. Bounds the
  // parser's stack. The store applies it to what it parses itself (record
  // values, configurations); adapters parse documents with
  // DocumentLimitsOf(store.options()) (store.h). Default: 512.
  size_t max_json_depth = 512;

  // Largest collection record value (minified bytes). Larger → TooLarge.
  // Records are meant to be small: the store reads one whole record to check
  // or replace it. Default: 1 MiB.
  size_t max_record_bytes = size_t{1} << 20;

  // Largest topic configuration document (minified bytes). Larger →
  // TooLarge. Default: 64 KiB.
  size_t max_config_bytes = size_t{64} << 10;

  // Most bytes of documents one group commit gathers from waiting writers
  // before it writes; a larger single batch is still written whole.
  // Default: 4 MiB.
  size_t max_group_commit_bytes = size_t{4} << 20;

  // RocksDB block cache for document and metadata blocks. Default: 64 MiB.
  size_t block_cache_bytes = size_t{64} << 20;

  // Space kept free on the disk that holds the data directory. An append
  // is refused with NoSpace (nothing stored, reads unaffected) unless,
  // after it, this much would remain on top of what RocksDB needs to flush
  // its memory tables. RocksDB itself must never run out of space: Debian's
  // build aborts the process on a failed write-ahead-log write. Truncations
  // and deletions, which add almost nothing, only need the flush space.
  // Costs one statvfs(2) per group commit. Default: 64 MiB.
  uint64_t min_free_disk_bytes = uint64_t{64} << 20;
};

}  // namespace pdfs

#endif  // PDFS_ENGINE_OPTIONS_H_
