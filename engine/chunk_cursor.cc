// ChunkCursor and ReadChunk: Seek(id|L) lands on the chunk keyed by the
// first last-location at or after L, which holds L iff it starts at or
// before it (chunks tile the stored locations).
#include "chunk_cursor.h"

namespace pdfs::engine {

ChunkCursor::ChunkCursor(const DbHandles& db, uint64_t topic_id, const rocksdb::Snapshot* snapshot,
                         Use use)
    : db_(db),
      topic_id_(topic_id),
      upper_key_(EncodeDocKey(topic_id + 1, 0)),
      upper_bound_(upper_key_.data(), upper_key_.size()) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.iterate_upper_bound = &upper_bound_;
  if (use == Use::kScan) {
    ro.fill_cache = false;
    ro.adaptive_readahead = true;
  }
  it_.reset(db_.db->NewIterator(ro, db_.docs));
}

Status ChunkCursor::Current(ChunkRef* out) {
  if (!it_->Valid()) {
    if (!it_->status().ok()) return db_.FromRocks(it_->status(), "reading documents");
    return Status::NotFound("no chunk is stored there");
  }
  uint64_t key_id = 0;
  if (!DecodeDocKey(View(it_->key()), &key_id, &out->last) ||
      !out->view.Parse(View(it_->value())) || out->view.count() > out->last + 1) {
    return Status::IOError("a stored chunk of documents is corrupt");
  }
  out->first = out->last + 1 - out->view.count();
  return Status::Ok();
}

Status ChunkCursor::SeekAtOrAfter(uint64_t location, ChunkRef* out) {
  it_->Seek(KeySlice(EncodeDocKey(topic_id_, location)));
  return Current(out);
}

Status ChunkCursor::Seek(uint64_t location, ChunkRef* out) {
  Status s = SeekAtOrAfter(location, out);
  // A chunk starting after `location` means it is not stored (a truncation
  // committed since the caller looked, or a trimmed front).
  if (s.IsNotFound() || (s.ok() && out->first > location)) {
    return Status::NotFound("location " + std::to_string(location) + " is not stored");
  }
  return s;
}

Status ChunkCursor::Next(ChunkRef* out) {
  it_->Next();
  return Current(out);
}

Status ReadChunk(const DbHandles& db, uint64_t id, uint64_t location, StoredChunk* out) {
  ChunkCursor cursor(db, id, nullptr);
  ChunkRef ref;
  if (Status s = cursor.Seek(location, &ref); !s.ok()) return s;
  out->first = ref.first;
  out->last = ref.last;
  // The copy parses as the original did; re-parsing points the view at it.
  out->value.assign(ref.view.raw());
  if (!out->view.Parse(out->value)) return Status::IOError("a copied chunk is corrupt");
  return Status::Ok();
}

}  // namespace pdfs::engine
