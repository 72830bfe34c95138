// Collections and commits.
//
// A collection is an ordered map of small JSON records (key -> value), kept
// by the store in a key space of its own: webhook cursors, consumer-group
// offsets, resources and the table catalog are collections. Every record has
// a version: the collection's revision when the record was last written.
// A collection's revision grows by one with every commit that changes it, so
// a version is never re-used, not even after a delete and a new put of the
// same key.
//
// A CommitBatch combines record puts, deletes and version checks with
// appends to topics (conditional or not) and topic configuration changes;
// Store::Commit applies all of it or none, in ONE RocksDB write that is
// group-committed with every other writer (one shared fsync).
//
// Change topics. A collection that needs history (watch, audit, time travel)
// appends one change record per commit to a system topic of its own, in the
// same commit, as a conditional append (AppendIfNext on the change topic's
// count as the face last saw it): the change topic is the source of truth
// and the collection's records can always be rebuilt by replaying it. A
// commit whose change record lost the race fails with Conflict and changes
// nothing. docs/ARCHITECTURE.md shows the pattern.
#ifndef PDFS_ENGINE_COLLECTION_H_
#define PDFS_ENGINE_COLLECTION_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pdfs/item.h"
#include "pdfs/status.h"

namespace pdfs {

// The longest record key. Keys are any bytes, ordered bytewise.
inline constexpr size_t kMaxRecordKeyBytes = 1024;
inline constexpr size_t kMaxCollectionNameBytes = 128;

// OK iff `name` is 1-128 bytes of A-Z a-z 0-9 _ - . (a leading '.' is
// allowed: collection names are chosen by the faces, never by users
// directly); otherwise InvalidArgument saying what is wrong.
Status ValidateCollectionName(std::string_view name);

// A collection's metadata. A value type, intentionally copyable.
struct CollectionInfo {
  std::string name;
  // Unique for the life of the data directory (a collection deleted and
  // created again gets a new one).
  uint64_t id = 0;
  // Commits that changed the collection; the version of its newest write.
  uint64_t revision = 0;
  // Records it holds, exact at all times.
  uint64_t records = 0;
};

// One record. A value type.
struct CollectionRecord {
  std::string key;
  uint64_t version = 0;  // >= 1
  std::string value;     // a minified JSON object
};

// A streamed scan of records in key order, from one consistent snapshot;
// memory is bounded whatever the range. Belongs to one thread at a time;
// destroy it before its Store.
class RecordReader {
 public:
  RecordReader() = default;
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;
  virtual ~RecordReader() = default;

  // The next record, valid until the next call; nullptr at the end or on an
  // error (then status() is not OK).
  virtual const CollectionRecord* Next() = 0;
  virtual Status status() const = 0;
};

// The operations of one atomic commit, in the order they were added. A value
// type; building one validates nothing (Store::Commit does, before anything
// is written). Not safe for concurrent mutation.
class CommitBatch {
 public:
  struct RecordOp {
    enum class Kind {
      kPut,     // store `value` under `key` (created or replaced)
      kDelete,  // remove `key` (absent: nothing to do, unless a version is expected)
      kCheck,   // change nothing; only the version check
    };
    Kind kind = Kind::kPut;
    std::string collection;
    std::string key;
    std::string value;  // kPut: a JSON object
    // The version the record must have when the commit applies, 0 meaning
    // "must not exist"; otherwise the commit fails with Conflict.
    std::optional<uint64_t> expected_version;
  };
  struct AppendOp {
    std::string topic;
    ItemBatch items;
    // As Store::AppendIfNext: the topic's next location must be this.
    std::optional<uint64_t> expected_next;
  };
  struct ConfigOp {
    std::string topic;
    std::string config;  // a JSON object
    // The topic's configuration version must be this (0: never configured).
    std::optional<uint64_t> expected_version;
  };

  CommitBatch() = default;

  void Put(std::string_view collection, std::string_view key, std::string_view value_json,
           std::optional<uint64_t> expected_version = std::nullopt);
  void Delete(std::string_view collection, std::string_view key,
              std::optional<uint64_t> expected_version = std::nullopt);
  // Compare without set: the commit applies only if the record has
  // `expected_version` (0: is absent).
  void Check(std::string_view collection, std::string_view key, uint64_t expected_version);
  // Appends `items` (a topic that does not exist is created, as by
  // Store::Append; a system topic must exist).
  void Append(std::string_view topic, ItemBatch items,
              std::optional<uint64_t> expected_next = std::nullopt);
  // Replaces the topic's configuration document (the topic must exist).
  void SetTopicConfig(std::string_view topic, std::string_view config_json,
                      std::optional<uint64_t> expected_version = std::nullopt);
  // Lets this commit append to and configure system topics (names beginning
  // with '.'). Only the engine's faces call this, for their own topics (a
  // collection's change topic); without it such a commit is refused.
  void AllowSystemTopics() { allow_system_topics_ = true; }

  const std::vector<RecordOp>& record_ops() const { return record_ops_; }
  const std::vector<AppendOp>& appends() const { return appends_; }
  const std::vector<ConfigOp>& configs() const { return configs_; }
  bool allows_system_topics() const { return allow_system_topics_; }
  bool empty() const { return record_ops_.empty() && appends_.empty() && configs_.empty(); }

 private:
  std::vector<RecordOp> record_ops_;
  std::vector<AppendOp> appends_;
  std::vector<ConfigOp> configs_;
  bool allow_system_topics_ = false;
};

}  // namespace pdfs

#endif  // PDFS_ENGINE_COLLECTION_H_
