// Katar publish: validation, then one commit for every topic.
#include "pdfs/katar/publish.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "json_text.h"  // engine/topics/: the shared rules for JSON from outside
#include "pdfs/topic_name.h"
#include "pdfs/topics/settings.h"

namespace pdfs::katar {

namespace {

// The messages bound for one topic, as they will be appended.
struct TopicBatch {
  ItemBatch items;
  uint64_t max_bytes = 0;
  std::vector<size_t> positions;  // each item's index in the request
};

bool IsObjectText(std::string_view text) {
  size_t i = text.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && text[i] == '{';
}

std::string Which(size_t position, std::string_view topic) {
  return "message " + std::to_string(position) + " (to topic \"" + std::string(topic) + "\")";
}

// Adds one message to `batch`, minified; objects as documents.
Status AddMessage(const Options& options, std::string_view text, size_t position,
                  std::string_view topic, TopicBatch* batch) {
  size_t stored = 0;
  if (IsObjectText(text)) {
    DocumentBatch doc;
    Status s = DocumentParser::ParseAll(text, DocumentParser::Shape::kOneObject,
                                        DocumentLimitsOf(options), &doc);
    if (s.IsTooLarge()) {
      return Status::TooLarge(Which(position, topic) + " is over the store's limit of " +
                              std::to_string(options.max_document_bytes) + " bytes");
    }
    if (!s.ok()) return Status::InvalidArgument(Which(position, topic) + ": " + s.message());
    stored = doc.bytes();
    if (stored <= batch->max_bytes) batch->items.AddDocuments(doc);
  } else {
    nlohmann::json value;
    Status s = topics::ParseJsonText(text, Which(position, topic), options.max_json_depth, &value);
    if (!s.ok()) return s;
    std::string minified = value.dump();
    stored = minified.size();
    if (stored <= batch->max_bytes) {
      s = batch->items.Add(kDocumentContentType, minified);
      if (!s.ok()) return s;
    }
  }
  if (stored > batch->max_bytes) {
    return Status::TooLarge(Which(position, topic) + " is " + std::to_string(stored) +
                            " bytes, over the topic's max_message_bytes of " +
                            std::to_string(batch->max_bytes));
  }
  batch->positions.push_back(position);
  return Status::Ok();
}

}  // namespace

Result<std::vector<PublishedMessage>> Publish(Store& store,
                                              const std::vector<OutgoingMessage>& messages) {
  if (messages.empty()) return Status::InvalidArgument("nothing to publish: no messages");
  // Every name first: one bad name anywhere stores nothing anywhere.
  std::map<std::string, TopicBatch, std::less<>> batches;
  for (const OutgoingMessage& m : messages) {
    if (batches.contains(m.topic)) continue;
    Status s = ValidateTopicName(m.topic);
    if (!s.ok()) return s;
    TopicBatch batch;
    batch.max_bytes = store.options().max_document_bytes;
    Result<topics::LoadedSettings> loaded = topics::LoadTopicSettings(store, m.topic);
    if (loaded.ok()) {
      if (loaded->settings.max_item_bytes) {
        batch.max_bytes = std::min<uint64_t>(batch.max_bytes, *loaded->settings.max_item_bytes);
      }
    } else if (!loaded.status().IsNotFound()) {  // missing: created with the defaults
      return loaded.status();
    }
    batches.emplace(m.topic, std::move(batch));
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    Status s = AddMessage(store.options(), messages[i].value_json, i, messages[i].topic,
                          &batches.find(messages[i].topic)->second);
    if (!s.ok()) return s;
  }

  // One commit, so that the publish is atomic across topics too.
  CommitBatch commit;
  for (auto& [topic, batch] : batches) commit.Append(topic, std::move(batch.items));
  Result<CommitResult> committed = store.Commit(commit);
  if (!committed.ok()) return committed.status();

  std::vector<PublishedMessage> out(messages.size());
  size_t append = 0;
  for (const auto& [topic, batch] : batches) {
    uint64_t first = committed->appends[append++].first_location;
    for (size_t j = 0; j < batch.positions.size(); ++j) {
      out[batch.positions[j]] = PublishedMessage{topic, first + j};
    }
  }
  return out;
}

}  // namespace pdfs::katar
