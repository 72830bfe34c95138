// The Hub's channel config <-> the shared topic settings.
#include "pdfs/hub/channel_config.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "json_text.h"  // engine/topics/: the shared rules for JSON from outside
#include "pdfs/hub/keys.h"

namespace pdfs::hub {

namespace {

using nlohmann::json;

constexpr size_t kMaxBodyDepth = 64;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool IsTagChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '-';
}

// What a text field may hold, quoted in a sentence only when it is short
// and printable (a hostile value never reaches a response verbatim).
std::string Quoted(std::string_view text) {
  if (text.size() > 64 || std::any_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f;
      })) {
    return "the value";
  }
  return "\"" + std::string(text) + "\"";
}

Status ReadString(const json& value, std::string_view field, size_t max_bytes, std::string* out) {
  if (value.is_null()) {  // the Hub: null for a string field is ""
    out->clear();
    return Status::Ok();
  }
  if (!value.is_string()) {
    return Status::InvalidArgument(std::string(field) + " must be a string, not " +
                                   topics::JsonTypeName(value));
  }
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() > max_bytes) {
    return Status::InvalidArgument(std::string(field) + " must be at most " +
                                   std::to_string(max_bytes) + " characters");
  }
  *out = text;
  return Status::Ok();
}

Status ReadBool(const json& value, std::string_view field, bool* out) {
  if (!value.is_boolean()) {
    return Status::InvalidArgument(std::string(field) + " must be true or false, not " +
                                   topics::JsonTypeName(value));
  }
  *out = value.get<bool>();
  return Status::Ok();
}

Status ReadTags(const json& value, std::set<std::string>* out) {
  if (value.is_null()) {
    out->clear();
    return Status::Ok();
  }
  if (!value.is_array()) {
    return Status::InvalidArgument("tags must be an array of strings, not " +
                                   topics::JsonTypeName(value));
  }
  std::set<std::string> tags;
  for (const json& tag : value) {
    if (!tag.is_string()) {
      return Status::InvalidArgument("each tag must be a string, not " + topics::JsonTypeName(tag));
    }
    const auto& text = tag.get_ref<const std::string&>();
    if (!IsValidTag(text)) {
      return Status::InvalidArgument("tag " + Quoted(text) + " must be 1-" +
                                     std::to_string(kMaxTagBytes) +
                                     " characters of a-z, A-Z, 0-9, ':' and '-'");
    }
    tags.insert(text);
  }
  if (tags.size() > kMaxTags) {
    return Status::InvalidArgument("a channel may have at most " + std::to_string(kMaxTags) +
                                   " tags");
  }
  *out = std::move(tags);
  return Status::Ok();
}

Status ReadStorage(const json& value, std::string* out) {
  if (!value.is_string()) {
    return Status::InvalidArgument("storage must be a string (SINGLE, BATCH or BOTH), not " +
                                   topics::JsonTypeName(value));
  }
  std::string upper = value.get<std::string>();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != "SINGLE" && upper != "BATCH" && upper != "BOTH") {
    return Status::InvalidArgument("storage " + Quoted(value.get<std::string>()) +
                                   " is not SINGLE, BATCH or BOTH");
  }
  *out = upper;
  return Status::Ok();
}

// Which of the retention fields (and of those that interact with them) a
// body names.
struct RetentionNamed {
  bool ttl = false;
  bool max_items = false;
  bool keep_forever = false;
  bool mutable_time = false;
  bool storage = false;
  bool any() const { return ttl || max_items || keep_forever; }
};

Status ReadMutableTime(const json& value, std::optional<int64_t>* out) {
  if (value.is_null() || (value.is_string() && value.get<std::string>().empty())) {
    out->reset();
    return Status::Ok();
  }
  if (!value.is_string()) {
    return Status::InvalidArgument(
        "mutableTime must be a string like \"2019-02-22T17:59:51.793Z\", not " +
        topics::JsonTypeName(value));
  }
  Result<int64_t> ms = ParseIso8601Millis(value.get<std::string>());
  if (!ms.ok()) return Status::InvalidArgument("mutableTime " + ms.status().message());
  *out = *ms;
  return Status::Ok();
}

Status ApplyField(const std::string& key, const json& value, ChannelConfig* config,
                  RetentionNamed* named) {
  if (key == "owner") return ReadString(value, key, kMaxOwnerBytes, &config->owner);
  if (key == "description") {
    return ReadString(value, key, kMaxDescriptionBytes, &config->description);
  }
  if (key == "replicationSource") {
    return ReadString(value, key, 2048, &config->replication_source);
  }
  if (key == "ttlDays") {
    named->ttl = true;
    return topics::ReadBoundedInteger(value, key, 0, kMaxTtlDays, &config->ttl_days);
  }
  if (key == "maxItems") {
    named->max_items = true;
    Status s =
        topics::ReadBoundedInteger(value, key, 0, topics::kMaxJsonInteger, &config->max_items);
    if (s.ok() && config->max_items > kMaxItemsLimit) {
      return Status::InvalidArgument("maxItems must be at most " + std::to_string(kMaxItemsLimit));
    }
    return s;
  }
  if (key == "keepForever") {
    named->keep_forever = true;
    return ReadBool(value, key, &config->keep_forever);
  }
  if (key == "tags") return ReadTags(value, &config->tags);
  if (key == "storage") {
    named->storage = true;
    return ReadStorage(value, &config->storage);
  }
  if (key == "protect") return ReadBool(value, key, &config->protect);
  if (key == "allowZeroBytes") return ReadBool(value, key, &config->allow_zero_bytes);
  if (key == "secondaryMetricsReporting") {
    return ReadBool(value, key, &config->secondary_metrics_reporting);
  }
  if (key == "mutableTime") {
    named->mutable_time = true;
    return ReadMutableTime(value, &config->mutable_time_ms);
  }
  if (key == "name" || key == "creationDate" || key == "_links") return Status::Ok();
  return Status::InvalidArgument(
      "unknown channel setting " + Quoted(key) +
      " (known: owner, description, ttlDays, maxItems, keepForever, tags, storage, protect, "
      "allowZeroBytes, secondaryMetricsReporting, replicationSource, mutableTime)");
}

// The Hub's rule that only one retention bound holds at a time: a body that
// names one bound means that one.
Status SettleRetention(const RetentionNamed& named, ChannelConfig* config) {
  const bool ttl = named.ttl && config->ttl_days > 0;
  const bool max_items = named.max_items && config->max_items > 0;
  const bool forever = named.keep_forever && config->keep_forever;
  if (ttl && max_items) {
    return Status::InvalidArgument("only one of ttlDays and maxItems may be set");
  }
  if (forever && (ttl || max_items)) {
    return Status::InvalidArgument("keepForever must not be combined with ttlDays or maxItems");
  }
  if (ttl || max_items || forever) {
    if (!ttl) config->ttl_days = 0;
    if (!max_items) config->max_items = 0;
    config->keep_forever = forever;
  } else if (named.any() && config->ttl_days == 0 && config->max_items == 0) {
    config->keep_forever = true;  // every bound named and zero: nothing bounds the channel
  }
  return Status::Ok();
}

// The Hub's rules for a historical channel (ChannelValidator): mutableTime
// in the past, moving only back, alone among the retention bounds, with
// SINGLE storage. A body that sets it clears ttlDays and maxItems (as
// naming one retention bound clears the others) and picks SINGLE storage,
// unless it names those fields itself.
Status SettleMutableTime(const RetentionNamed& named, const ChannelConfig& before, int64_t now_ms,
                         ChannelConfig* config) {
  if (named.mutable_time) {
    if (!config->mutable_time_ms) {
      if (!before.mutable_time_ms) return Status::Ok();
      return Status::InvalidArgument(
          "a historical channel stays historical: mutableTime can be moved back, not removed");
    }
    const int64_t t = *config->mutable_time_ms;
    if (t >= now_ms) {
      return Status::InvalidArgument("mutableTime " + FormatIso8601Millis(t) +
                                     " must be in the past");
    }
    if (before.mutable_time_ms && t > *before.mutable_time_ms) {
      return Status::InvalidArgument("mutableTime can only move back, not forward from " +
                                     FormatIso8601Millis(*before.mutable_time_ms));
    }
  }
  if (!config->mutable_time_ms) return Status::Ok();
  // Fields the body names must agree; the rest follow mutableTime.
  const bool bounded = config->ttl_days > 0 || config->max_items > 0;
  if (bounded && (named.ttl || named.max_items || !named.mutable_time)) {
    return Status::InvalidArgument(
        "only one of ttlDays, maxItems and mutableTime may be set: a historical channel keeps "
        "its items");
  }
  if (config->storage != "SINGLE" && (named.storage || !named.mutable_time)) {
    return Status::InvalidArgument("mutableTime is not compatible with " + config->storage +
                                   " storage; use SINGLE");
  }
  config->ttl_days = 0;
  config->max_items = 0;
  config->keep_forever = true;
  config->storage = "SINGLE";
  return Status::Ok();
}

// Changes a protected channel allows only from a local client.
Status CheckProtection(const ChannelConfig& before, const ChannelConfig& after,
                       const Requester& who) {
  if (!before.protect || who.local) return Status::Ok();
  auto refuse = [](const std::string& what) {
    return Status::PermissionDenied("the channel is protected: " + what +
                                    " is allowed only from the server's own host");
  };
  if (!after.protect) return refuse("turning protection off");
  auto bound = [](const ChannelConfig& c, uint64_t value) {
    return c.keep_forever ? UINT64_MAX : (value == 0 ? UINT64_MAX : value);
  };
  if (bound(after, after.ttl_days) < bound(before, before.ttl_days)) {
    return refuse("lowering ttlDays");
  }
  if (bound(after, after.max_items) < bound(before, before.max_items)) {
    return refuse("lowering maxItems");
  }
  if (!std::includes(after.tags.begin(), after.tags.end(), before.tags.begin(),
                     before.tags.end())) {
    return refuse("removing a tag");
  }
  if (after.owner != before.owner) return refuse("changing the owner");
  if (after.replication_source != before.replication_source) {
    return refuse("changing the replication source");
  }
  if (after.storage != before.storage && after.storage != "BOTH") {
    return refuse("changing storage to anything but BOTH");
  }
  return Status::Ok();
}

// Writes `config` into the settings: shared fields (retention only when
// `retention_changed`), and the "hub" section with what differs from the
// Hub's defaults.
void StoreInto(const ChannelConfig& config, bool retention_changed,
               topics::TopicSettings* settings) {
  settings->description = config.description;
  if (retention_changed) {
    settings->retention = topics::Retention{};
    if (config.ttl_days > 0) settings->retention.max_age_ms = config.ttl_days * kMsPerDay;
    if (config.max_items > 0) settings->retention.max_items = config.max_items;
  }
  const ChannelConfig defaults;
  json section = json::object();
  if (!config.owner.empty()) section["owner"] = config.owner;
  if (config.protect) section["protect"] = true;
  if (!config.tags.empty()) section["tags"] = config.tags;
  if (config.storage != defaults.storage) section["storage"] = config.storage;
  if (!config.allow_zero_bytes) section["allowZeroBytes"] = false;
  if (config.secondary_metrics_reporting) section["secondaryMetricsReporting"] = true;
  if (!config.replication_source.empty()) section["replicationSource"] = config.replication_source;
  if (config.creation_ms != 0) section["creationMs"] = config.creation_ms;
  if (config.mutable_time_ms) section["mutableMs"] = *config.mutable_time_ms;
  if (section.empty()) {
    settings->faces.erase("hub");
  } else {
    settings->faces["hub"] = section.dump();
  }
}

}  // namespace

bool IsValidTag(std::string_view tag) {
  return !tag.empty() && tag.size() <= kMaxTagBytes &&
         std::all_of(tag.begin(), tag.end(), IsTagChar);
}

Result<std::string> NormalizeChannelName(std::string_view name) {
  const auto not_space = [](char c) { return !std::isspace(static_cast<unsigned char>(c)); };
  auto begin = std::find_if(name.begin(), name.end(), not_space);
  auto end = std::find_if(name.rbegin(), name.rend(), not_space).base();
  if (begin >= end) return Status::InvalidArgument("channel name cannot be blank");
  std::string trimmed(begin, end);
  if (trimmed.size() > kMaxChannelNameBytes) {
    return Status::InvalidArgument("channel name is longer than " +
                                   std::to_string(kMaxChannelNameBytes) + " characters");
  }
  if (!std::all_of(trimmed.begin(), trimmed.end(), IsNameChar)) {
    return Status::InvalidArgument("channel name " + Quoted(trimmed) +
                                   " may contain only a-z, A-Z, 0-9, '_' and '-'");
  }
  return trimmed;
}

Result<ChannelConfig> ViewOf(const topics::TopicSettings& settings) {
  ChannelConfig config;
  config.description = settings.description;
  const topics::Retention& retention = settings.retention;
  config.keep_forever = !retention.any();
  if (retention.max_age_ms) config.ttl_days = (*retention.max_age_ms + kMsPerDay - 1) / kMsPerDay;
  if (retention.max_items) config.max_items = *retention.max_items;
  auto it = settings.faces.find("hub");
  if (it == settings.faces.end()) return config;
  json section;
  Status s = topics::ParseJsonText(it->second, "the hub section", kMaxBodyDepth, &section);
  if (!s.ok()) return s;
  if (!section.is_object()) return Status::InvalidArgument("the hub section is not an object");
  for (const auto& [key, value] : section.items()) {
    if (key == "creationMs" || key == "mutableMs") {
      if (!value.is_number_integer()) {
        return Status::InvalidArgument("the hub section's " + key + " is not a number");
      }
      if (key == "creationMs") {
        config.creation_ms = value.get<int64_t>();
      } else {
        config.mutable_time_ms = value.get<int64_t>();
      }
      continue;
    }
    RetentionNamed ignored;
    if (key == "ttlDays" || key == "maxItems" || key == "keepForever" || key == "description" ||
        key == "mutableTime" || key == "name" || key == "creationDate" || key == "_links") {
      return Status::InvalidArgument("the hub section has an unexpected field \"" + key + "\"");
    }
    s = ApplyField(key, value, &config, &ignored);
    if (!s.ok()) return Status::InvalidArgument("the hub section: " + s.message());
  }
  return config;
}

Status ApplyChannelBody(std::string_view body, ChannelChange change, const Requester& who,
                        int64_t now_ms, topics::TopicSettings* settings) {
  json doc = json::object();
  if (!body.empty()) {
    Status s = topics::ParseJsonText(body, "the channel config", kMaxBodyDepth, &doc);
    if (!s.ok()) return s;
  }
  if (!doc.is_object()) {
    return Status::InvalidArgument("the channel config must be a JSON object, not " +
                                   topics::JsonTypeName(doc));
  }
  ChannelConfig before;
  if (change == ChannelChange::kUpdate) {
    Result<ChannelConfig> current = ViewOf(*settings);
    if (!current.ok()) return current.status();
    before = *current;
  } else {
    before.creation_ms = now_ms;
  }
  ChannelConfig config = before;
  RetentionNamed named;
  for (const auto& [key, value] : doc.items()) {
    Status s = ApplyField(key, value, &config, &named);
    if (!s.ok()) return s;
  }
  Status s = SettleRetention(named, &config);
  if (!s.ok()) return s;
  s = SettleMutableTime(named, before, now_ms, &config);
  if (!s.ok()) return s;
  bool retention_changed = named.any() || (named.mutable_time && config.mutable_time_ms);
  if (change == ChannelChange::kCreate && config.ttl_days == 0 && config.max_items == 0 &&
      !(named.keep_forever && config.keep_forever) && !config.mutable_time_ms) {
    config.ttl_days = kDefaultTtlDays;  // the Hub's default for a new channel
    config.max_items = 0;
    config.keep_forever = false;
    retention_changed = true;
  }
  if (config.protect && config.owner.empty()) {
    return Status::InvalidArgument("a protected channel must have an owner");
  }
  s = CheckProtection(before, config, who);
  if (!s.ok()) return s;
  topics::TopicSettings next = *settings;
  StoreInto(config, retention_changed, &next);
  s = topics::ValidateTopicSettings(next);
  if (!s.ok()) return s;
  *settings = std::move(next);
  return Status::Ok();
}

std::set<std::string> ShownTags(const ChannelConfig& config) {
  std::set<std::string> tags = config.tags;
  if (config.mutable_time_ms) tags.insert("historical");
  if (!config.replication_source.empty()) tags.insert("replicated");
  return tags;
}

std::string SerializeChannelConfig(std::string_view name, const ChannelConfig& config,
                                   std::string_view links_json) {
  json tags = json::array();
  for (const std::string& tag : ShownTags(config)) tags.push_back(tag);
  nlohmann::ordered_json doc;
  if (!links_json.empty()) doc["_links"] = nlohmann::ordered_json::parse(links_json);
  doc["name"] = name;
  doc["allowZeroBytes"] = config.allow_zero_bytes;
  doc["creationDate"] = FormatIso8601Millis(config.creation_ms);
  doc["description"] = config.description;
  doc["keepForever"] = config.keep_forever;
  doc["maxItems"] = config.max_items;
  doc["mutableTime"] = config.mutable_time_ms ? FormatIso8601Millis(*config.mutable_time_ms) : "";
  doc["owner"] = config.owner;
  doc["protect"] = config.protect;
  doc["replicationSource"] = config.replication_source;
  doc["secondaryMetricsReporting"] = config.secondary_metrics_reporting;
  doc["storage"] = config.storage;
  doc["tags"] = tags;
  doc["ttlDays"] = config.ttl_days;
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace pdfs::hub
