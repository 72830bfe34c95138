// RangeReaderImpl: one iterator over the topic's chunks, from the chunk
// holding `begin` to the one holding `end - 1`.
#include "range_reader_impl.h"

namespace pdfs::engine {

RangeReaderImpl::RangeReaderImpl(const DbHandles& db, const rocksdb::Snapshot* snapshot,
                                 uint64_t topic_id, uint64_t begin, uint64_t end)
    : db_(db.db), snapshot_(snapshot), begin_(begin), end_(end) {
  cursor_.emplace(db, topic_id, snapshot_, ChunkCursor::Use::kScan);
}

RangeReaderImpl::~RangeReaderImpl() {
  cursor_.reset();
  db_->ReleaseSnapshot(snapshot_);
}

const Record* RangeReaderImpl::Next() {
  for (;;) {
    if (done_) return nullptr;
    if (index_ < chunk_.view.count()) {
      if (chunk_.first + index_ >= end_) {
        done_ = true;
        return nullptr;
      }
      FillRecord(chunk_.view, chunk_.first, index_, &record_);
      ++index_;
      return &record_;
    }
    if (!NextChunk()) {
      done_ = true;
      return nullptr;
    }
  }
}

bool RangeReaderImpl::NextChunk() {
  Status s = started_ ? cursor_->Next(&chunk_) : cursor_->SeekAtOrAfter(begin_, &chunk_);
  started_ = true;
  if (!s.ok()) {
    if (!s.IsNotFound()) status_ = s;
    return false;
  }
  index_ = begin_ > chunk_.first ? static_cast<uint32_t>(begin_ - chunk_.first) : 0;
  return true;
}

}  // namespace pdfs::engine
