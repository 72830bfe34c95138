// CommitBatch: operations recorded as given; Store::Commit validates them.
#include "pdfs/collection.h"

namespace pdfs {

void CommitBatch::Put(std::string_view collection, std::string_view key,
                      std::string_view value_json, std::optional<uint64_t> expected_version) {
  record_ops_.push_back(RecordOp{RecordOp::Kind::kPut, std::string(collection), std::string(key),
                                 std::string(value_json), expected_version});
}

void CommitBatch::Delete(std::string_view collection, std::string_view key,
                         std::optional<uint64_t> expected_version) {
  record_ops_.push_back(RecordOp{
      RecordOp::Kind::kDelete, std::string(collection), std::string(key), {}, expected_version});
}

void CommitBatch::Check(std::string_view collection, std::string_view key,
                        uint64_t expected_version) {
  record_ops_.push_back(RecordOp{
      RecordOp::Kind::kCheck, std::string(collection), std::string(key), {}, expected_version});
}

void CommitBatch::Append(std::string_view topic, ItemBatch items,
                         std::optional<uint64_t> expected_next) {
  appends_.push_back(AppendOp{std::string(topic), std::move(items), expected_next});
}

void CommitBatch::SetTopicConfig(std::string_view topic, std::string_view config_json,
                                 std::optional<uint64_t> expected_version) {
  configs_.push_back(ConfigOp{std::string(topic), std::string(config_json), expected_version});
}

}  // namespace pdfs
