// Katar's config object <-> the shared topic settings.
#include "pdfs/katar/topic_config.h"

#include <nlohmann/json.hpp>
#include <string>

#include "json_text.h"  // engine/topics/: the shared rules for JSON from outside

namespace pdfs::katar {

namespace {

using nlohmann::json;
using topics::kMaxJsonInteger;
using topics::ReadBoundedInteger;

constexpr size_t kMaxBodyDepth = 64;

// Sets one field of `*config` from the body; null is the default.
Status ApplyField(const std::string& key, const json& value, const Options& limits,
                  KatarConfig* config) {
  const KatarConfig defaults;
  if (key == "description") {
    if (value.is_null()) {
      config->description.clear();
      return Status::Ok();
    }
    if (!value.is_string()) {
      return Status::InvalidArgument("description must be a string, not " +
                                     topics::JsonTypeName(value));
    }
    config->description = value.get<std::string>();
    return Status::Ok();
  }
  if (key == "retention_ms") {
    return topics::ReadOptionalPositive(value, key, topics::kMaxRetentionAgeMs,
                                        &config->retention_ms);
  }
  if (key == "retention_messages") {
    return topics::ReadOptionalPositive(value, key, kMaxJsonInteger, &config->retention_messages);
  }
  if (key == "retention_bytes") {
    return topics::ReadOptionalPositive(value, key, kMaxJsonInteger, &config->retention_bytes);
  }
  if (key == "max_message_bytes") {
    return topics::ReadOptionalPositive(value, key, limits.max_document_bytes,
                                        &config->max_message_bytes);
  }
  if (key == "max_segment_size" || key == "index_byte_gap") {
    uint64_t* field =
        key == "max_segment_size" ? &config->max_segment_size : &config->index_byte_gap;
    if (value.is_null()) {
      *field = key == "max_segment_size" ? defaults.max_segment_size : defaults.index_byte_gap;
      return Status::Ok();
    }
    return ReadBoundedInteger(value, key, 1, kMaxJsonInteger, field);
  }
  if (key == "serializer") {
    if (value.is_null()) {
      config->serializer = defaults.serializer;
      return Status::Ok();
    }
    // The seed's registry has this one serializer; messages are JSON.
    if (!value.is_string() || value.get<std::string>() != kDefaultSerializer) {
      return Status::InvalidArgument("serializer must be \"JSONSerializer\" (the only one)");
    }
    config->serializer = value.get<std::string>();
    return Status::Ok();
  }
  return Status::InvalidArgument(
      "unknown setting \"" + key +
      "\" (known: description, retention_ms, retention_messages, retention_bytes, "
      "max_message_bytes, max_segment_size, index_byte_gap, serializer)");
}

// Writes `config` into the settings: shared fields, and the "katar" section
// holding the seed's fields that differ from their defaults (none: no
// section).
void StoreInto(const KatarConfig& config, topics::TopicSettings* settings) {
  settings->description = config.description;
  settings->retention.max_age_ms = config.retention_ms;
  settings->retention.max_items = config.retention_messages;
  settings->retention.max_bytes = config.retention_bytes;
  settings->max_item_bytes = config.max_message_bytes;
  const KatarConfig defaults;
  json section = json::object();
  if (config.max_segment_size != defaults.max_segment_size) {
    section["max_segment_size"] = config.max_segment_size;
  }
  if (config.index_byte_gap != defaults.index_byte_gap) {
    section["index_byte_gap"] = config.index_byte_gap;
  }
  if (config.serializer != defaults.serializer) section["serializer"] = config.serializer;
  if (section.empty()) {
    settings->faces.erase("katar");
  } else {
    settings->faces["katar"] = section.dump();
  }
}

}  // namespace

Result<KatarConfig> ViewOf(const topics::TopicSettings& settings) {
  KatarConfig config;
  config.description = settings.description;
  config.retention_ms = settings.retention.max_age_ms;
  config.retention_messages = settings.retention.max_items;
  config.retention_bytes = settings.retention.max_bytes;
  config.max_message_bytes = settings.max_item_bytes;
  auto it = settings.faces.find("katar");
  if (it == settings.faces.end()) return config;
  json section;
  Status s = topics::ParseJsonText(it->second, "the katar section", kMaxBodyDepth, &section);
  if (!s.ok()) return s;
  if (!section.is_object()) return Status::InvalidArgument("the katar section is not an object");
  Options unlimited;
  unlimited.max_document_bytes = kMaxJsonInteger;
  for (const auto& [key, value] : section.items()) {
    if (key != "max_segment_size" && key != "index_byte_gap" && key != "serializer") {
      return Status::InvalidArgument("the katar section has an unknown field \"" + key + "\"");
    }
    s = ApplyField(key, value, unlimited, &config);
    if (!s.ok()) return Status::InvalidArgument("the katar section: " + s.message());
  }
  return config;
}

Status ApplyConfigBody(std::string_view body, ConfigMode mode, const Options& limits,
                       topics::TopicSettings* settings) {
  json doc = json::object();
  if (!body.empty()) {
    Status s = topics::ParseJsonText(body, "the topic config", kMaxBodyDepth, &doc);
    if (!s.ok()) return s;
  }
  if (!doc.is_object()) {
    return Status::InvalidArgument("the topic config must be a JSON object, not " +
                                   topics::JsonTypeName(doc));
  }
  KatarConfig config;
  if (mode == ConfigMode::kPatch) {
    Result<KatarConfig> current = ViewOf(*settings);
    if (!current.ok()) return current.status();
    config = *current;
  }
  for (const auto& [key, value] : doc.items()) {
    Status s = ApplyField(key, value, limits, &config);
    if (!s.ok()) return s;
  }
  topics::TopicSettings next = *settings;
  StoreInto(config, &next);
  Status s = topics::ValidateTopicSettings(next, &limits);
  if (!s.ok()) return s;
  *settings = std::move(next);
  return Status::Ok();
}

std::string SerializeKatarConfig(const KatarConfig& config, const Options& limits) {
  auto optional = [](const std::optional<uint64_t>& v) { return v ? json(*v) : json(nullptr); };
  json doc = {
      {"description", config.description},
      {"retention_ms", optional(config.retention_ms)},
      {"retention_messages", optional(config.retention_messages)},
      {"retention_bytes", optional(config.retention_bytes)},
      {"max_message_bytes", config.max_message_bytes.value_or(limits.max_document_bytes)},
      {"max_segment_size", config.max_segment_size},
      {"index_byte_gap", config.index_byte_gap},
      {"serializer", config.serializer},
  };
  return doc.dump();
}

}  // namespace pdfs::katar
