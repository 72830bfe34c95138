// GroupBatch: the leader's work for one group of writers, one method per
// operation. Not part of the public API.
#ifndef PDFS_ENGINE_GROUP_BATCH_H_
#define PDFS_ENGINE_GROUP_BATCH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/write_batch.h>

#include "chunk_cursor.h"
#include "commit_checks.h"
#include "committed_state.h"
#include "db_handles.h"
#include "item_source.h"
#include "pdfs/store.h"

namespace pdfs::engine {

// Each operation method computes one writer's result against the committed
// state plus what the earlier operations of this group changed (so writers
// in one group see each other as if committed one after the other), and
// adds its changes to one WriteBatch. An operation that fails adds nothing
// and changes nothing: every check, and every read it needs, comes before
// its first change. Write() then stores the whole group with one write and
// one fsync, and Publish() makes it the committed state.
//
// Reads of stored items, records and index entries see the committed state:
// a truncation, trim or deletion must therefore never follow, in one group,
// another change of the same topic (the writer queue ends the group there).
//
// Belongs to the leader of the writer queue, which alone changes the
// committed state; it reads `committed` without a lock while it leads.
class GroupBatch {
 public:
  GroupBatch(const DbHandles& db, const CommittedState& committed, int64_t now_ms);
  GroupBatch(const GroupBatch&) = delete;
  GroupBatch& operator=(const GroupBatch&) = delete;

  // `config`: a minified configuration, or null for none.
  Result<TopicMeta> CreateTopic(std::string_view topic, const std::string* config);
  // `create_missing`: a topic that does not exist is created (else NotFound).
  Result<AppendResult> Append(std::string_view topic, const ItemSource& items,
                              std::optional<uint64_t> expected_next, bool create_missing);
  Result<TopicMeta> Truncate(std::string_view topic, uint64_t location,
                             std::optional<uint64_t> expected_next);
  Result<TopicMeta> Trim(std::string_view topic, uint64_t location);
  Status DeleteTopic(std::string_view topic);
  Result<CollectionInfo> CreateCollection(std::string_view name);
  Status DeleteCollection(std::string_view name);
  Result<CommitResult> Commit(const PreparedCommit& commit);

  // Writes every change above in one RocksDB write; OK at once if nothing
  // changed. On failure nothing is stored.
  Status Write(const rocksdb::WriteOptions& options);
  // Makes the written changes the committed state, wakes waiters on the
  // topics, and returns the change events in commit order.
  // REQUIRES: StoreImpl::mu_ held; Write() succeeded.
  std::vector<ChangeEvent> Publish(CommittedState* committed);

 private:
  // One topic as the group changes it.
  struct PendingTopic {
    std::shared_ptr<TopicState> before;  // committed state, null if none
    bool exists = false;
    bool recreated = false;  // deleted (and maybe created again) in this group
    bool dirty = false;
    StoredMeta meta;
    uint64_t config_version = 0;
    std::optional<std::string> new_config;  // set iff the group changed the configuration
    // Items appended in this group and not yet written as a chunk; they end
    // at location meta.count - 1 and share chunk_type and chunk_time.
    std::vector<std::string_view> chunk_items;
    size_t chunk_bytes = 0;
    uint64_t chunk_first_offset = 0;
    int64_t chunk_time = 0;
    std::string_view chunk_type;
  };
  // One collection as the group changes it.
  struct PendingCollection {
    bool exists = false;
    bool dirty = false;
    StoredCollection meta;
  };

  PendingTopic& TopicFor(std::string_view name);
  PendingCollection& CollectionFor(std::string_view name);
  // The version of a record (0: absent) as the group left it.
  Status RecordVersion(uint64_t collection_id, std::string_view key, uint64_t* version);

  // The checks of an append, changing nothing.
  Status CheckAppend(PendingTopic& p, std::string_view topic, size_t n,
                     std::optional<uint64_t> expected_next, bool create_missing);
  // The append itself, after CheckAppend; returns the first location.
  uint64_t ApplyAppend(PendingTopic& p, std::string_view topic, const ItemSource& items);
  void Create(PendingTopic& p, std::string_view topic, const std::string* config);
  void SetConfig(PendingTopic& p, std::string_view topic, std::string json);
  void AddItem(PendingTopic& p, std::string_view data, std::string_view stored_type, int64_t time);
  // Writes p's pending items as one chunk keyed by their last location.
  void FlushChunk(PendingTopic& p);
  // The forward keys of the index entries of locations [from, to) of topic
  // `id`, read from the committed state.
  Status IndexEntriesIn(uint64_t id, uint64_t from, uint64_t to, std::vector<std::string>* keys);
  // Deletes those entries (and their way back).
  void RemoveIndexEntries(uint64_t id, uint64_t from, uint64_t to,
                          const std::vector<std::string>& keys);
  // Adds a Put of items [from, to) of `c` as a chunk whose last location is
  // `last_location`, keeping their serials and offsets.
  void RewriteChunk(const StoredChunk& c, uint32_t from, uint32_t to, uint64_t id,
                    uint64_t last_location);
  void Event(ChangeEvent::Kind kind, std::string_view topic, const StoredMeta& m, uint64_t from,
             uint64_t to);
  TopicMeta Public(std::string_view topic, const PendingTopic& p) const;

  const DbHandles& db_;
  const CommittedState& committed_;
  const int64_t now_ms_;
  rocksdb::WriteBatch batch_;
  std::map<std::string_view, PendingTopic> topics_;  // keys point into writers' names
  std::map<std::string, PendingCollection, std::less<>> collections_;
  std::map<std::string, uint64_t> record_versions_;  // by RecordKey: versions this group set
  uint64_t next_topic_id_;
  uint64_t next_serial_;
  uint64_t next_collection_id_;
  std::vector<ChangeEvent> events_;
  std::string chunk_value_;  // scratch for FlushChunk
};

// The public form of a topic's stored metadata.
TopicMeta ToPublic(std::string_view name, const StoredMeta& m, uint64_t config_version);

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_GROUP_BATCH_H_
