// Hub reads over one topic in key order: an item by its key, latest and
// earliest N, next and previous N from any key, and time periods
// (docs/HUB.md, "Items"), protocol-neutral.
//
// ASSUMES the topic holds no historical inserts, so key order is location
// order (docs/ARCHITECTURE.md, "Hub channels"): every function here walks locations. A topic with
// Hub `mutableTime` items needs the key index instead (not built yet).
//
// Visibility: every list function takes `visible_until_ms` and sees only
// items whose append time is <= it: the Hub's stable time for stable=true
// (docs/HUB.md, "The stable window"), or kAllVisible for stable=false. GetItem
// ignores it, as the Hub serves any item by its key.
//
// Cost: each list function does at most three FindLocationAtTime binary
// searches (O(log n) each) and reads only the run of locations it returns
// (plus one item to tell whether a time period was cut), never a scan from
// the front. Those
// reads go through Store::Read, which copies every item's bytes although a
// key list needs only times and locations: acceptable for N <= 10,000, but a
// future engine function that reads times only would spare the copies.
//
// Consistency: a list comes from one RangeReader snapshot, but the
// boundaries found before it (FindLocationAtTime) from another. Appends
// between the two are invisible or beyond the boundary; a TrimFront may
// leave a list shorter; a Truncate followed by new appends could make items
// fail the time or key checks, which are repeated on every item read, so a
// list never holds an item that does not qualify.
//
// Thread safety: every function may be called concurrently from any thread
// (Store is thread-safe, and nothing here has state).
#ifndef PDFS_ENGINE_HUB_QUERIES_H_
#define PDFS_ENGINE_HUB_QUERIES_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "pdfs/hub/keys.h"
#include "pdfs/status.h"
#include "pdfs/store.h"

namespace pdfs::hub {

// The Hub's cap on N for latest/earliest/next/previous
// (app.directionCountLimit): a larger N is served as this many.
inline constexpr size_t kMaxDirectionCount = 10000;

// `visible_until_ms` that hides nothing (stable=false).
inline constexpr int64_t kAllVisible = std::numeric_limits<int64_t>::max();

// An item's place in its topic. A value type.
struct ItemRef {
  uint64_t location = 0;
  int64_t time_ms = 0;  // the append time

  ContentKey key() const { return KeyOf(time_ms, location); }
  bool operator==(const ItemRef&) const = default;
};

// The item whose key is `key`, with its bytes. NotFound if the topic does
// not exist, if the hash does not encode a location (LocationOfHash), if
// that location is not stored, or if the item there was appended at another
// time than key.time_ms (the location was cut and re-used). InvalidArgument
// for an invalid topic name; IOError as Store::Get.
Result<Record> GetItem(Store& store, std::string_view topic, const ContentKey& key);

// The last `n` visible items (n capped at kMaxDirectionCount), ascending.
// Empty for a topic with no visible item. Errors, for this and every
// function below: NotFound if the topic does not exist; InvalidArgument for
// an invalid topic name or n == 0; IOError from the store.
Result<std::vector<ItemRef>> Latest(Store& store, std::string_view topic, size_t n,
                                    int64_t visible_until_ms);

// The first `n` visible items still stored (after any TrimFront),
// ascending.
Result<std::vector<ItemRef>> Earliest(Store& store, std::string_view topic, size_t n,
                                      int64_t visible_until_ms);

// The first `n` visible items whose key is > `from` (>= if `inclusive`),
// ascending. `from` may be any key: an item's, or any time with any hash
// (compared as byte strings with the items' hashes, as the Hub does).
Result<std::vector<ItemRef>> Next(Store& store, std::string_view topic, const ContentKey& from,
                                  size_t n, bool inclusive, int64_t visible_until_ms);

// The last `n` visible items whose key is < `from` (<= if `inclusive`),
// ascending.
Result<std::vector<ItemRef>> Previous(Store& store, std::string_view topic, const ContentKey& from,
                                      size_t n, bool inclusive, int64_t visible_until_ms);

// A time period's items. A value type.
struct TimeRangeResult {
  std::vector<ItemRef> items;  // ascending
  // True iff more items qualified than `limit`: `items` holds the first
  // `limit` of them.
  bool truncated = false;
};

// The visible items with start_ms <= append time < end_ms, ascending, at
// most `limit` of them (limit 0 only tells whether there are any). Empty if
// end_ms <= start_ms. Errors as Latest, except that any limit is valid.
Result<TimeRangeResult> TimeRange(Store& store, std::string_view topic, int64_t start_ms,
                                  int64_t end_ms, int64_t visible_until_ms, size_t limit);

}  // namespace pdfs::hub

#endif  // PDFS_ENGINE_HUB_QUERIES_H_
