// Hub reads over one topic in key order: an item by its key, latest and
// earliest N, next and previous N from any key, and time periods
// (docs/HUB.md, "Items"), protocol-neutral.
//
// Key order is a merge of two runs (docs/ARCHITECTURE.md, "Hub channels"):
// the items appended live, whose keys are computed and grow with their
// locations, walked by location; and the historical items, which carry
// their own keys in the topic's index (keys.h), walked in the index. A
// topic without historical items has an empty index run, one seek.
//
// Visibility: every list function takes `visible_until_ms` and sees only
// items whose key time (the append time of a live item) is <= it: the Hub's stable time for
// stable=true (docs/HUB.md, "The stable window"), or kAllVisible for stable=false. GetItem ignores
// it, as the Hub serves any item by its key.
//
// Cost: each list function does at most three FindLocationAtTime binary
// searches (O(log n) each), one index scan of at most N entries, and reads
// the run of locations it returns (plus one item to tell whether a time
// period was cut), never a scan from the front, with one exception: the
// location walk steps over the historical items stored among the live ones
// it looks for (reading them), so on a channel whose historical items were
// inserted among its live ones a list may read up to those items too. Those
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
#include <string>
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
  int64_t time_ms = 0;  // the key's time: the append time of a live item
  std::string hash;     // a historical item's own hash; empty for a live item

  ContentKey key() const {
    return hash.empty() ? KeyOf(time_ms, location) : ContentKey{time_ms, hash};
  }
  bool operator==(const ItemRef&) const = default;
};

// The ItemRef of a stored item.
ItemRef RefOf(const Record& record);

// The item whose key is `key`, with its bytes (KeyOfRecord gives its key
// back): a live item whose hash encodes its location and whose append time
// is key.time_ms, or a historical item with exactly that key. NotFound if
// the topic does not exist or no item has the key (a location cut and
// re-used keeps no old key). InvalidArgument for an invalid topic name;
// IOError as Store::Get.
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

// The visible items with start_ms <= key time < end_ms, ascending, at
// most `limit` of them (limit 0 only tells whether there are any). Empty if
// end_ms <= start_ms. Errors as Latest, except that any limit is valid.
Result<TimeRangeResult> TimeRange(Store& store, std::string_view topic, int64_t start_ms,
                                  int64_t end_ms, int64_t visible_until_ms, size_t limit);

}  // namespace pdfs::hub

#endif  // PDFS_ENGINE_HUB_QUERIES_H_
