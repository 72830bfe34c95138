// The Hub's view of a topic's settings (topics/settings.h): a channel's
// configuration as the FlightStats Hub's ChannelConfig shows it.
//
// Where each field lives in the topic's configuration document:
//   description                      shared: TopicSettings::description
//   ttlDays, maxItems, keepForever   shared: retention (max_age_ms = ttlDays
//                                    days, max_items); keepForever is "no
//                                    retention at all"
//   owner, protect, tags, storage,   the "hub" section, each only when it
//   allowZeroBytes,                  differs from the Hub's default
//   secondaryMetricsReporting,
//   replicationSource, creationDate,
//   mutableTime
//
// So Katar's and the Hub's views of one topic never disagree on retention:
// a Katar retention_ms of 36 h shows as ttlDays 2 (whole days, rounded up,
// as the Hub has no finer unit), and a Hub update that names no retention
// field leaves it exactly as it was.
//
// Thread safety: value types and pure functions.
#ifndef PDFS_ENGINE_HUB_CHANNEL_CONFIG_H_
#define PDFS_ENGINE_HUB_CHANNEL_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "pdfs/status.h"
#include "pdfs/topics/settings.h"

namespace pdfs::hub {

// The Hub's limits (ChannelValidator).
inline constexpr size_t kMaxChannelNameBytes = 48;
inline constexpr size_t kMaxOwnerBytes = 48;
inline constexpr size_t kMaxDescriptionBytes = 1024;
inline constexpr size_t kMaxTags = 20;
inline constexpr size_t kMaxTagBytes = 48;
inline constexpr uint64_t kMaxItemsLimit = 5000;
// A channel created through the Hub face without any retention field.
inline constexpr uint64_t kDefaultTtlDays = 120;
inline constexpr uint64_t kMsPerDay = uint64_t{24} * 3600 * 1000;
// ttlDays whose age in ms stays within the shared settings' bound.
inline constexpr uint64_t kMaxTtlDays = topics::kMaxRetentionAgeMs / kMsPerDay;

// A channel's configuration. A value type.
struct ChannelConfig {
  std::string owner;
  std::string description;
  std::string replication_source;
  std::string storage = "BATCH";  // SINGLE, BATCH or BOTH
  std::set<std::string> tags;     // sorted and unique, as the Hub lists them
  uint64_t ttl_days = 0;
  uint64_t max_items = 0;
  bool keep_forever = true;  // no retention: what a topic made elsewhere has
  bool protect = false;
  bool allow_zero_bytes = true;
  bool secondary_metrics_reporting = false;
  // When the channel was created, ms since the Unix epoch; 0 if the topic
  // was made by another face (Channels fill in what they know then).
  int64_t creation_ms = 0;
  // A historical channel's mutableTime, ms since the Unix epoch: items may
  // be inserted with keys at or before it (docs/HUB.md, "Historical
  // channels"). Unset for every other channel.
  std::optional<int64_t> mutable_time_ms;

  bool operator==(const ChannelConfig&) const = default;
};

// True if `tag` is a tag a channel may carry: 1-48 characters of
// [A-Za-z0-9:-] (the Hub's regex; its error text omits ':' and '-').
bool IsValidTag(std::string_view tag);

// The channel name `name` trimmed of surrounding white space, as the Hub
// trims it. InvalidArgument with a sentence unless the trimmed name is 1-48
// characters of [A-Za-z0-9_-].
Result<std::string> NormalizeChannelName(std::string_view name);

// The Hub's view of `settings`. InvalidArgument if the "hub" section holds
// what this face never writes (it was set around this library).
Result<ChannelConfig> ViewOf(const topics::TopicSettings& settings);

// Who asks for a change: the Hub lets only local clients undo a channel's
// protection (LocalHostOnly).
struct Requester {
  bool local = true;
};

// How a body changes a configuration.
enum class ChannelChange {
  kCreate,  // a new channel: omitted fields take the Hub's defaults (ttlDays 120)
  kUpdate,  // PUT or PATCH of an existing channel: only the named fields change
};

// Applies the Hub channel config object `body` (empty: {}) to `*settings`;
// other faces' sections are never touched. Fields: owner, description,
// ttlDays, maxItems, keepForever, tags, storage, protect, allowZeroBytes,
// secondaryMetricsReporting, replicationSource, mutableTime; "name", "creationDate" and
// "_links" (what a GET answers, so a client may send it back) are accepted
// and ignored. Naming one retention field (ttlDays, maxItems > 0, or
// keepForever true) clears the other two unless the body names them too;
// naming mutableTime clears ttlDays and maxItems the same way (a historical
// channel keeps its items: the Hub allows no retention bound beside it) and
// makes storage SINGLE unless the body names storage.
// Fails with nothing changed:
//  - InvalidArgument with a sentence: not a JSON object, an unknown field
//    (the Hub ignores them; pdfs refuses them so that a misspelt "ttlDay"
//    does not silently keep 120 days), a wrong type, a value over the Hub's
//    limits, two retention fields at once, keepForever with a ttl or a
//    maximum, protect without an owner; a mutableTime that is not a UTC
//    time (2019-02-22T17:59:51.793Z), not in the past (`now_ms`), later
//    than the channel's current one (it only moves back), removed from a
//    historical channel, or beside ttlDays/maxItems > 0 or storage other
//    than SINGLE;
//  - PermissionDenied, when the channel is protected and `who` is not
//    local: turning protection off, lowering ttlDays or maxItems, removing
//    a tag, changing the owner or the replication source, or storage other
//    than BOTH.
// `now_ms` is the creation time recorded by kCreate.
Status ApplyChannelBody(std::string_view body, ChannelChange change, const Requester& who,
                        int64_t now_ms, topics::TopicSettings* settings);

// The channel's tags as the Hub shows and finds them: its own, plus the
// built-in "historical" when mutableTime is set and "replicated" when a
// replication source is.
std::set<std::string> ShownTags(const ChannelConfig& config);

// The config object as the Hub answers it, without links: name, every
// field of ChannelConfig, creationDate and mutableTime as ISO-8601 with
// milliseconds (UTC; mutableTime "" when unset), the built-in tags
// "replicated" when a replication source is set and "historical" when
// mutableTime is, and "_links" = `links_json` (a JSON object) when it is not empty.
std::string SerializeChannelConfig(std::string_view name, const ChannelConfig& config,
                                   std::string_view links_json);

}  // namespace pdfs::hub

#endif  // PDFS_ENGINE_HUB_CHANNEL_CONFIG_H_
