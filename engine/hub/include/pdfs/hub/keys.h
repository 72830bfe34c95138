// Hub content keys (`yyyy/MM/dd/HH/mm/ss/SSS/<hash>`, UTC) and the time paths
// of Hub URLs, protocol-neutral (docs/HUB.md "Items";
// docs/ARCHITECTURE.md "Hub channels").
//
// The key of an item appended live is computed, never stored: its time is
// the item's append time and its hash a fixed-width base-62 encoding of its
// location. The alphabet is `0-9A-Za-z`, in ASCII order, so comparing two
// hashes as byte strings compares their locations; since append times never
// decrease within a topic, key order is then location order.
//
// A historical item (inserted with a key of the client's choosing into a
// channel with a mutableTime; docs/HUB.md, "Historical channels") cannot
// have its key computed: it carries it as its index key in the topic's
// index (Store, "Indexes"), encoded by IndexKeyOf so that index order is key
// order.
//
// Thread safety: every function here may be called concurrently from any
// thread (RandomHash uses a thread-local generator; the rest are pure).
#ifndef PDFS_ENGINE_HUB_KEYS_H_
#define PDFS_ENGINE_HUB_KEYS_H_

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pdfs/status.h"
#include "pdfs/store.h"

namespace pdfs::hub {

// The length of every hash that encodes a location: 62^11 > 2^64, so 11
// base-62 digits cover every uint64_t.
inline constexpr size_t kLocationHashLength = 11;
// The longest hash a time path may carry. The Hub accepts any hash as a
// start point (`/<time>/A/next/4`); its own are 6 or 12 characters.
inline constexpr size_t kMaxHashLength = 64;

// The 11-character hash of `location`, zero-padded ("00000000000" for 0),
// so that byte order of hashes equals numeric order of locations.
std::string HashOfLocation(uint64_t location);

// The location `hash` encodes; nullopt unless it is exactly 11 characters of
// `0-9A-Za-z` whose value fits in a uint64_t (at most "LygHa16AHYF").
std::optional<uint64_t> LocationOfHash(std::string_view hash);

// A Hub content key. A value type. Keys order by time, then by hash as a
// byte string (the Hub's order); `hash` may be any string here, not only
// one that encodes a location (a start point of next/previous).
struct ContentKey {
  int64_t time_ms = 0;  // ms since the Unix epoch, UTC
  std::string hash;

  // "2019/02/22/17/59/51/793/<hash>": the key's part of an item URL. Years
  // are printed with at least 4 digits (a time before year 0 prints a
  // negative year, which no time path parses back).
  std::string ToPath() const;

  auto operator<=>(const ContentKey&) const = default;
  bool operator==(const ContentKey&) const = default;
};

// The key of the item at `location` appended at `time_ms`.
ContentKey KeyOf(int64_t time_ms, uint64_t location);

// Every historical item's index key starts with this; no other index key
// of the topic is taken for a Hub key.
inline constexpr std::string_view kIndexKeyPrefix = "hub/";

// The index key of a historical item with `key`: kIndexKeyPrefix, the time
// as 8 big-endian bytes with the sign bit flipped (so that byte order is
// numeric order, negative times included), then the hash. Index keys of two
// content keys compare as the content keys do.
std::string IndexKeyOf(const ContentKey& key);
// The content key `index_key` encodes; nullopt unless it was made by
// IndexKeyOf (with a non-empty hash).
std::optional<ContentKey> ContentKeyOfIndex(std::string_view index_key);
// The first index key after every historical key: the end of their range.
std::string IndexKeysEnd();
// The key of a stored item: its own (ContentKeyOfIndex) if it is a
// historical item, else the one computed from its append time and location.
ContentKey KeyOfRecord(const Record& record);
// True iff `record` is a historical item.
bool IsHistorical(const Record& record);

// The length of the hashes RandomHash makes (the Hub's own length).
inline constexpr size_t kRandomHashLength = 6;
// A random hash of kRandomHashLength characters of `0-9A-Za-z`, for a
// historical insert that names no hash (the Hub does the same).
std::string RandomHash();

// "2019-02-22T17:59:51.793Z": the Hub's `Creation-Date` and `timestamp`
// format (ISO 8601, UTC, milliseconds). Total over int64_t, like ToPath.
std::string FormatIso8601Millis(int64_t ms);

// The time of "2019-02-22T17:59:51.793Z" (also without ".SSS"), UTC only:
// the form FormatIso8601Millis writes, with the components ParseTimePath
// accepts. InvalidArgument with a sentence for anything else (another zone,
// a missing part, a day that does not exist).
Result<int64_t> ParseIso8601Millis(std::string_view text);

// The granularity of a time path: what its last time component is.
enum class TimeUnit { kDay, kHour, kMinute, kSecond, kMillis };

// The length of one `unit` in ms (a UTC day is always 86,400,000 ms: the
// Hub, like pdfs, has no leap seconds).
int64_t UnitMs(TimeUnit unit);

// A parsed time path: the period [start_ms, end_ms()) and, for a full key,
// its hash. A value type.
struct TimePath {
  int64_t start_ms = 0;
  TimeUnit unit = TimeUnit::kDay;
  std::optional<std::string> hash;  // only with all 7 time components

  int64_t end_ms() const { return start_ms + UnitMs(unit); }
  bool operator==(const TimePath&) const = default;
};

// The time path of the period of `unit` that starts at `start_ms`:
// "2019/02/22" for a day, "2019/02/22/17" for an hour, and so on to
// "2019/02/22/17/59/51/793" for a millisecond (the links between periods
// of a time query).
std::string PeriodPath(int64_t start_ms, TimeUnit unit);

// Parses the segments of `Y/M/D[/h[/m[/s[/SSS[/hash]]]]]` (3 to 8 of them,
// already split at '/'). Components are decimal digits only: the year 4
// digits in 1970..9999, month, day, hour, minute and second 1 or 2 digits
// (the Hub reads them as integers, so "2" and "02" are both accepted), the
// milliseconds exactly 3 digits (the key format's SSS); the day must exist in
// that month of that year (2024/02/29 does, 2023/02/29 does not). The hash,
// 1 to 64 characters of [0-9A-Za-z], need not encode a location.
// InvalidArgument, with a sentence naming the bad part (e.g. "month 13 is
// not in 1..12"), for a wrong number of segments or any bad component.
Result<TimePath> ParseTimePath(const std::vector<std::string_view>& segments);

}  // namespace pdfs::hub

#endif  // PDFS_ENGINE_HUB_KEYS_H_
