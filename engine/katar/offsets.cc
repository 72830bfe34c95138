// Consumer-group offsets: records of kOffsetsCollection, moved forward only.
#include "offsets.h"

#include <nlohmann/json.hpp>

#include "pdfs/katar/subscribe.h"
#include "pdfs/topic_name.h"

namespace pdfs::katar {

namespace {

// Gives up after this many lost compare-and-set races (each loss means
// another committer moved the record, so this is never reached in practice).
constexpr int kMaxCommitAttempts = 64;

Status EnsureOffsetsCollection(Store& store) {
  Result<CollectionInfo> created = store.CreateCollection(kOffsetsCollection);
  if (created.ok() || created.status().IsAlreadyExists()) return Status::Ok();
  return created.status();
}

}  // namespace

Result<TopicMeta> GroupTopic(Store& store, std::string_view group, std::string_view topic) {
  if (Status s = ValidateGroupName(group); !s.ok()) return s;
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  return store.Stat(topic);
}

Status ValidateGroupName(std::string_view group) {
  if (group.empty()) return Status::InvalidArgument("the group name is empty");
  if (group.size() > kMaxGroupNameBytes) {
    return Status::InvalidArgument("the group name is longer than " +
                                   std::to_string(kMaxGroupNameBytes) + " bytes");
  }
  for (char c : group) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) {
      return Status::InvalidArgument("a group name may only hold A-Z a-z 0-9 _ - . (1-128 bytes)");
    }
  }
  return Status::Ok();
}

std::string OffsetKey(std::string_view group, std::string_view topic) {
  // Neither a group nor a topic name holds '/', so the key is unambiguous,
  // and one group's records are one key range.
  return std::string(group) + "/" + std::string(topic);
}

Result<std::optional<OffsetRecord>> ReadOffsetRecord(Store& store, std::string_view group,
                                                     std::string_view topic) {
  Result<CollectionRecord> record = store.GetRecord(kOffsetsCollection, OffsetKey(group, topic));
  if (!record.ok()) {
    if (record.status().IsNotFound()) return std::optional<OffsetRecord>();
    return record.status();
  }
  nlohmann::json value = nlohmann::json::parse(record->value, nullptr, false);
  if (value.is_discarded() || !value.is_object() || !value.contains("offset") ||
      !value["offset"].is_number_unsigned() || !value.contains("topic_id") ||
      !value["topic_id"].is_number_unsigned()) {
    return Status::IOError("the offset record of group \"" + std::string(group) +
                           "\" for topic \"" + std::string(topic) + "\" is damaged");
  }
  return std::optional<OffsetRecord>(OffsetRecord{
      value["offset"].get<uint64_t>(), value["topic_id"].get<uint64_t>(), record->version});
}

Result<CommittedOffset> CommitOffset(Store& store, std::string_view group, std::string_view topic,
                                     uint64_t offset) {
  Result<TopicMeta> meta = GroupTopic(store, group, topic);
  if (!meta.ok()) return meta.status();
  if (offset > meta->count) {
    return Status::InvalidArgument("offset " + std::to_string(offset) +
                                   " is past the end of topic \"" + std::string(topic) +
                                   "\" (its next offset is " + std::to_string(meta->count) + ")");
  }
  const std::string key = OffsetKey(group, topic);
  const std::string value = nlohmann::json{{"offset", offset}, {"topic_id", meta->id}}.dump();
  for (int attempt = 0; attempt < kMaxCommitAttempts; ++attempt) {
    Result<std::optional<OffsetRecord>> current = ReadOffsetRecord(store, group, topic);
    if (!current.ok()) return current.status();
    uint64_t expected_version = 0;  // 0: the record must not exist yet
    if (current->has_value()) {
      const OffsetRecord& r = **current;
      // Never backwards (the same topic: a record of a deleted one is replaced).
      if (r.topic_id == meta->id && r.offset >= offset) return CommittedOffset{r.offset, false};
      expected_version = r.version;
    }
    CommitBatch batch;
    batch.Put(kOffsetsCollection, key, value, expected_version);
    Result<CommitResult> committed = store.Commit(batch);
    if (committed.ok()) return CommittedOffset{offset, true};
    if (committed.status().IsNotFound()) {
      // The first commit in this data directory: the collection is made
      // here rather than before every commit (a write of its own).
      Status s = EnsureOffsetsCollection(store);
      if (!s.ok()) return s;
      continue;
    }
    if (committed.status().code() != Status::Code::kConflict) return committed.status();
    // Another committer won: judge again against what it wrote.
  }
  return Status::Conflict("the offset of group \"" + std::string(group) +
                          "\" kept changing while being committed; try again");
}

Result<uint64_t> GetCommittedOffset(Store& store, std::string_view group, std::string_view topic) {
  Result<TopicMeta> meta = GroupTopic(store, group, topic);
  if (!meta.ok()) return meta.status();
  Result<std::optional<OffsetRecord>> record = ReadOffsetRecord(store, group, topic);
  if (!record.ok()) return record.status();
  if (!record->has_value() || (*record)->topic_id != meta->id) {
    return Status::NotFound("group \"" + std::string(group) +
                            "\" has no committed offset in topic \"" + std::string(topic) + "\"");
  }
  return (*record)->offset;
}

}  // namespace pdfs::katar
