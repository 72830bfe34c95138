// StoreImpl: the Store on RocksDB. Not part of the public API.
#ifndef PDFS_ENGINE_STORE_IMPL_H_
#define PDFS_ENGINE_STORE_IMPL_H_

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "committed_state.h"
#include "db_handles.h"
#include "dir_lock.h"
#include "pdfs/store.h"
#include "writer.h"

namespace pdfs::engine {

class DiskAdmission;
class GroupBatch;

class StoreImpl : public Store {
 public:
  ~StoreImpl() override;

  static Result<std::unique_ptr<Store>> Open(const Options& options, const std::string& dir);

  const Options& options() const override { return options_; }
  Result<TopicMeta> CreateTopic(std::string_view topic) override;
  Result<TopicMeta> CreateTopic(std::string_view topic, std::string_view config_json) override;
  std::vector<TopicMeta> ListTopics() override;
  Result<TopicMeta> Stat(std::string_view topic) override;
  Status DeleteTopic(std::string_view topic) override;
  Result<AppendResult> Append(std::string_view topic, const DocumentBatch& docs) override;
  Result<AppendResult> AppendIfNext(std::string_view topic, const DocumentBatch& docs,
                                    uint64_t expected_next) override;
  Result<AppendResult> Append(std::string_view topic, const ItemBatch& items) override;
  Result<AppendResult> AppendIfNext(std::string_view topic, const ItemBatch& items,
                                    uint64_t expected_next) override;
  Result<Record> Get(std::string_view topic, uint64_t location) override;
  Result<std::unique_ptr<RangeReader>> Read(std::string_view topic, uint64_t begin,
                                            uint64_t end) override;
  Result<TopicMeta> Truncate(std::string_view topic, uint64_t location) override;
  Result<TopicMeta> TruncateIfNext(std::string_view topic, uint64_t location,
                                   uint64_t expected_next) override;
  Result<TopicMeta> TrimFront(std::string_view topic, uint64_t location) override;
  Result<uint64_t> FindLocationAtTime(std::string_view topic, int64_t time_ms) override;
  Result<TopicConfig> GetTopicConfig(std::string_view topic) override;
  Result<TopicMeta> SetTopicConfig(std::string_view topic, std::string_view config_json,
                                   std::optional<uint64_t> expected_version) override;
  Result<std::unique_ptr<IndexReader>> ScanIndex(std::string_view topic, std::string_view begin_key,
                                                 std::string_view end_key,
                                                 ScanOrder order) override;
  Result<uint64_t> FindIndexKey(std::string_view topic, std::string_view key) override;
  Result<std::string> IndexKeyAt(std::string_view topic, uint64_t location) override;
  Result<CollectionInfo> CreateCollection(std::string_view name) override;
  Status DeleteCollection(std::string_view name) override;
  std::vector<CollectionInfo> ListCollections() override;
  Result<CollectionInfo> StatCollection(std::string_view name) override;
  Result<CollectionRecord> GetRecord(std::string_view collection, std::string_view key) override;
  Result<std::unique_ptr<RecordReader>> ScanRecords(std::string_view collection,
                                                    std::string_view begin_key,
                                                    std::string_view end_key) override;
  Result<CommitResult> Commit(const CommitBatch& batch) override;
  Result<TopicMeta> CreateSystemTopic(std::string_view topic,
                                      std::string_view config_json) override;
  Status DeleteSystemTopic(std::string_view topic) override;
  Result<TopicMeta> TrimSystemTopic(std::string_view topic, uint64_t location) override;
  Result<TopicMeta> WaitForLocation(std::string_view topic, uint64_t location,
                                    std::chrono::steady_clock::time_point deadline) override;
  void Shutdown() override;
  void AddListener(ChangeListener* listener) override;
  void RemoveListener(ChangeListener* listener) override;
  const std::string& dir() const override { return dir_; }

 private:
  StoreImpl(const Options& options, std::string dir, DirLock lock);

  Status OpenDb();
  // Refuses a format newer than this code's; writes the format key into a
  // new directory or one of an older format (key_codec.h says why nothing
  // else needs converting).
  Status CheckFormat();
  Status LoadState();

  // Queues `w`, waits until it is committed (by itself as leader or by
  // another leader) and returns its status. Writers are shared so that a
  // leader may wake them after releasing mu_, when their threads may already
  // be returning.
  Status Enqueue(const std::shared_ptr<Writer>& w);
  // The writers the leader commits together: the queue's head and those
  // behind it, up to max_group_commit_bytes, ending before a removal of a
  // topic that an earlier writer of the group changed (removals read the
  // stored items, which must then already be on disk).
  // REQUIRES: mu_ held.
  std::vector<std::shared_ptr<Writer>> GatherGroupLocked() const;
  // Runs one writer's operation in the group; sets its results.
  void Apply(GroupBatch& group, DiskAdmission& space, Writer& w);

  Result<AppendResult> AppendItems(std::string_view topic, ItemSource items,
                                   std::optional<uint64_t> expected_next);
  Result<TopicMeta> TruncateChecked(std::string_view topic, uint64_t location,
                                    std::optional<uint64_t> expected_next);
  Result<TopicMeta> CreateChecked(std::string_view topic, std::string_view config_json);
  Result<TopicMeta> TrimChecked(std::string_view topic, uint64_t location);
  // The committed metadata of a topic whose name a reader may use.
  Result<TopicMeta> Current(std::string_view topic);
  // As Current, after taking a snapshot (*snapshot; the caller releases it,
  // unless this fails). Any snapshot is one committed state and the metadata
  // is at least as new, so bounds taken from it only narrow the snapshot.
  Result<TopicMeta> CurrentWithSnapshot(std::string_view topic, const rocksdb::Snapshot** snapshot);
  Result<CollectionInfo> CurrentCollection(std::string_view name);
  // REQUIRES: mu_ held.
  std::shared_ptr<TopicState> FindLocked(std::string_view topic) const;

  // Fixed after construction.
  const Options options_;
  const std::string dir_;
  DirLock lock_;
  std::unique_ptr<rocksdb::DB> db_;
  DbHandles handles_;  // db_ and its column families
  rocksdb::WriteOptions write_options_;

  // Lock order: mu_ before listeners_mu_. No lock is held across
  // db_->Write(), and listeners are called with neither held.
  mutable std::mutex mu_;
  // Guarded by mu_. Only the leader of the writer queue modifies state_,
  // and it may read it without mu_ while it leads.
  CommittedState state_;
  std::deque<std::shared_ptr<Writer>> writers_;
  bool shutting_down_ = false;

  std::mutex listeners_mu_;
  std::vector<ChangeListener*> listeners_;  // Guarded by listeners_mu_.
};

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_STORE_IMPL_H_
