// Topic settings: the fields every face shares, kept in the topic's
// configuration document (Store::GetTopicConfig / SetTopicConfig).
//
// The document is one JSON object:
//
//   {"description": "...",
//    "retention": {"max_age_ms": N, "max_items": N, "max_bytes": N},
//    "max_item_bytes": N,
//    "katar": {...}, "hub": {...}}
//
// Every field is optional; an absent field (or null) is its default:
// no description, keep everything forever, items up to the store's
// Options::max_document_bytes. Each face keeps its own fields under its own
// key (kFaceSections), so the Hub's and Katar's views of one document never
// clobber each other: a face changes its section and the shared fields
// through UpdateTopicSettings, which leaves the other sections as they are.
// Any other key is refused, so that a typo never passes silently.
//
// Thread safety: TopicSettings is a value type. The functions below are
// safe to call from any thread; LoadTopicSettings and UpdateTopicSettings
// only use the Store's thread-safe methods.
#ifndef PDFS_ENGINE_TOPICS_SETTINGS_H_
#define PDFS_ENGINE_TOPICS_SETTINGS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "pdfs/options.h"
#include "pdfs/status.h"
#include "pdfs/store.h"

namespace pdfs::topics {

// The keys of the faces' own sections. A face that needs one adds its name
// here (sorted), so that the list of what a configuration may hold is in one
// place.
inline constexpr std::array<std::string_view, 4> kFaceSections = {"catalog", "hub", "katar",
                                                                  "resources"};

// Bounds that make a value absurd rather than merely large. Numbers in the
// document are JSON integers no larger than 2^53 (what every JSON client
// reads exactly).
inline constexpr uint64_t kMaxJsonInteger = uint64_t{1} << 53;
inline constexpr uint64_t kMaxRetentionAgeMs = uint64_t{100} * 366 * 24 * 3600 * 1000;  // 100 y
inline constexpr size_t kMaxDescriptionBytes = 4096;

// Retention: what the engine removes from the front of a topic
// (RetentionEnforcer, retention.h). Each bound is optional (absent: no
// limit); with several, the strictest wins. A value type.
struct Retention {
  std::optional<uint64_t> max_age_ms;  // items appended longer ago are removed
  std::optional<uint64_t> max_items;   // only the newest max_items are kept
  std::optional<uint64_t> max_bytes;   // the newest items whose bytes fit are kept

  bool any() const { return max_age_ms || max_items || max_bytes; }
  bool operator==(const Retention&) const = default;
};

// The shared settings of one topic. A value type, intentionally copyable.
struct TopicSettings {
  std::string description;
  Retention retention;
  // The largest item a face admits to this topic (absent: the store's
  // Options::max_document_bytes). Never above the store's own limit.
  std::optional<uint64_t> max_item_bytes;
  // Face name (one of kFaceSections) -> that face's section, a minified
  // JSON object the face alone parses.
  std::map<std::string, std::string, std::less<>> faces;

  bool operator==(const TopicSettings&) const = default;
};

// Parses a configuration document. InvalidArgument with a sentence naming
// the field for: text that is not a JSON object, an unknown field, a value
// of the wrong type, a negative, zero or absurd number, a face section that
// is not an object.
Result<TopicSettings> ParseTopicSettings(std::string_view json);

// The document for `settings`: minified, keys sorted, absent fields left out
// (so the default settings are "{}", what a topic has before anyone
// configures it). Parse(Serialize(s)) == s for every valid s.
std::string SerializeTopicSettings(const TopicSettings& settings);

// OK iff every value is in range (what ParseTopicSettings checks after the
// types), and, with `limits`, max_item_bytes is within the store's
// max_document_bytes. InvalidArgument with a sentence otherwise.
Status ValidateTopicSettings(const TopicSettings& settings, const Options* limits = nullptr);

// A topic's settings and the configuration version they were read at.
struct LoadedSettings {
  TopicSettings settings;
  uint64_t version = 0;  // TopicConfig::version, for compare-and-set
};

// Reads and parses the topic's settings. NotFound if the topic does not
// exist; InvalidArgument if its document is not valid settings (it was set
// around this library).
Result<LoadedSettings> LoadTopicSettings(Store& store, std::string_view topic);

// A change to settings: edits `*settings` in place, or returns an error to
// abandon the update (nothing is written).
using SettingsChange = std::function<Status(TopicSettings* settings)>;

// Read-modify-write: loads the settings, applies `change`, validates the
// result against the store's limits and writes it with the version it read
// (SetTopicConfig with an expected version); on Conflict (a concurrent
// writer won) starts again from a fresh read, so no concurrent change is
// lost. `change` may thus run more than once and must depend only on its
// argument. Returns what was written. Gives up with Conflict after
// kMaxUpdateAttempts lost races.
inline constexpr int kMaxUpdateAttempts = 64;
Result<LoadedSettings> UpdateTopicSettings(Store& store, std::string_view topic,
                                           const SettingsChange& change);

}  // namespace pdfs::topics

#endif  // PDFS_ENGINE_TOPICS_SETTINGS_H_
