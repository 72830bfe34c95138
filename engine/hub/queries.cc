// Hub reads in key order: live items by location, historical items in the
// index, merged.
#include "pdfs/hub/queries.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
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
// location order among live items, so the boundary is the hash's threshold
// clamped to that run (historical items in it are skipped by the walk).
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

// --- The index run: historical items ---------------------------------------

// The first index key after `key` (if `after`), else `key`'s own: bounds of
// index scans, which include their lower and exclude their upper bound.
std::string IndexBound(const ContentKey& key, bool after) {
  std::string k = IndexKeyOf(key);
  if (after) k.push_back('\0');  // the smallest byte string above k
  return k;
}

// The end of the historical keys whose time is <= visible_until_ms.
std::string VisibleIndexEnd(int64_t visible_until_ms) {
  if (visible_until_ms == std::numeric_limits<int64_t>::max()) return IndexKeysEnd();
  return IndexKeyOf(ContentKey{visible_until_ms + 1, ""});
}

// Up to `limit` historical items with index keys in [lower, upper), taken
// from the low end (kAscending) or the high end (kDescending); ascending.
Result<std::vector<ItemRef>> IndexRun(Store& store, std::string_view topic,
                                      const std::string& lower, const std::string& upper,
                                      ScanOrder order, size_t limit) {
  std::vector<ItemRef> out;
  if (limit == 0 || lower >= upper) return out;
  Result<std::unique_ptr<IndexReader>> reader = store.ScanIndex(topic, lower, upper, order);
  if (!reader.ok()) return reader.status();
  while (out.size() < limit) {
    const IndexEntry* e = (*reader)->Next();
    if (e == nullptr) break;
    std::optional<ContentKey> key = ContentKeyOfIndex(e->key);
    if (!key) continue;  // not a Hub key (the bounds keep them out)
    out.push_back(ItemRef{e->location, key->time_ms, std::move(key->hash)});
  }
  if (!(*reader)->status().ok()) return (*reader)->status();
  if (order == ScanOrder::kDescending) std::reverse(out.begin(), out.end());
  return out;
}

// --- The location walk: live items ------------------------------------------

// Reads [begin, end) and keeps the live records `keep` accepts, stopping at
// the first record `stop` accepts or once `limit` are kept. Historical
// records are stepped over (but still meet `stop`, which judges append
// times, and those grow with locations whatever the item).
template <typename Keep, typename Stop>
Result<std::vector<ItemRef>> Collect(Store& store, std::string_view topic, uint64_t begin,
                                     uint64_t end, size_t limit, Keep keep, Stop stop) {
  Result<std::unique_ptr<RangeReader>> reader = store.Read(topic, begin, end);
  if (!reader.ok()) return reader.status();
  std::vector<ItemRef> out;
  while (out.size() < limit) {
    const Record* r = (*reader)->Next();
    if (r == nullptr || stop(*r)) break;
    if (IsHistorical(*r) || !keep(*r)) continue;
    out.push_back(ItemRef{r->location, r->append_time_ms, {}});
  }
  if (!(*reader)->status().ok()) return (*reader)->status();
  return out;
}

// The last `n` live, visible items below location `end` that `keep`
// accepts, ascending. Read backwards in runs: the first is [end - n, end);
// each further run (needed only when historical items or refused ones were
// stepped over) doubles. The walk ends at the front, or after a run that
// starts with an item appended before `floor_ms`: every live item before
// it has a key below that time, which the caller has no use for.
template <typename Keep>
Result<std::vector<ItemRef>> LastBefore(Store& store, std::string_view topic, uint64_t end,
                                        size_t n, int64_t visible_until_ms, int64_t floor_ms,
                                        Keep keep) {
  Result<uint64_t> visible_end = store.FindLocationAtTime(topic, After(visible_until_ms));
  if (!visible_end.ok()) return visible_end.status();
  uint64_t hi = std::min(end, *visible_end);
  std::vector<std::vector<ItemRef>> runs;  // newest run first
  size_t found = 0;
  for (uint64_t step = n; found < n && hi > 0; step = std::min<uint64_t>(step * 2, 1u << 20)) {
    const uint64_t lo = hi > step ? hi - step : 0;
    Result<std::unique_ptr<RangeReader>> reader = store.Read(topic, lo, hi);
    if (!reader.ok()) return reader.status();
    std::vector<ItemRef> run;
    uint64_t read = 0;
    int64_t first_time = std::numeric_limits<int64_t>::max();
    while (const Record* r = (*reader)->Next()) {
      if (read++ == 0) first_time = r->append_time_ms;
      if (!IsHistorical(*r) && Visible(*r, visible_until_ms) && keep(*r)) {
        run.push_back(ItemRef{r->location, r->append_time_ms, {}});
      }
    }
    if (!(*reader)->status().ok()) return (*reader)->status();
    found += run.size();
    runs.push_back(std::move(run));
    // Fewer records than asked: the run reached `first` (retention, or a
    // concurrent cut), so there is nothing before it.
    if (read < hi - lo || first_time < floor_ms) break;
    hi = lo;
  }
  std::vector<ItemRef> out;
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    out.insert(out.end(), std::make_move_iterator(it->begin()), std::make_move_iterator(it->end()));
  }
  if (out.size() > n) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(n));
  return out;
}

// --- Merging the two --------------------------------------------------------

// The first (or last) `n` of both runs, in key order.
std::vector<ItemRef> Merge(std::vector<ItemRef> live, std::vector<ItemRef> historical, size_t n,
                           bool keep_last) {
  std::vector<ItemRef> out;
  out.reserve(live.size() + historical.size());
  std::merge(std::make_move_iterator(live.begin()), std::make_move_iterator(live.end()),
             std::make_move_iterator(historical.begin()), std::make_move_iterator(historical.end()),
             std::back_inserter(out),
             [](const ItemRef& a, const ItemRef& b) { return a.key() < b.key(); });
  if (out.size() > n) {
    if (keep_last) {
      out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(n));
    } else {
      out.resize(n);
    }
  }
  return out;
}

// When the index run already holds `n` items, the live walk may stop at
// the last one's time (walking up) or the first one's (walking down):
// beyond it no live item can be among the first (last) n.
int64_t UpperBoundOf(const std::vector<ItemRef>& historical, size_t n) {
  return historical.size() >= n ? historical.back().time_ms : std::numeric_limits<int64_t>::max();
}
int64_t LowerBoundOf(const std::vector<ItemRef>& historical, size_t n) {
  return historical.size() >= n ? historical.front().time_ms : std::numeric_limits<int64_t>::min();
}

Status CheckCount(size_t n) {
  if (n == 0) return Status::InvalidArgument("the number of items must be at least 1");
  return Status::Ok();
}

Status NoSuchKey(std::string_view topic, const ContentKey& key) {
  return Status::NotFound("no item has the key " + key.ToPath() + " in topic \"" +
                          std::string(topic) + "\"");
}

}  // namespace

ItemRef RefOf(const Record& record) {
  if (std::optional<ContentKey> own = ContentKeyOfIndex(record.index_key)) {
    return ItemRef{record.location, own->time_ms, std::move(own->hash)};
  }
  return ItemRef{record.location, record.append_time_ms, {}};
}

Result<Record> GetItem(Store& store, std::string_view topic, const ContentKey& key) {
  // A live item: the hash names its location.
  if (const std::optional<uint64_t> location = LocationOfHash(key.hash)) {
    Result<Record> record = store.Get(topic, *location);
    if (record.ok() && !IsHistorical(*record) && record->append_time_ms == key.time_ms) {
      return record;
    }
    if (!record.ok() && !record.status().IsNotFound()) return record.status();
  }
  // A historical item: the key is in the index.
  Result<uint64_t> location = store.FindIndexKey(topic, IndexKeyOf(key));
  if (!location.ok()) {
    if (!location.status().IsNotFound()) return location.status();
    // The topic's own error (NotFound, InvalidArgument) comes first.
    Result<TopicMeta> meta = store.Stat(topic);
    if (!meta.ok()) return meta.status();
    return NoSuchKey(topic, key);
  }
  Result<Record> record = store.Get(topic, *location);
  if (!record.ok()) return record.status().IsNotFound() ? NoSuchKey(topic, key) : record.status();
  // A cut and re-use between the two reads.
  if (KeyOfRecord(*record) != key) return NoSuchKey(topic, key);
  return record;
}

Result<std::vector<ItemRef>> Latest(Store& store, std::string_view topic, size_t n,
                                    int64_t visible_until_ms) {
  if (Status s = CheckCount(n); !s.ok()) return s;
  n = std::min(n, kMaxDirectionCount);
  Result<std::vector<ItemRef>> historical =
      IndexRun(store, topic, std::string(kIndexKeyPrefix), VisibleIndexEnd(visible_until_ms),
               ScanOrder::kDescending, n);
  if (!historical.ok()) return historical.status();
  Result<std::vector<ItemRef>> live =
      LastBefore(store, topic, kNoLocation, n, visible_until_ms, LowerBoundOf(*historical, n),
                 [](const Record&) { return true; });
  if (!live.ok()) return live.status();
  return Merge(std::move(live).value(), std::move(historical).value(), n, /*keep_last=*/true);
}

Result<std::vector<ItemRef>> Earliest(Store& store, std::string_view topic, size_t n,
                                      int64_t visible_until_ms) {
  if (Status s = CheckCount(n); !s.ok()) return s;
  n = std::min(n, kMaxDirectionCount);
  Result<std::vector<ItemRef>> historical =
      IndexRun(store, topic, std::string(kIndexKeyPrefix), VisibleIndexEnd(visible_until_ms),
               ScanOrder::kAscending, n);
  if (!historical.ok()) return historical.status();
  const int64_t bound = UpperBoundOf(*historical, n);
  // From location 0: Read starts at the snapshot's `first`, so a TrimFront
  // racing this call cannot shorten the list.
  Result<std::vector<ItemRef>> live = Collect(
      store, topic, 0, kNoLocation, n, [](const Record&) { return true; },
      [&](const Record& r) { return !Visible(r, visible_until_ms) || r.append_time_ms > bound; });
  if (!live.ok()) return live.status();
  return Merge(std::move(live).value(), std::move(historical).value(), n, /*keep_last=*/false);
}

Result<std::vector<ItemRef>> Next(Store& store, std::string_view topic, const ContentKey& from,
                                  size_t n, bool inclusive, int64_t visible_until_ms) {
  if (Status s = CheckCount(n); !s.ok()) return s;
  n = std::min(n, kMaxDirectionCount);
  Result<std::vector<ItemRef>> historical =
      IndexRun(store, topic, IndexBound(from, /*after=*/!inclusive),
               VisibleIndexEnd(visible_until_ms), ScanOrder::kAscending, n);
  if (!historical.ok()) return historical.status();
  const int64_t bound = UpperBoundOf(*historical, n);
  Result<uint64_t> begin = FirstLocationWithKey(store, topic, from, /*strictly=*/!inclusive);
  if (!begin.ok()) return begin.status();
  Result<std::vector<ItemRef>> live = Collect(
      store, topic, *begin, kNoLocation, n,
      [&](const Record& r) {
        const ContentKey k = KeyOf(r.append_time_ms, r.location);
        return inclusive ? k >= from : k > from;
      },
      [&](const Record& r) { return !Visible(r, visible_until_ms) || r.append_time_ms > bound; });
  if (!live.ok()) return live.status();
  return Merge(std::move(live).value(), std::move(historical).value(), n, /*keep_last=*/false);
}

Result<std::vector<ItemRef>> Previous(Store& store, std::string_view topic, const ContentKey& from,
                                      size_t n, bool inclusive, int64_t visible_until_ms) {
  if (Status s = CheckCount(n); !s.ok()) return s;
  n = std::min(n, kMaxDirectionCount);
  Result<std::vector<ItemRef>> historical =
      IndexRun(store, topic, std::string(kIndexKeyPrefix),
               std::min(IndexBound(from, /*after=*/inclusive), VisibleIndexEnd(visible_until_ms)),
               ScanOrder::kDescending, n);
  if (!historical.ok()) return historical.status();
  // The items before `from` end where the items at or after it (after it,
  // if inclusive) begin.
  Result<uint64_t> end = FirstLocationWithKey(store, topic, from, /*strictly=*/inclusive);
  if (!end.ok()) return end.status();
  Result<std::vector<ItemRef>> live = LastBefore(
      store, topic, *end, n, visible_until_ms, LowerBoundOf(*historical, n), [&](const Record& r) {
        const ContentKey k = KeyOf(r.append_time_ms, r.location);
        return inclusive ? k <= from : k < from;
      });
  if (!live.ok()) return live.status();
  return Merge(std::move(live).value(), std::move(historical).value(), n, /*keep_last=*/true);
}

Result<TimeRangeResult> TimeRange(Store& store, std::string_view topic, int64_t start_ms,
                                  int64_t end_ms, int64_t visible_until_ms, size_t limit) {
  Result<uint64_t> begin = store.FindLocationAtTime(topic, start_ms);
  if (!begin.ok()) return begin.status();
  TimeRangeResult result;
  if (end_ms <= start_ms) return result;
  // One more than `limit` from each run tells whether the merge was cut.
  const size_t want = limit == std::numeric_limits<size_t>::max() ? limit : limit + 1;
  Result<std::vector<ItemRef>> historical =
      IndexRun(store, topic, IndexKeyOf(ContentKey{start_ms, ""}),
               std::min(IndexKeyOf(ContentKey{end_ms, ""}), VisibleIndexEnd(visible_until_ms)),
               ScanOrder::kAscending, want);
  if (!historical.ok()) return historical.status();
  const int64_t bound = UpperBoundOf(*historical, want);
  Result<std::vector<ItemRef>> live = Collect(
      store, topic, *begin, kNoLocation, want,
      [&](const Record& r) { return r.append_time_ms >= start_ms; },
      [&](const Record& r) {
        return r.append_time_ms >= end_ms || !Visible(r, visible_until_ms) ||
               r.append_time_ms > bound;
      });
  if (!live.ok()) return live.status();
  result.items = Merge(std::move(live).value(), std::move(historical).value(), want,
                       /*keep_last=*/false);
  if (result.items.size() > limit) {
    result.truncated = true;
    result.items.resize(limit);
  }
  return result;
}

}  // namespace pdfs::hub
