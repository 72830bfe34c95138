// SnapshotScan and its readers.
#include "snapshot_scan.h"

#include "chunk_cursor.h"
#include "key_codec.h"

namespace pdfs::engine {

SnapshotScan::SnapshotScan(const DbHandles& db, rocksdb::ColumnFamilyHandle* cf,
                           const rocksdb::Snapshot* snapshot, std::string lower, std::string upper,
                           ScanOrder order)
    : db_(db),
      snapshot_(snapshot),
      lower_(std::move(lower)),
      upper_(std::move(upper)),
      lower_bound_(lower_),
      upper_bound_(upper_),
      order_(order) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  ro.iterate_lower_bound = &lower_bound_;
  ro.iterate_upper_bound = &upper_bound_;
  it_.reset(db_.db->NewIterator(ro, cf));
}

SnapshotScan::~SnapshotScan() {
  it_.reset();
  db_.db->ReleaseSnapshot(snapshot_);
}

bool SnapshotScan::Next(rocksdb::Slice* key, rocksdb::Slice* value) {
  if (!status_.ok()) return false;
  const bool forward = order_ == ScanOrder::kAscending;
  if (!started_) {
    started_ = true;
    forward ? it_->SeekToFirst() : it_->SeekToLast();
  } else {
    forward ? it_->Next() : it_->Prev();
  }
  if (!it_->Valid()) {
    if (!it_->status().ok()) status_ = db_.FromRocks(it_->status(), "scanning");
    return false;
  }
  *key = it_->key();
  *value = it_->value();
  return true;
}

RecordReaderImpl::RecordReaderImpl(const DbHandles& db, const rocksdb::Snapshot* snapshot,
                                   uint64_t collection_id, std::string_view begin_key,
                                   std::string_view end_key)
    : scan_(db, db.records, snapshot, RecordKey(collection_id, begin_key),
            end_key.empty() ? RecordKey(collection_id + 1, "") : RecordKey(collection_id, end_key),
            ScanOrder::kAscending) {}

const CollectionRecord* RecordReaderImpl::Next() {
  rocksdb::Slice key, value;
  if (!scan_.Next(&key, &value)) return nullptr;
  uint64_t id = 0;
  std::string_view record_key, json;
  if (!DecodeRecordKey(View(key), &id, &record_key) ||
      !DecodeRecordValue(View(value), &record_.version, &json)) {
    scan_.Fail(Status::IOError("a stored collection record is corrupt"));
    return nullptr;
  }
  record_.key.assign(record_key);
  record_.value.assign(json);
  return &record_;
}

IndexReaderImpl::IndexReaderImpl(const DbHandles& db, const rocksdb::Snapshot* snapshot,
                                 uint64_t topic_id, std::string_view begin_key,
                                 std::string_view end_key, ScanOrder order)
    : scan_(db, db.index, snapshot, IndexForwardLower(topic_id, begin_key),
            IndexForwardUpper(topic_id, end_key), order) {}

const IndexEntry* IndexReaderImpl::Next() {
  rocksdb::Slice key, value;
  if (!scan_.Next(&key, &value)) return nullptr;
  if (!DecodeIndexForwardKey(View(key), &entry_.key, &entry_.location)) {
    scan_.Fail(Status::IOError("a stored index entry is corrupt"));
    return nullptr;
  }
  return &entry_;
}

}  // namespace pdfs::engine
