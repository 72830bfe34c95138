// GroupBatch: one method per operation over one WriteBatch.
#include "group_batch.h"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

namespace pdfs::engine {
namespace {

std::string Quote(std::string_view topic) { return "topic \"" + std::string(topic) + "\""; }

Status TopicNotFound(std::string_view topic) {
  return Status::NotFound(Quote(topic) + " does not exist");
}

Status CollectionNotFound(std::string_view name) {
  return Status::NotFound("collection \"" + std::string(name) + "\" does not exist");
}

rocksdb::Slice Slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

}  // namespace

TopicMeta ToPublic(std::string_view name, const StoredMeta& m, uint64_t config_version) {
  TopicMeta t;
  t.topic = std::string(name);
  t.id = m.id;
  t.count = m.count;
  t.first = m.first;
  t.size = m.end_offset - m.first_offset;
  t.last_append_ms = m.last_append_ms;
  t.config_version = config_version;
  return t;
}

GroupBatch::GroupBatch(const DbHandles& db, const CommittedState& committed, int64_t now_ms)
    : db_(db),
      committed_(committed),
      now_ms_(now_ms),
      next_topic_id_(committed.next_topic_id),
      next_serial_(committed.next_serial),
      next_collection_id_(committed.next_collection_id) {}

GroupBatch::PendingTopic& GroupBatch::TopicFor(std::string_view name) {
  auto [it, inserted] = topics_.try_emplace(name);
  if (inserted) {
    auto found = committed_.topics.find(name);
    if (found != committed_.topics.end()) {
      it->second.before = found->second;
      it->second.exists = true;
      it->second.meta = found->second->meta;
      it->second.config_version = found->second->config.version;
    }
  }
  return it->second;
}

GroupBatch::PendingCollection& GroupBatch::CollectionFor(std::string_view name) {
  auto it = collections_.find(name);
  if (it == collections_.end()) {
    it = collections_.emplace(std::string(name), PendingCollection{}).first;
    auto found = committed_.collections.find(name);
    if (found != committed_.collections.end()) {
      it->second.exists = true;
      it->second.meta = found->second;
    }
  }
  return it->second;
}

Status GroupBatch::RecordVersion(uint64_t collection_id, std::string_view key, uint64_t* version) {
  std::string raw_key = RecordKey(collection_id, key);
  if (auto it = record_versions_.find(raw_key); it != record_versions_.end()) {
    *version = it->second;
    return Status::Ok();
  }
  rocksdb::PinnableSlice value;
  rocksdb::Status s = db_.db->Get(rocksdb::ReadOptions(), db_.records, Slice(raw_key), &value);
  if (s.IsNotFound()) {
    *version = 0;
    return Status::Ok();
  }
  if (!s.ok()) return db_.FromRocks(s, "reading a collection record");
  std::string_view json;
  if (!DecodeRecordValue(View(value), version, &json)) {
    return Status::IOError("a stored collection record is corrupt");
  }
  return Status::Ok();
}

TopicMeta GroupBatch::Public(std::string_view topic, const PendingTopic& p) const {
  return ToPublic(topic, p.meta, p.config_version);
}

void GroupBatch::Event(ChangeEvent::Kind kind, std::string_view topic, const StoredMeta& m,
                       uint64_t from, uint64_t to) {
  events_.push_back(ChangeEvent{kind, std::string(topic), m.id, from, to});
}

// ---------------------------------------------------------------------------
// Items.

void GroupBatch::FlushChunk(PendingTopic& p) {
  if (p.chunk_items.empty()) return;
  chunk_value_.clear();
  EncodeChunk(ChunkHeader{next_serial_, p.chunk_time, p.chunk_first_offset, p.chunk_type},
              p.chunk_items.data(), p.chunk_items.size(), &chunk_value_);
  next_serial_ += p.chunk_items.size();
  batch_.Put(db_.docs, KeySlice(EncodeDocKey(p.meta.id, p.meta.count - 1)), chunk_value_);
  p.chunk_items.clear();
  p.chunk_bytes = 0;
}

void GroupBatch::AddItem(PendingTopic& p, std::string_view data, std::string_view stored_type,
                         int64_t time) {
  if (!p.chunk_items.empty() &&
      (p.chunk_items.size() >= kMaxChunkDocuments || p.chunk_bytes + data.size() > kMaxChunkBytes ||
       time != p.chunk_time || stored_type != p.chunk_type)) {
    FlushChunk(p);
  }
  if (p.chunk_items.empty()) {
    p.chunk_first_offset = p.meta.end_offset;
    p.chunk_time = time;
    p.chunk_type = stored_type;
  }
  p.chunk_items.push_back(data);
  p.chunk_bytes += data.size();
  p.meta.end_offset += data.size();
  ++p.meta.count;
}

void GroupBatch::RewriteChunk(const StoredChunk& c, uint32_t from, uint32_t to, uint64_t id,
                              uint64_t last_location) {
  std::vector<std::string_view> items;
  items.reserve(to - from);
  for (uint32_t i = from; i < to; ++i) items.push_back(c.view.document(i));
  std::string value;
  EncodeChunk(ChunkHeader{c.view.first_serial() + from, c.view.append_time_ms(),
                          c.view.offset(from), c.view.stored_type()},
              items.data(), items.size(), &value);
  batch_.Put(db_.docs, KeySlice(EncodeDocKey(id, last_location)), value);
}

// ---------------------------------------------------------------------------
// Topics.

void GroupBatch::Create(PendingTopic& p, std::string_view topic, const std::string* config) {
  p.exists = true;
  p.dirty = true;
  p.meta = StoredMeta{};
  p.meta.id = next_topic_id_++;
  p.meta.last_append_ms = now_ms_;
  p.config_version = 0;
  p.new_config = std::string();
  Event(ChangeEvent::Kind::kTopicCreated, topic, p.meta, 0, 0);
  if (config != nullptr) SetConfig(p, topic, *config);
}

void GroupBatch::SetConfig(PendingTopic& p, std::string_view topic, std::string json) {
  ++p.config_version;
  batch_.Put(db_.topics, ConfigKey(topic), EncodeConfig(StoredConfig{p.config_version, json}));
  p.new_config = std::move(json);
  p.dirty = true;
}

Result<TopicMeta> GroupBatch::CreateTopic(std::string_view topic, const std::string* config) {
  PendingTopic& p = TopicFor(topic);
  if (p.exists) return Status::AlreadyExists(Quote(topic) + " already exists");
  Create(p, topic, config);
  return Public(topic, p);
}

Status GroupBatch::CheckAppend(PendingTopic& p, std::string_view topic, size_t n,
                               std::optional<uint64_t> expected_next, bool create_missing) {
  if (!p.exists && !create_missing) return TopicNotFound(topic);
  // A missing topic is empty to an append.
  const uint64_t next = p.exists ? p.meta.count : 0;
  if (expected_next.has_value() && *expected_next != next) {
    return Status::Conflict(Quote(topic) + "'s next location is " + std::to_string(next) +
                            ", not " + std::to_string(*expected_next) + " as expected");
  }
  if (next > std::numeric_limits<uint64_t>::max() - 1 - n) {
    return Status::InvalidArgument(Quote(topic) + " has no locations left");
  }
  return Status::Ok();
}

uint64_t GroupBatch::ApplyAppend(PendingTopic& p, std::string_view topic, const ItemSource& items) {
  if (!p.exists) Create(p, topic, nullptr);
  const int64_t time = std::max(now_ms_, p.meta.last_append_ms);
  const uint64_t first = p.meta.count;
  const size_t n = items.size();
  for (size_t i = 0; i < n; ++i) AddItem(p, items.data(i), items.stored_type(i), time);
  if (items.has_index_keys()) {
    for (size_t i = 0; i < n; ++i) {
      std::string_view key = items.index_key(i);
      if (key.empty()) continue;
      batch_.Put(db_.index, IndexForwardKey(p.meta.id, key, first + i), rocksdb::Slice());
      batch_.Put(db_.index, IndexReverseKey(p.meta.id, first + i), Slice(key));
    }
  }
  p.meta.last_append_ms = time;
  p.dirty = true;
  Event(ChangeEvent::Kind::kAppended, topic, p.meta, first, p.meta.count);
  return first;
}

Result<AppendResult> GroupBatch::Append(std::string_view topic, const ItemSource& items,
                                        std::optional<uint64_t> expected_next,
                                        bool create_missing) {
  PendingTopic& p = TopicFor(topic);
  if (Status s = CheckAppend(p, topic, items.size(), expected_next, create_missing); !s.ok()) {
    return s;
  }
  const uint64_t first = ApplyAppend(p, topic, items);
  return AppendResult{first, Public(topic, p)};
}

Status GroupBatch::IndexEntriesIn(uint64_t id, uint64_t from, uint64_t to,
                                  std::vector<std::string>* keys) {
  if (from >= to) return Status::Ok();
  const std::string lower = IndexReverseKey(id, from);
  const std::string upper = IndexReverseKey(id, to);
  rocksdb::Slice upper_bound(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(db_.db->NewIterator(ro, db_.index));
  for (it->Seek(lower); it->Valid(); it->Next()) {
    uint64_t location = 0;
    if (!DecodeIndexReverseKey(View(it->key()), &location)) {
      return Status::IOError("a stored index entry is corrupt");
    }
    keys->push_back(IndexForwardKey(id, View(it->value()), location));
  }
  if (!it->status().ok()) return db_.FromRocks(it->status(), "reading a topic's index");
  return Status::Ok();
}

void GroupBatch::RemoveIndexEntries(uint64_t id, uint64_t from, uint64_t to,
                                    const std::vector<std::string>& keys) {
  if (keys.empty()) return;
  for (const std::string& key : keys) batch_.Delete(db_.index, key);
  batch_.DeleteRange(db_.index, IndexReverseKey(id, from), IndexReverseKey(id, to));
}

Result<TopicMeta> GroupBatch::Truncate(std::string_view topic, uint64_t location,
                                       std::optional<uint64_t> expected_next) {
  PendingTopic& p = TopicFor(topic);
  // Removals act on what is stored: put this group's items there first.
  FlushChunk(p);
  if (!p.exists) return TopicNotFound(topic);
  if (expected_next.has_value() && *expected_next != p.meta.count) {
    return Status::Conflict(Quote(topic) + "'s next location is " + std::to_string(p.meta.count) +
                            ", not " + std::to_string(*expected_next) + " as expected");
  }
  const uint64_t at = location;
  const uint64_t old_count = p.meta.count;
  if (at >= old_count) return Public(topic, p);  // at or past the end: nothing to do
  // Reads first, so that a failure changes nothing.
  std::vector<std::string> index_keys;
  if (Status s = IndexEntriesIn(p.meta.id, at, old_count, &index_keys); !s.ok()) return s;
  StoredChunk c;
  const bool cut_inside = at > p.meta.first;
  if (cut_inside) {
    if (Status s = ReadChunk(db_, p.meta.id, at, &c); !s.ok()) return s;
  }
  if (!cut_inside) {
    p.meta.end_offset = p.meta.first_offset;
    batch_.DeleteRange(db_.docs, KeySlice(EncodeDocKey(p.meta.id, p.meta.first)),
                       KeySlice(EncodeDocKey(p.meta.id, old_count)));
  } else {
    // Every chunk whose last location is at or after `at` goes; the one
    // holding `at` comes back holding only what precedes it.
    const uint32_t keep = static_cast<uint32_t>(at - c.first);
    p.meta.end_offset = c.view.offset(keep);
    batch_.DeleteRange(db_.docs, KeySlice(EncodeDocKey(p.meta.id, at)),
                       KeySlice(EncodeDocKey(p.meta.id, old_count)));
    if (keep > 0) RewriteChunk(c, 0, keep, p.meta.id, at - 1);
  }
  RemoveIndexEntries(p.meta.id, at, old_count, index_keys);
  p.meta.count = at;
  p.meta.first = std::min(p.meta.first, at);
  p.dirty = true;
  Event(ChangeEvent::Kind::kTruncated, topic, p.meta, at, old_count);
  return Public(topic, p);
}

Result<TopicMeta> GroupBatch::Trim(std::string_view topic, uint64_t location) {
  PendingTopic& p = TopicFor(topic);
  FlushChunk(p);
  if (!p.exists) return TopicNotFound(topic);
  const uint64_t to = std::min(location, p.meta.count);
  const uint64_t old_first = p.meta.first;
  if (to <= old_first) return Public(topic, p);  // already trimmed that far
  std::vector<std::string> index_keys;
  if (Status s = IndexEntriesIn(p.meta.id, old_first, to, &index_keys); !s.ok()) return s;
  StoredChunk c;
  const bool cut_inside = to < p.meta.count;
  if (cut_inside) {
    if (Status s = ReadChunk(db_, p.meta.id, to, &c); !s.ok()) return s;
  }
  uint64_t new_first_offset = p.meta.end_offset;
  // Every chunk whose last location is before `to` goes; the one holding
  // `to` keeps only `to` and after, under the same key.
  batch_.DeleteRange(db_.docs, KeySlice(EncodeDocKey(p.meta.id, old_first)),
                     KeySlice(EncodeDocKey(p.meta.id, to)));
  if (cut_inside) {
    const uint32_t drop = static_cast<uint32_t>(to - c.first);
    new_first_offset = c.view.offset(drop);
    if (drop > 0) RewriteChunk(c, drop, c.view.count(), p.meta.id, c.last);
  }
  RemoveIndexEntries(p.meta.id, old_first, to, index_keys);
  p.meta.first = to;
  p.meta.first_offset = new_first_offset;
  p.dirty = true;
  Event(ChangeEvent::Kind::kTrimmed, topic, p.meta, old_first, to);
  return Public(topic, p);
}

Status GroupBatch::DeleteTopic(std::string_view topic) {
  PendingTopic& p = TopicFor(topic);
  FlushChunk(p);
  if (!p.exists) return TopicNotFound(topic);
  batch_.DeleteRange(db_.docs, KeySlice(EncodeDocKey(p.meta.id, 0)),
                     KeySlice(EncodeDocKey(p.meta.id + 1, 0)));
  batch_.DeleteRange(db_.index, IndexTopicBegin(p.meta.id), IndexTopicBegin(p.meta.id + 1));
  if (p.config_version > 0) batch_.Delete(db_.topics, ConfigKey(topic));
  Event(ChangeEvent::Kind::kTopicDeleted, topic, p.meta, p.meta.first, p.meta.count);
  p.exists = false;
  p.recreated = true;
  p.dirty = true;
  p.config_version = 0;
  p.new_config.reset();
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Collections and commits.

Result<CollectionInfo> GroupBatch::CreateCollection(std::string_view name) {
  PendingCollection& c = CollectionFor(name);
  if (c.exists) {
    return Status::AlreadyExists("collection \"" + std::string(name) + "\" already exists");
  }
  c.exists = true;
  c.dirty = true;
  c.meta = StoredCollection{next_collection_id_++, 0, 0};
  return CollectionInfo{std::string(name), c.meta.id, 0, 0};
}

Status GroupBatch::DeleteCollection(std::string_view name) {
  PendingCollection& c = CollectionFor(name);
  if (!c.exists) return CollectionNotFound(name);
  batch_.DeleteRange(db_.records, RecordKey(c.meta.id, ""), RecordKey(c.meta.id + 1, ""));
  c.exists = false;
  c.dirty = true;
  return Status::Ok();
}

Result<CommitResult> GroupBatch::Commit(const PreparedCommit& commit) {
  const CommitBatch& batch = *commit.batch;
  // Checks, and the reads they need, before any change.
  for (const CommitBatch::ConfigOp& op : batch.configs()) {
    PendingTopic& p = TopicFor(op.topic);
    if (!p.exists) return TopicNotFound(op.topic);
    if (op.expected_version.has_value() && *op.expected_version != p.config_version) {
      return Status::Conflict("the configuration of " + Quote(op.topic) + " is at version " +
                              std::to_string(p.config_version) + ", not " +
                              std::to_string(*op.expected_version) + " as expected");
    }
  }
  for (const CommitBatch::AppendOp& op : batch.appends()) {
    const bool system = op.topic.front() == '.';
    if (Status s =
            CheckAppend(TopicFor(op.topic), op.topic, op.items.size(), op.expected_next, !system);
        !s.ok()) {
      return s;
    }
  }
  const std::vector<CommitBatch::RecordOp>& ops = batch.record_ops();
  std::vector<uint64_t> versions(ops.size());  // current, then after the commit
  for (size_t i = 0; i < ops.size(); ++i) {
    const CommitBatch::RecordOp& op = ops[i];
    PendingCollection& c = CollectionFor(op.collection);
    if (!c.exists) return CollectionNotFound(op.collection);
    if (Status s = RecordVersion(c.meta.id, op.key, &versions[i]); !s.ok()) return s;
    if (op.expected_version.has_value() && *op.expected_version != versions[i]) {
      const std::string what =
          DescribeRecordKey(op.key) + " of collection \"" + op.collection + "\"";
      const std::string is =
          versions[i] == 0 ? " does not exist" : " is at version " + std::to_string(versions[i]);
      const std::string expected = *op.expected_version == 0
                                       ? "expected it absent"
                                       : "expected version " + std::to_string(*op.expected_version);
      return Status::Conflict(what + is + "; " + expected);
    }
  }

  // The changes; none of them can fail.
  CommitResult result;
  for (size_t i = 0; i < batch.configs().size(); ++i) {
    const CommitBatch::ConfigOp& op = batch.configs()[i];
    PendingTopic& p = TopicFor(op.topic);
    SetConfig(p, op.topic, commit.configs[i]);
    result.configured.push_back(Public(op.topic, p));
  }
  for (const CommitBatch::AppendOp& op : batch.appends()) {
    PendingTopic& p = TopicFor(op.topic);
    const uint64_t first = ApplyAppend(p, op.topic, ItemSource(op.items));
    result.appends.push_back(AppendResult{first, Public(op.topic, p)});
  }
  // Each collection this commit changes moves to its next revision, which is
  // the version of every record the commit writes there.
  std::set<std::string_view> bumped;
  for (size_t i = 0; i < ops.size(); ++i) {
    const CommitBatch::RecordOp& op = ops[i];
    if (op.kind == CommitBatch::RecordOp::Kind::kCheck) continue;
    PendingCollection& c = CollectionFor(op.collection);
    if (bumped.insert(op.collection).second) ++c.meta.revision;
    c.dirty = true;
    std::string key = RecordKey(c.meta.id, op.key);
    const bool existed = versions[i] != 0;
    if (op.kind == CommitBatch::RecordOp::Kind::kPut) {
      batch_.Put(db_.records, key, EncodeRecordValue(c.meta.revision, commit.values[i]));
      if (!existed) ++c.meta.records;
      versions[i] = c.meta.revision;
    } else {
      if (existed) {
        batch_.Delete(db_.records, key);
        --c.meta.records;
      }
      versions[i] = 0;
    }
    record_versions_[std::move(key)] = versions[i];
  }
  result.versions = std::move(versions);
  return result;
}

// ---------------------------------------------------------------------------
// Writing and publishing.

Status GroupBatch::Write(const rocksdb::WriteOptions& options) {
  for (auto& [name, p] : topics_) FlushChunk(p);
  // Metadata goes last, one entry per topic and collection, so the batch
  // holds each one's final state for this group.
  for (auto& [name, p] : topics_) {
    if (!p.dirty) continue;
    if (p.exists) {
      batch_.Put(db_.topics, Slice(name), EncodeMeta(p.meta));
    } else {
      batch_.Delete(db_.topics, Slice(name));
    }
  }
  for (auto& [name, c] : collections_) {
    if (!c.dirty) continue;
    if (c.exists) {
      batch_.Put(db_.collections, name, EncodeCollection(c.meta));
    } else {
      batch_.Delete(db_.collections, name);
    }
  }
  auto put_counter = [this](rocksdb::ColumnFamilyHandle* cf, std::string_view key, uint64_t value,
                            uint64_t committed) {
    if (value == committed) return;
    std::string v;
    PutFixed64LE(&v, value);
    batch_.Put(cf, Slice(key), v);
  };
  put_counter(db_.defaults, kNextTopicIdKey, next_topic_id_, committed_.next_topic_id);
  put_counter(db_.defaults, kNextSerialKey, next_serial_, committed_.next_serial);
  put_counter(db_.collections, kNextCollectionIdKey, next_collection_id_,
              committed_.next_collection_id);
  if (batch_.Count() == 0) return Status::Ok();
  return db_.FromRocks(db_.db->Write(options, &batch_), "writing to the store");
}

std::vector<ChangeEvent> GroupBatch::Publish(CommittedState* committed) {
  for (auto& [name, p] : topics_) {
    if (!p.dirty) continue;
    if (p.before != nullptr && (p.recreated || !p.exists)) {
      p.before->deleted = true;
      p.before->changed.notify_all();
      committed->topics.erase(p.before->name);
      p.before = nullptr;
    }
    if (!p.exists) continue;
    if (p.before == nullptr) {
      auto state = std::make_shared<TopicState>();
      state->name = std::string(name);
      p.before = state;
      committed->topics.emplace(state->name, state);
    }
    p.before->meta = p.meta;
    if (p.new_config.has_value()) {
      p.before->config = StoredConfig{p.config_version, std::move(*p.new_config)};
    }
    p.before->changed.notify_all();
  }
  for (auto& [name, c] : collections_) {
    if (!c.dirty) continue;
    if (c.exists) {
      committed->collections[name] = c.meta;
    } else {
      committed->collections.erase(name);
    }
  }
  committed->next_topic_id = next_topic_id_;
  committed->next_serial = next_serial_;
  committed->next_collection_id = next_collection_id_;
  return std::move(events_);
}

}  // namespace pdfs::engine
