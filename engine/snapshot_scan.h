// Scans of a key range from one snapshot, and the two readers built on them:
// collection records (RecordReader) and topic index entries (IndexReader).
// Not part of the public API.
#ifndef PDFS_ENGINE_SNAPSHOT_SCAN_H_
#define PDFS_ENGINE_SNAPSHOT_SCAN_H_

#include <memory>
#include <string>

#include <rocksdb/db.h>

#include "db_handles.h"
#include "pdfs/store.h"

namespace pdfs::engine {

// The entries of one column family with keys in [lower, upper), forward or
// backward, from `snapshot`, which the scan owns (released when it is
// destroyed). Belongs to one thread.
class SnapshotScan {
 public:
  SnapshotScan(const DbHandles& db, rocksdb::ColumnFamilyHandle* cf,
               const rocksdb::Snapshot* snapshot, std::string lower, std::string upper,
               ScanOrder order);
  SnapshotScan(const SnapshotScan&) = delete;
  SnapshotScan& operator=(const SnapshotScan&) = delete;
  ~SnapshotScan();

  // The next entry, valid until the next call; false at the end or on an
  // error (then status() is not OK).
  bool Next(rocksdb::Slice* key, rocksdb::Slice* value);
  const Status& status() const { return status_; }
  void Fail(Status s) { status_ = std::move(s); }

 private:
  const DbHandles& db_;
  const rocksdb::Snapshot* const snapshot_;
  const std::string lower_;
  const std::string upper_;
  rocksdb::Slice lower_bound_;  // point into lower_ and upper_; must outlive it_
  rocksdb::Slice upper_bound_;
  const ScanOrder order_;
  std::unique_ptr<rocksdb::Iterator> it_;
  bool started_ = false;
  Status status_;
};

class RecordReaderImpl : public RecordReader {
 public:
  // Records of collection `collection_id` with keys in [begin_key, end_key)
  // (empty end_key: to the end of the collection).
  RecordReaderImpl(const DbHandles& db, const rocksdb::Snapshot* snapshot, uint64_t collection_id,
                   std::string_view begin_key, std::string_view end_key);
  const CollectionRecord* Next() override;
  Status status() const override { return scan_.status(); }

 private:
  SnapshotScan scan_;
  CollectionRecord record_;
};

class IndexReaderImpl : public IndexReader {
 public:
  // Index entries of topic `topic_id` with keys in [begin_key, end_key)
  // (empty end_key: no upper bound).
  IndexReaderImpl(const DbHandles& db, const rocksdb::Snapshot* snapshot, uint64_t topic_id,
                  std::string_view begin_key, std::string_view end_key, ScanOrder order);
  const IndexEntry* Next() override;
  Status status() const override { return scan_.status(); }

 private:
  SnapshotScan scan_;
  IndexEntry entry_;
};

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_SNAPSHOT_SCAN_H_
