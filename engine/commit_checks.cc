// The stateless checks of a change.
#include "commit_checks.h"

#include <set>
#include <utility>

#include "pdfs/document.h"
#include "pdfs/store.h"
#include "pdfs/topic_name.h"

namespace pdfs::engine {
namespace {

// One JSON object, minified, within `max_bytes`; `what` names it in errors.
Result<std::string> MinifyObject(std::string_view json, size_t max_bytes, const Options& options,
                                 const std::string& what) {
  DocumentBatch batch;
  Status s = DocumentParser::ParseAll(
      json, DocumentParser::Shape::kOneObject,
      {.max_document_bytes = max_bytes, .max_depth = options.max_json_depth}, &batch);
  if (!s.ok()) {
    std::string message = what + ": " + s.message();
    return s.IsTooLarge() ? Status::TooLarge(message) : Status::InvalidArgument(message);
  }
  return std::string(batch[0]);
}

Status CheckWritableTopic(std::string_view topic, bool allow_system) {
  return allow_system && !topic.empty() && topic.front() == '.' ? ValidateSystemTopicName(topic)
                                                                : ValidateTopicName(topic);
}

}  // namespace

std::string DescribeRecordKey(std::string_view key) {
  bool printable = key.size() <= 64;
  for (unsigned char c : key) printable = printable && c >= 0x20 && c < 0x7f && c != '"';
  return printable ? "record \"" + std::string(key) + "\""
                   : "a record key of " + std::to_string(key.size()) + " bytes";
}

Status CheckItems(const ItemSource& items, const Options& options) {
  if (items.size() == 0) return Status::InvalidArgument("an append needs at least one document");
  for (size_t i = 0; i < items.size(); ++i) {
    if (items.data(i).size() > options.max_document_bytes) {
      return Status::TooLarge("document " + std::to_string(i) + " has " +
                              std::to_string(items.data(i).size()) + " bytes; the limit is " +
                              std::to_string(options.max_document_bytes));
    }
  }
  return Status::Ok();
}

Result<std::string> PrepareConfig(std::string_view json, const Options& options) {
  return MinifyObject(json, options.max_config_bytes, options, "a topic configuration");
}

Result<PreparedCommit> PrepareCommit(const CommitBatch& batch, const Options& options) {
  if (batch.empty()) return Status::InvalidArgument("a commit needs at least one operation");
  PreparedCommit out;
  out.batch = &batch;
  std::set<std::pair<std::string_view, std::string_view>> records;
  for (const CommitBatch::RecordOp& op : batch.record_ops()) {
    if (Status s = ValidateCollectionName(op.collection); !s.ok()) return s;
    if (op.key.empty() || op.key.size() > kMaxRecordKeyBytes) {
      return Status::InvalidArgument("a record key must have 1 to " +
                                     std::to_string(kMaxRecordKeyBytes) + " bytes; this one has " +
                                     std::to_string(op.key.size()));
    }
    const std::string what = DescribeRecordKey(op.key) + " of collection \"" + op.collection + "\"";
    if (!records.emplace(op.collection, op.key).second) {
      return Status::InvalidArgument(what + " is named twice in one commit");
    }
    std::string value;
    if (op.kind == CommitBatch::RecordOp::Kind::kPut) {
      Result<std::string> minified =
          MinifyObject(op.value, options.max_record_bytes, options, "the value of " + what);
      if (!minified.ok()) return minified.status();
      value = std::move(minified).value();
      out.bytes += value.size();
    }
    if (op.kind == CommitBatch::RecordOp::Kind::kCheck && !op.expected_version.has_value()) {
      return Status::InvalidArgument("a check of " + what + " needs an expected version");
    }
    out.values.push_back(std::move(value));
  }
  std::set<std::string_view> appended;
  for (const CommitBatch::AppendOp& op : batch.appends()) {
    if (Status s = CheckWritableTopic(op.topic, batch.allows_system_topics()); !s.ok()) return s;
    if (!appended.insert(op.topic).second) {
      return Status::InvalidArgument("topic \"" + op.topic +
                                     "\" is appended to twice in one commit; put its items in "
                                     "one batch");
    }
    if (Status s = CheckItems(ItemSource(op.items), options); !s.ok()) return s;
    out.bytes += op.items.bytes();
  }
  std::set<std::string_view> configured;
  for (const CommitBatch::ConfigOp& op : batch.configs()) {
    if (Status s = CheckWritableTopic(op.topic, batch.allows_system_topics()); !s.ok()) return s;
    if (!configured.insert(op.topic).second) {
      return Status::InvalidArgument("topic \"" + op.topic +
                                     "\" is configured twice in one commit");
    }
    Result<std::string> config = PrepareConfig(op.config, options);
    if (!config.ok()) return config.status();
    out.bytes += config->size();
    out.configs.push_back(std::move(config).value());
  }
  return out;
}

}  // namespace pdfs::engine
