// Finding the chunk of items that holds a location (key_codec.h has the
// chunk format). Not part of the public API.
#ifndef PDFS_ENGINE_CHUNK_CURSOR_H_
#define PDFS_ENGINE_CHUNK_CURSOR_H_

#include <cstdint>
#include <memory>
#include <string>

#include <rocksdb/db.h>

#include "db_handles.h"
#include "key_codec.h"
#include "pdfs/store.h"

namespace pdfs::engine {

// A chunk and the locations it holds, [first, last].
struct ChunkRef {
  ChunkView view;
  uint64_t first = 0;
  uint64_t last = 0;
};

// Walks the chunks of one topic with one iterator: many probes (a binary
// search) or a scan see one state and pay for one iterator. Belongs to one
// thread; destroy it before the snapshot is released.
class ChunkCursor {
 public:
  enum class Use {
    kProbes,  // point lookups: keep what they read in the block cache
    kScan,    // a long range: read ahead, and do not evict the hot working set
  };
  // `snapshot` may be null: the latest state.
  ChunkCursor(const DbHandles& db, uint64_t topic_id, const rocksdb::Snapshot* snapshot,
              Use use = Use::kProbes);
  ChunkCursor(const ChunkCursor&) = delete;
  ChunkCursor& operator=(const ChunkCursor&) = delete;

  // The chunk holding `location`, valid until the cursor moves again.
  // NotFound if no stored chunk holds it (past the end, trimmed, or cut);
  // IOError if the chunk is corrupt or the read fails.
  Status Seek(uint64_t location, ChunkRef* out);
  // The chunk after the one the cursor is on. NotFound past the topic's
  // last chunk. REQUIRES: the cursor is on a chunk (the last Seek or Next
  // found one, or Seek found a later chunk than it was asked for).
  Status Next(ChunkRef* out);
  // The first chunk whose last location is at or after `location` (unlike
  // Seek, it may start after it); NotFound if there is none.
  Status SeekAtOrAfter(uint64_t location, ChunkRef* out);

 private:
  // Decodes the chunk under the iterator; NotFound if there is none.
  Status Current(ChunkRef* out);

  const DbHandles& db_;
  const uint64_t topic_id_;
  const DocKey upper_key_;
  rocksdb::Slice upper_bound_;  // points into upper_key_; must outlive it_
  std::unique_ptr<rocksdb::Iterator> it_;
};

// A chunk copied out of RocksDB.
struct StoredChunk {
  std::string value;
  ChunkView view;  // over `value`: do not copy or move a StoredChunk
  uint64_t first = 0;
  uint64_t last = 0;
};
// The stored chunk holding (id, location), in the latest state: NotFound if
// none holds it.
Status ReadChunk(const DbHandles& db, uint64_t id, uint64_t location, StoredChunk* out);

// Sets *out to item `i` of a chunk whose first location is `first`. Inline:
// a range read calls it once per item.
inline void FillRecord(const ChunkView& chunk, uint64_t first, uint32_t i, Record* out) {
  out->location = first + i;
  out->serial = chunk.first_serial() + i;
  out->append_time_ms = chunk.append_time_ms();
  out->content_type.assign(chunk.content_type());
  out->document = chunk.is_document();
  out->data.assign(chunk.document(i));
}

// The key must outlive the Slice: use it within one expression.
inline rocksdb::Slice KeySlice(const DocKey& key) { return rocksdb::Slice(key.data(), key.size()); }
inline std::string_view View(const rocksdb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_CHUNK_CURSOR_H_
