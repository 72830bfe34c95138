// Hub channel administration and single inserts.
#include "pdfs/hub/channels.h"

#include "pdfs/hub/queries.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "json_text.h"  // engine/topics/
#include "pdfs/item.h"
#include "pdfs/topic_name.h"
#include "pdfs/topics/settings.h"

namespace pdfs::hub {

namespace {

constexpr std::string_view kDefaultContentType = "application/octet-stream";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool EqualIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool IsChannelName(std::string_view name) {
  Result<std::string> normal = NormalizeChannelName(name);
  return normal.ok() && *normal == name;
}

// A topic made by another face has no creation time of its own: the append
// time of its first stored item is the best the store knows, else the time
// its metadata carries (its creation, while it is empty).
int64_t CreationOf(Store& store, const TopicMeta& meta) {
  if (meta.documents() > 0) {
    Result<Record> first = store.Get(meta.topic, meta.first);
    if (first.ok()) return first->append_time_ms;
  }
  return meta.last_append_ms;
}

Result<ChannelView> ViewOfTopic(Store& store, const std::string& topic,
                                const topics::TopicSettings& settings) {
  Result<ChannelConfig> config = ViewOf(settings);
  if (!config.ok()) return config.status();
  Result<TopicMeta> meta = store.Stat(topic);
  if (!meta.ok()) return meta.status();
  if (config->creation_ms == 0) config->creation_ms = CreationOf(store, *meta);
  return ChannelView{topic, *config, *meta};
}

// The existing topic whose name equals `name` ignoring case, if any.
// Every user topic whose name equals `name` ignoring case, sorted. A
// listing: a case-insensitive search has no index.
std::vector<std::string> TopicsIgnoringCase(Store& store, std::string_view name) {
  std::vector<std::string> matches;
  for (const TopicMeta& meta : store.ListTopics()) {
    if (!meta.system() && EqualIgnoringCase(meta.topic, name)) matches.push_back(meta.topic);
  }
  return matches;
}

Result<ChannelView> ChangeChannel(Store& store, const std::string& topic, std::string_view body,
                                  const Requester& who) {
  Result<topics::LoadedSettings> updated =
      topics::UpdateTopicSettings(store, topic, [&](topics::TopicSettings* settings) {
        return ApplyChannelBody(body, ChannelChange::kUpdate, who, NowMs(), settings);
      });
  if (!updated.ok()) return updated.status();
  return ViewOfTopic(store, topic, updated->settings);
}

Result<ChannelView> Create(Store& store, const std::string& name, std::string_view body,
                           const Requester& who) {
  const std::vector<std::string> taken = TopicsIgnoringCase(store, name);
  if (std::find(taken.begin(), taken.end(), name) != taken.end()) {
    return Status::AlreadyExists("channel " + name + " already exists");
  }
  if (!taken.empty()) {
    return Status::AlreadyExists("channel " + name + " differs only in case from topic " +
                                 taken.front() + "; pdfs topic names are case-sensitive, so use " +
                                 taken.front() + " or another name");
  }
  topics::TopicSettings settings;
  Status s = ApplyChannelBody(body, ChannelChange::kCreate, who, NowMs(), &settings);
  if (!s.ok()) return s;
  Result<TopicMeta> created = store.CreateTopic(name, topics::SerializeTopicSettings(settings));
  if (!created.ok()) {
    if (created.status().IsAlreadyExists()) {
      return Status::AlreadyExists("channel " + name + " already exists");
    }
    return created.status();
  }
  return ViewOfTopic(store, name, settings);
}

}  // namespace

Result<std::string> ResolveChannel(Store& store, std::string_view name) {
  if (!IsChannelName(name)) {
    Result<std::string> normal = NormalizeChannelName(name);
    if (!normal.ok()) return normal.status();
    return Status::InvalidArgument("channel name must not begin or end with white space");
  }
  // The exact name is the common case and one point lookup; only a name in
  // another case lists the topics.
  Result<TopicMeta> exact = store.Stat(name);
  if (exact.ok()) return exact->topic;
  if (!exact.status().IsNotFound()) return exact.status();
  const std::vector<std::string> matches = TopicsIgnoringCase(store, name);
  // (Created under the exact name since the Stat: that one is named.)
  if (std::find(matches.begin(), matches.end(), name) != matches.end()) return std::string(name);
  if (matches.empty()) return Status::NotFound("channel " + std::string(name) + " does not exist");
  if (matches.size() > 1) {
    std::string list;
    for (const std::string& m : matches) list += (list.empty() ? "" : ", ") + m;
    return Status::Conflict("channel " + std::string(name) +
                            " matches several topics that differ only in case (" + list +
                            "); name one of them exactly");
  }
  return matches.front();
}

std::vector<std::string> ListChannels(Store& store) {
  std::vector<std::string> names;
  for (const TopicMeta& meta : store.ListTopics()) {
    if (!meta.system() && IsChannelName(meta.topic)) names.push_back(meta.topic);
  }
  return names;
}

Result<ChannelView> GetChannel(Store& store, std::string_view name) {
  Result<std::string> topic = ResolveChannel(store, name);
  if (!topic.ok()) return topic.status();
  Result<topics::LoadedSettings> loaded = topics::LoadTopicSettings(store, *topic);
  if (!loaded.ok()) return loaded.status();
  return ViewOfTopic(store, *topic, loaded->settings);
}

Result<ChannelView> CreateChannel(Store& store, std::string_view body, const Requester& who) {
  nlohmann::json doc;
  Status s = topics::ParseJsonText(body, "the channel config", 64, &doc);
  if (!s.ok()) return s;
  if (!doc.is_object()) {
    return Status::InvalidArgument("the channel config must be a JSON object, not " +
                                   topics::JsonTypeName(doc));
  }
  auto it = doc.find("name");
  if (it == doc.end() || it->is_null()) {
    return Status::InvalidArgument("the channel config must have a name");
  }
  if (!it->is_string()) {
    return Status::InvalidArgument("name must be a string, not " + topics::JsonTypeName(*it));
  }
  Result<std::string> name = NormalizeChannelName(it->get<std::string>());
  if (!name.ok()) return name.status();
  return Create(store, *name, body, who);
}

Result<UpsertedChannel> PutChannel(Store& store, std::string_view name, std::string_view body,
                                   const Requester& who) {
  Result<std::string> topic = ResolveChannel(store, name);
  if (topic.ok()) {
    Result<ChannelView> changed = ChangeChannel(store, *topic, body, who);
    if (!changed.ok()) return changed.status();
    return UpsertedChannel{std::move(changed).value(), false};
  }
  if (!topic.status().IsNotFound()) return topic.status();
  Result<ChannelView> created = Create(store, std::string(name), body, who);
  if (created.status().IsAlreadyExists()) {
    // Created by someone else in between: this PUT becomes the update.
    Result<ChannelView> changed = ChangeChannel(store, std::string(name), body, who);
    if (!changed.ok()) return changed.status();
    return UpsertedChannel{std::move(changed).value(), false};
  }
  if (!created.ok()) return created.status();
  return UpsertedChannel{std::move(created).value(), true};
}

Result<ChannelView> PatchChannel(Store& store, std::string_view name, std::string_view body,
                                 const Requester& who) {
  Result<std::string> topic = ResolveChannel(store, name);
  if (!topic.ok()) return topic.status();
  return ChangeChannel(store, *topic, body, who);
}

Status DeleteChannel(Store& store, std::string_view name, const Requester& who) {
  Result<ChannelView> channel = GetChannel(store, name);
  if (!channel.ok()) return channel.status();
  if (channel->config.protect && !who.local) {
    return Status::PermissionDenied("channel " + channel->name +
                                    " is protected: it may be deleted only from the server's "
                                    "own host");
  }
  return store.DeleteTopic(channel->name);
}

namespace {

// What the channel admits: resolved once per insert, checked per item.
struct Admission {
  std::string topic;
  bool allow_zero_bytes = true;
  uint64_t max_item_bytes = 0;
  std::optional<int64_t> mutable_time_ms;
};

Result<Admission> AdmissionOf(Store& store, std::string_view name) {
  Result<std::string> topic = ResolveChannel(store, name);
  if (!topic.ok()) return topic.status();
  Result<topics::LoadedSettings> loaded = topics::LoadTopicSettings(store, *topic);
  if (!loaded.ok()) return loaded.status();
  Result<ChannelConfig> config = ViewOf(loaded->settings);
  if (!config.ok()) return config.status();
  if (!config->replication_source.empty()) {
    return Status::PermissionDenied("channel " + *topic +
                                    " cannot be modified while it replicates from " +
                                    config->replication_source);
  }
  return Admission{*topic, config->allow_zero_bytes,
                   loaded->settings.max_item_bytes.value_or(store.options().max_document_bytes),
                   config->mutable_time_ms};
}

// Adds one item to `batch` if the channel admits it; `what` names it in
// a sentence ("the item", "part 3").
Status AddItem(const Admission& admission, const std::string& what, std::string_view content_type,
               std::string_view data, ItemBatch* batch) {
  if (data.empty() && !admission.allow_zero_bytes) {
    return Status::InvalidArgument(what + " has zero bytes, and channel " + admission.topic +
                                   " does not allow them (allowZeroBytes is false)");
  }
  if (data.size() > admission.max_item_bytes) {
    return Status::TooLarge(what + " is " + std::to_string(data.size()) + " bytes; channel " +
                            admission.topic + " takes items up to " +
                            std::to_string(admission.max_item_bytes) + " bytes");
  }
  Status s = batch->Add(content_type.empty() ? kDefaultContentType : content_type, data);
  if (!s.ok()) return Status::InvalidArgument(what + ": " + s.message());
  return Status::Ok();
}

}  // namespace

Result<InsertedItem> InsertItem(Store& store, std::string_view name, std::string_view content_type,
                                std::string_view data) {
  Result<Admission> admission = AdmissionOf(store, name);
  if (!admission.ok()) return admission.status();
  ItemBatch batch;
  Status s = AddItem(*admission, "the item", content_type, data, &batch);
  if (!s.ok()) return s;
  Result<AppendResult> appended = store.Append(admission->topic, batch);
  if (!appended.ok()) return appended.status();
  return InsertedItem{
      admission->topic, appended->first_location, appended->meta.last_append_ms, {}};
}

Result<InsertedItem> InsertHistorical(Store& store, std::string_view name, int64_t time_ms,
                                      std::string_view hash, std::string_view content_type,
                                      std::string_view data) {
  Result<Admission> admission = AdmissionOf(store, name);
  if (!admission.ok()) return admission.status();
  if (!admission->mutable_time_ms) {
    return Status::PermissionDenied("channel " + admission->topic +
                                    " is not historical: give it a mutableTime to insert items "
                                    "with keys of your own");
  }
  if (time_ms > *admission->mutable_time_ms) {
    return Status::InvalidArgument("the key's time " + FormatIso8601Millis(time_ms) +
                                   " is after channel " + admission->topic + "'s mutableTime " +
                                   FormatIso8601Millis(*admission->mutable_time_ms) +
                                   ": only earlier items can be inserted historically");
  }
  const ContentKey key{time_ms, hash.empty() ? RandomHash() : std::string(hash)};
  ItemBatch batch;
  Status s = AddItem(*admission, "the item", content_type, data, &batch);
  if (!s.ok()) return s;
  s = batch.SetIndexKey(0, IndexKeyOf(key));
  if (!s.ok()) return s;
  // Unique keys without a lock: the key is checked absent in the state
  // whose next location is `next`, and the append commits only at `next`,
  // so no item with the key can have come in between. Any other append
  // moves `next` and costs a retry.
  constexpr int kAttempts = 100;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    Result<TopicMeta> meta = store.Stat(admission->topic);
    if (!meta.ok()) return meta.status();
    Result<Record> existing = GetItem(store, admission->topic, key);
    if (existing.ok()) {
      return Status::AlreadyExists("channel " + admission->topic + " already has an item " +
                                   key.ToPath());
    }
    if (!existing.status().IsNotFound()) return existing.status();
    Result<AppendResult> appended = store.AppendIfNext(admission->topic, batch, meta->count);
    if (appended.ok()) {
      return InsertedItem{admission->topic, appended->first_location, key.time_ms, key.hash};
    }
    if (appended.status().code() != Status::Code::kConflict) return appended.status();
  }
  return Status::Conflict("channel " + admission->topic + " took " + std::to_string(kAttempts) +
                          " other appends while this item waited; try again");
}

Result<InsertedBulk> InsertBulk(Store& store, std::string_view name,
                                const std::vector<BulkPart>& parts) {
  Result<Admission> admission = AdmissionOf(store, name);
  if (!admission.ok()) return admission.status();
  if (parts.empty()) return Status::InvalidArgument("multipart has no items");
  ItemBatch batch;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string what = "part " + std::to_string(i + 1);
    if (!parts[i].content_key.empty()) {
      return Status::InvalidArgument(what +
                                     " has a Content-Key: pdfs computes every item's key from "
                                     "its location, so leave the header out");
    }
    Status s = AddItem(*admission, what, parts[i].content_type, parts[i].data, &batch);
    if (!s.ok()) return s;
  }
  Result<AppendResult> appended = store.Append(admission->topic, batch);
  if (!appended.ok()) return appended.status();
  return InsertedBulk{admission->topic, appended->first_location, parts.size(),
                      appended->meta.last_append_ms};
}

Result<InsertedItem> ProvideItem(Store& store, std::string_view name, std::string_view content_type,
                                 std::string_view data) {
  Result<std::string> topic = ResolveChannel(store, name);
  if (topic.status().IsNotFound()) {
    Result<ChannelView> created = Create(store, std::string(name), "", Requester{});
    if (!created.ok() && !created.status().IsAlreadyExists()) return created.status();
  } else if (!topic.ok()) {
    return topic.status();
  }
  return InsertItem(store, name, content_type, data);
}

}  // namespace pdfs::hub
