// RangeReaderImpl: one iterator over the topic's chunks, from the chunk
// holding `begin` to the one holding `end - 1`.
#include "range_reader_impl.h"

#include "chunk_cursor.h"

namespace pdfs::engine {

RangeReaderImpl::RangeReaderImpl(const DbHandles& db, const rocksdb::Snapshot* snapshot,
                                 uint64_t topic_id, uint64_t begin, uint64_t end)
    : db_(db.db),
      snapshot_(snapshot),
      topic_id_(topic_id),
      begin_(begin),
      end_(end),
      upper_key_(EncodeDocKey(topic_id + 1, 0)),
      upper_bound_(upper_key_.data(), upper_key_.size()) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  ro.iterate_upper_bound = &upper_bound_;
  // Large scans should not evict the hot working set of point reads.
  ro.fill_cache = false;
  ro.adaptive_readahead = true;
  it_.reset(db_->NewIterator(ro, db.docs));
}

RangeReaderImpl::~RangeReaderImpl() {
  it_.reset();
  db_->ReleaseSnapshot(snapshot_);
}

const Record* RangeReaderImpl::Next() {
  for (;;) {
    if (done_) return nullptr;
    if (index_ < chunk_.count()) {
      if (chunk_first_ + index_ >= end_) {
        done_ = true;
        return nullptr;
      }
      FillRecord(chunk_, chunk_first_, index_, &record_);
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
  // The view stays valid until the iterator moves.
  if (!started_) {
    started_ = true;
    it_->Seek(KeySlice(EncodeDocKey(topic_id_, begin_)));
  } else {
    it_->Next();
  }
  if (!it_->Valid()) {
    if (!it_->status().ok()) {
      status_ = Status::IOError("reading documents: " + it_->status().ToString());
    }
    return false;
  }
  uint64_t id = 0, last = 0;
  if (!DecodeDocKey(View(it_->key()), &id, &last) || !chunk_.Parse(View(it_->value())) ||
      chunk_.count() > last + 1) {
    status_ = Status::IOError("a stored chunk of documents is corrupt");
    return false;
  }
  chunk_first_ = last + 1 - chunk_.count();
  index_ = begin_ > chunk_first_ ? static_cast<uint32_t>(begin_ - chunk_first_) : 0;
  return true;
}

}  // namespace pdfs::engine
