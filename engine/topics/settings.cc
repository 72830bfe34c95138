// TopicSettings <-> the configuration document, and its checks.
#include "pdfs/topics/settings.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "json_text.h"

namespace pdfs::topics {

namespace {

using nlohmann::json;

// Configuration documents are small; nesting beyond this is hostile.
constexpr size_t kMaxSettingsDepth = 64;

bool IsFaceSection(std::string_view key) {
  return std::find(kFaceSections.begin(), kFaceSections.end(), key) != kFaceSections.end();
}

Status ParseRetention(const json& value, Retention* out) {
  *out = Retention();
  if (value.is_null()) return Status::Ok();
  if (!value.is_object()) {
    return Status::InvalidArgument("retention must be an object, not " + JsonTypeName(value));
  }
  for (const auto& [key, field] : value.items()) {
    Status s;
    if (key == "max_age_ms") {
      s = ReadOptionalPositive(field, "retention.max_age_ms", kMaxRetentionAgeMs, &out->max_age_ms);
    } else if (key == "max_items") {
      s = ReadOptionalPositive(field, "retention.max_items", kMaxJsonInteger, &out->max_items);
    } else if (key == "max_bytes") {
      s = ReadOptionalPositive(field, "retention.max_bytes", kMaxJsonInteger, &out->max_bytes);
    } else {
      s = Status::InvalidArgument("retention has no field \"" + key +
                                  "\" (known: max_age_ms, max_items, max_bytes)");
    }
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Result<TopicSettings> ParseTopicSettings(std::string_view text) {
  json doc;
  Status s = ParseJsonText(text, "the topic configuration", kMaxSettingsDepth, &doc);
  if (!s.ok()) return s;
  if (!doc.is_object()) {
    return Status::InvalidArgument("the topic configuration must be a JSON object, not " +
                                   JsonTypeName(doc));
  }
  TopicSettings settings;
  for (const auto& [key, value] : doc.items()) {
    if (key == "description") {
      if (value.is_null()) continue;
      if (!value.is_string()) {
        return Status::InvalidArgument("description must be a string, not " + JsonTypeName(value));
      }
      settings.description = value.get<std::string>();
    } else if (key == "retention") {
      s = ParseRetention(value, &settings.retention);
    } else if (key == "max_item_bytes") {
      s = ReadOptionalPositive(value, "max_item_bytes", kMaxJsonInteger, &settings.max_item_bytes);
    } else if (IsFaceSection(key)) {
      if (value.is_null()) continue;
      if (!value.is_object()) {
        return Status::InvalidArgument("the \"" + key + "\" section must be an object, not " +
                                       JsonTypeName(value));
      }
      settings.faces[key] = value.dump();
    } else {
      return Status::InvalidArgument(
          "unknown setting \"" + key +
          "\" (known: description, retention, max_item_bytes and the faces' sections)");
    }
    if (!s.ok()) return s;
  }
  s = ValidateTopicSettings(settings);
  if (!s.ok()) return s;
  return settings;
}

std::string SerializeTopicSettings(const TopicSettings& settings) {
  json doc = json::object();
  if (!settings.description.empty()) doc["description"] = settings.description;
  const Retention& r = settings.retention;
  if (r.any()) {
    json retention = json::object();
    if (r.max_age_ms) retention["max_age_ms"] = *r.max_age_ms;
    if (r.max_items) retention["max_items"] = *r.max_items;
    if (r.max_bytes) retention["max_bytes"] = *r.max_bytes;
    doc["retention"] = std::move(retention);
  }
  if (settings.max_item_bytes) doc["max_item_bytes"] = *settings.max_item_bytes;
  for (const auto& [face, section] : settings.faces) {
    // Sections come from ParseTopicSettings or from a face that built them
    // with its own serializer; a malformed one is dropped rather than
    // written, so the document stays parseable.
    json value = json::parse(section, nullptr, false);
    if (!value.is_discarded() && value.is_object()) doc[face] = std::move(value);
  }
  return doc.dump();
}

Status ValidateTopicSettings(const TopicSettings& settings, const Options* limits) {
  if (settings.description.size() > kMaxDescriptionBytes) {
    return Status::InvalidArgument("description is longer than " +
                                   std::to_string(kMaxDescriptionBytes) + " bytes");
  }
  auto in_range = [](const std::optional<uint64_t>& v, uint64_t max) {
    return !v || (*v >= 1 && *v <= max);
  };
  const Retention& r = settings.retention;
  if (!in_range(r.max_age_ms, kMaxRetentionAgeMs)) {
    return Status::InvalidArgument("retention.max_age_ms must be between 1 and " +
                                   std::to_string(kMaxRetentionAgeMs) + " (100 years)");
  }
  if (!in_range(r.max_items, kMaxJsonInteger) || !in_range(r.max_bytes, kMaxJsonInteger)) {
    return Status::InvalidArgument(
        "retention.max_items and retention.max_bytes must be between 1 and " +
        std::to_string(kMaxJsonInteger));
  }
  if (!in_range(settings.max_item_bytes, kMaxJsonInteger)) {
    return Status::InvalidArgument("max_item_bytes must be between 1 and " +
                                   std::to_string(kMaxJsonInteger));
  }
  if (limits && settings.max_item_bytes && *settings.max_item_bytes > limits->max_document_bytes) {
    return Status::InvalidArgument("max_item_bytes " + std::to_string(*settings.max_item_bytes) +
                                   " is above this store's limit of " +
                                   std::to_string(limits->max_document_bytes) + " bytes per item");
  }
  for (const auto& [face, section] : settings.faces) {
    if (!IsFaceSection(face)) return Status::InvalidArgument("unknown section \"" + face + "\"");
  }
  return Status::Ok();
}

}  // namespace pdfs::topics
