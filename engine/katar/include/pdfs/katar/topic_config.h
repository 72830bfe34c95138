// Katar's view of a topic's settings (topics/settings.h): the seed's fields
// plus the shared ones, as one flat JSON object:
//
//   {"description": "",              shared: TopicSettings::description
//    "retention_ms": null,           shared: retention.max_age_ms (null: forever)
//    "retention_messages": null,     shared: retention.max_items
//    "retention_bytes": null,        shared: retention.max_bytes
//    "max_message_bytes": N,         shared: max_item_bytes (default: the store's limit)
//    "max_segment_size": 1073741824, the seed's storage settings, kept in the
//    "index_byte_gap": 1024,         "katar" section: accepted and reported,
//    "serializer": "JSONSerializer"} not used by pdfs's storage
//
// Thread safety: value types and pure functions.
#ifndef PDFS_ENGINE_KATAR_TOPIC_CONFIG_H_
#define PDFS_ENGINE_KATAR_TOPIC_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pdfs/options.h"
#include "pdfs/status.h"
#include "pdfs/topics/settings.h"

namespace pdfs::katar {

// The seed's defaults (katar/engine/metadata.py).
inline constexpr uint64_t kDefaultMaxSegmentSize = uint64_t{1} << 30;
inline constexpr uint64_t kDefaultIndexByteGap = 1024;
inline constexpr std::string_view kDefaultSerializer = "JSONSerializer";

// A topic's settings as Katar shows them. A value type.
struct KatarConfig {
  std::string description;
  std::optional<uint64_t> retention_ms;
  std::optional<uint64_t> retention_messages;
  std::optional<uint64_t> retention_bytes;
  std::optional<uint64_t> max_message_bytes;  // absent: the store's limit
  uint64_t max_segment_size = kDefaultMaxSegmentSize;
  uint64_t index_byte_gap = kDefaultIndexByteGap;
  std::string serializer = std::string(kDefaultSerializer);

  bool operator==(const KatarConfig&) const = default;
};

// How a request body changes the settings.
enum class ConfigMode {
  kReplace,  // POST /topic, PUT: every omitted field goes back to its default
  kPatch,    // PATCH: only the named fields change; null resets one to its default
};

// Katar's view of `settings` (its "katar" section and the shared fields).
// InvalidArgument if the "katar" section holds what Katar never writes.
Result<KatarConfig> ViewOf(const topics::TopicSettings& settings);

// Applies the Katar config object `body` (empty: {}) to `*settings` in
// `mode`; other faces' sections are never touched. InvalidArgument with a
// sentence for text that is not a JSON object, an unknown field, a wrong
// type, a negative, zero or absurd number, a serializer other than
// JSONSerializer, or max_message_bytes over the store's limit (`limits`).
// On failure `*settings` is unchanged.
Status ApplyConfigBody(std::string_view body, ConfigMode mode, const Options& limits,
                       topics::TopicSettings* settings);

// The JSON object above, every field present (max_message_bytes filled in
// with the store's limit when the topic sets none).
std::string SerializeKatarConfig(const KatarConfig& config, const Options& limits);

}  // namespace pdfs::katar

#endif  // PDFS_ENGINE_KATAR_TOPIC_CONFIG_H_
