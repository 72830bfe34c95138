// RangeReaderImpl: one iterator over the topic's chunks, from the chunk
// holding `begin` to the one holding `end - 1`.
#include "range_reader_impl.h"

#include "key_codec.h"

namespace pdfs::engine {

RangeReaderImpl::RangeReaderImpl(const DbHandles& db, const rocksdb::Snapshot* snapshot,
                                 uint64_t topic_id, uint64_t begin, uint64_t end)
    : db_(db.db),
      snapshot_(snapshot),
      begin_(begin),
      end_(end),
      keys_lower_(IndexReverseKey(topic_id, begin)),
      keys_upper_(end == UINT64_MAX ? IndexTopicBegin(topic_id + 1)
                                    : IndexReverseKey(topic_id, end)),
      keys_lower_bound_(keys_lower_),
      keys_upper_bound_(keys_upper_) {
  cursor_.emplace(db, topic_id, snapshot_, ChunkCursor::Use::kScan);
  rocksdb::ReadOptions options;
  options.snapshot = snapshot_;
  options.iterate_lower_bound = &keys_lower_bound_;
  options.iterate_upper_bound = &keys_upper_bound_;
  keys_.reset(db_->NewIterator(options, db.index));
  keys_->Seek(keys_lower_bound_);
}

RangeReaderImpl::~RangeReaderImpl() {
  keys_.reset();
  cursor_.reset();
  db_->ReleaseSnapshot(snapshot_);
}

bool RangeReaderImpl::FillIndexKey() {
  record_.index_key.clear();
  // Entries of locations below this record belong to items outside the
  // range or already returned; skip them.
  uint64_t location = 0;
  while (keys_->Valid()) {
    if (!DecodeIndexReverseKey(View(keys_->key()), &location)) {
      status_ = Status::IOError("a stored index entry is corrupt");
      return false;
    }
    if (location >= record_.location) break;
    keys_->Next();
  }
  if (!keys_->status().ok()) {
    status_ = Status::IOError("reading a topic's index: " + keys_->status().ToString());
    return false;
  }
  if (keys_->Valid() && location == record_.location)
    record_.index_key.assign(View(keys_->value()));
  return true;
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
      if (!FillIndexKey()) {
        done_ = true;
        return nullptr;
      }
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
