// Hub reads in key order over a topic without historical inserts.
#include "pdfs/hub/queries.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace pdfs::hub {

namespace {

constexpr uint64_t kNoLocation = std::numeric_limits<uint64_t>::max();

// t + 1 without overflow: the first time after `t` (kAllVisible stays put,
// which is right: FindLocationAtTime(INT64_MAX) is past every real item).
int64_t After(int64_t t) { return t == std::numeric_limits<int64_t>::max() ? t : t + 1; }

// The smallest location whose hash is >= `hash` (> if `strictly`), or
// kNoLocation if there is none. HashOfLocation is monotonic in byte order,
// so this is a binary search over all uint64_t; `hash` may have any length.
// kNoLocation stands for 2^64 too: callers clamp the result to a location
// range that ends at most at a topic's count, where the two are the same.
uint64_t FirstLocationWithHash(std::string_view hash, bool strictly) {
  auto qualifies = [&](uint64_t location) {
    const std::string h = HashOfLocation(location);
    return strictly ? std::string_view(h) > hash : std::string_view(h) >= hash;
  };
  if (!qualifies(kNoLocation)) return kNoLocation;
  uint64_t lo = 0, hi = kNoLocation;  // qualifies(hi); the answer is in [lo, hi]
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    if (qualifies(mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

// The first location whose key is >= `key` (> if `strictly`): items at
// key.time_ms occupy [at, after) and, within one time, hash order is
// location order, so the boundary is the hash's threshold clamped to that
// run (docs/ARCHITECTURE.md, "Hub channels": no historical inserts).
Result<uint64_t> FirstLocationWithKey(Store& store, std::string_view topic, const ContentKey& key,
                                      bool strictly) {
  Result<uint64_t> at = store.FindLocationAtTime(topic, key.time_ms);
  if (!at.ok()) return at.status();
  Result<uint64_t> after = store.FindLocationAtTime(topic, After(key.time_ms));
  if (!after.ok()) return after.status();
  // A concurrent truncation between the two searches could invert them.
  const uint64_t hi = std::max(*at, *after);
  return std::clamp(FirstLocationWithHash(key.hash, strictly), *at, hi);
}

bool Visible(const Record& r, int64_t visible_until_ms) {
  return r.append_time_ms <= visible_until_ms;
}

// Reads [begin, end) and keeps the records `keep` accepts, stopping at the
// first record `stop` accepts or once `limit` are kept; `*more` (if given)
// tells whether a further record would have been kept.
template <typename Keep, typename Stop>
Result<std::vector<ItemRef>> Collect(Store& store, std::string_view topic, uint64_t begin,
                                     uint64_t end, size_t limit, Keep keep, Stop stop,
                                     bool* more = nullptr) {
  Result<std::unique_ptr<RangeReader>> reader = store.Read(topic, begin, end);
  if (!reader.ok()) return reader.status();
  std::vector<ItemRef> out;
  if (more != nullptr) *more = false;
  while (const Record* r = (*reader)->Next()) {
    if (stop(*r)) break;
    if (!keep(*r)) continue;
    if (out.size() == limit) {
      if (more != nullptr) *more = true;
      break;
    }
    out.push_back(ItemRef{r->location, r->append_time_ms});
  }
  if (!(*reader)->status().ok()) return (*reader)->status();
  return out;
}

Status CheckCount(size_t n) {
  if (n == 0) return Status::InvalidArgument("the number of items must be at least 1");
  return Status::Ok();
}

// The last `n` visible items below location `end` whose key `keep` accepts.
// Items are read as the one run [end - n, end): below `end` every item
// qualifies by construction, so the run needs no second pass; the check is
// repeated only against concurrent truncations (see queries.h).
template <typename Keep>
Result<std::vector<ItemRef>> LastBefore(Store& store, std::string_view topic, uint64_t end,
                                        size_t n, int64_t visible_until_ms, Keep keep) {
  Result<uint64_t> visible_end = store.FindLocationAtTime(topic, After(visible_until_ms));
  if (!visible_end.ok()) return visible_end.status();
  end = std::min(end, *visible_end);
  const uint64_t begin = end > n ? end - n : 0;  // Read clamps to `first`
  return Collect(
      store, topic, begin, end, n,
      [&](const Record& r) { return Visible(r, visible_until_ms) && keep(r); },
      [](const Record&) { return false; });
}

}  // namespace

Result<Record> GetItem(Store& store, std::string_view topic, const ContentKey& key) {
  const std::optional<uint64_t> location = LocationOfHash(key.hash);
  if (!location) {
    // The topic's own error (NotFound, InvalidArgument) comes first.
    Result<TopicMeta> meta = store.Stat(topic);
    if (!meta.ok()) return meta.status();
    return Status::NotFound("no item has the key " + key.ToPath() + " in topic \"" +
                            std::string(topic) + "\"");
  }
  Result<Record> record = store.Get(topic, *location);
  if (!record.ok()) return record.status();
  if (record->append_time_ms != key.time_ms) {
    return Status::NotFound("no item has the key " + key.ToPath() + " in topic \"" +
                            std::string(topic) + "\"");
  }
  return record;
}

Result<std::vector<ItemRef>> Latest(Store& store, std::string_view topic, size_t n,
                                    int64_t visible_until_ms) {
  if (Status s = CheckCount(n); !s.ok()) return s;
  n = std::min(n, kMaxDirectionCount);
  return LastBefore(store, topic, kNoLocation, n, visible_until_ms,
                    [](const Record&) { return true; });
}

Result<std::vector<ItemRef>> Earliest(Store& store, std::string_view topic, size_t n,
                                      int64_t visible_until_ms) {
  if (Status s = CheckCount(n); !s.ok()) return s;
  n = std::min(n, kMaxDirectionCount);
  // From location 0: Read starts at the snapshot's `first`, so a TrimFront
  // racing this call cannot shorten the list.
  return Collect(
      store, topic, 0, kNoLocation, n, [](const Record&) { return true; },
      [&](const Record& r) { return !Visible(r, visible_until_ms); });
}

Result<std::vector<ItemRef>> Next(Store& store, std::string_view topic, const ContentKey& from,
                                  size_t n, bool inclusive, int64_t visible_until_ms) {
  if (Status s = CheckCount(n); !s.ok()) return s;
  n = std::min(n, kMaxDirectionCount);
  Result<uint64_t> begin = FirstLocationWithKey(store, topic, from, /*strictly=*/!inclusive);
  if (!begin.ok()) return begin.status();
  return Collect(
      store, topic, *begin, kNoLocation, n,
      [&](const Record& r) {
        const ContentKey k = KeyOf(r.append_time_ms, r.location);
        return inclusive ? k >= from : k > from;
      },
      [&](const Record& r) { return !Visible(r, visible_until_ms); });
}

Result<std::vector<ItemRef>> Previous(Store& store, std::string_view topic, const ContentKey& from,
                                      size_t n, bool inclusive, int64_t visible_until_ms) {
  if (Status s = CheckCount(n); !s.ok()) return s;
  n = std::min(n, kMaxDirectionCount);
  // The items before `from` end where the items at or after it (after it,
  // if inclusive) begin.
  Result<uint64_t> end = FirstLocationWithKey(store, topic, from, /*strictly=*/inclusive);
  if (!end.ok()) return end.status();
  return LastBefore(store, topic, *end, n, visible_until_ms, [&](const Record& r) {
    const ContentKey k = KeyOf(r.append_time_ms, r.location);
    return inclusive ? k <= from : k < from;
  });
}

Result<TimeRangeResult> TimeRange(Store& store, std::string_view topic, int64_t start_ms,
                                  int64_t end_ms, int64_t visible_until_ms, size_t limit) {
  Result<uint64_t> begin = store.FindLocationAtTime(topic, start_ms);
  if (!begin.ok()) return begin.status();
  TimeRangeResult result;
  if (end_ms <= start_ms) return result;
  Result<std::vector<ItemRef>> items = Collect(
      store, topic, *begin, kNoLocation, limit,
      [&](const Record& r) { return r.append_time_ms >= start_ms; },
      [&](const Record& r) { return r.append_time_ms >= end_ms || !Visible(r, visible_until_ms); },
      &result.truncated);
  if (!items.ok()) return items.status();
  result.items = std::move(items).value();
  return result;
}

}  // namespace pdfs::hub
