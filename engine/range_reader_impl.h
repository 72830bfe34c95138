// RangeReaderImpl: a range of items read chunk by chunk from one snapshot.
// Not part of the public API.
#ifndef PDFS_ENGINE_RANGE_READER_IMPL_H_
#define PDFS_ENGINE_RANGE_READER_IMPL_H_

#include <cstdint>
#include <memory>
#include <optional>

#include <rocksdb/db.h>

#include "chunk_cursor.h"
#include "db_handles.h"
#include "pdfs/store.h"

namespace pdfs::engine {

// Owns `snapshot` (released when the reader is destroyed). Holds one chunk
// at a time, so memory stays flat whatever the range.
class RangeReaderImpl : public RangeReader {
 public:
  RangeReaderImpl(const DbHandles& db, const rocksdb::Snapshot* snapshot, uint64_t topic_id,
                  uint64_t begin, uint64_t end);
  ~RangeReaderImpl() override;

  const Record* Next() override;
  Status status() const override { return status_; }

 private:
  // Moves to the next chunk; false at the end or on an error.
  bool NextChunk();
  // Sets record_.index_key from the topic's reverse index entries, which
  // are read in location order beside the chunks (one more iterator on the
  // same snapshot); false on an error.
  bool FillIndexKey();

  rocksdb::DB* const db_;
  const rocksdb::Snapshot* const snapshot_;
  const uint64_t begin_;
  const uint64_t end_;
  std::optional<ChunkCursor> cursor_;  // destroyed before the snapshot is released
  // Bounds of keys_ (must outlive it): the reverse entries of [begin, end).
  const std::string keys_lower_;
  const std::string keys_upper_;
  rocksdb::Slice keys_lower_bound_;
  rocksdb::Slice keys_upper_bound_;
  std::unique_ptr<rocksdb::Iterator> keys_;  // destroyed before the snapshot is released
  bool started_ = false;
  bool done_ = false;
  ChunkRef chunk_;  // the current chunk, valid until the cursor moves
  uint32_t index_ = 0;
  Record record_;
  Status status_;
};

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_RANGE_READER_IMPL_H_
