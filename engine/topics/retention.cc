// ApplyRetention: the cut for one topic.
#include <algorithm>
#include <memory>

#include "pdfs/topics/retention.h"

namespace pdfs::topics {

namespace {

// The first location to keep so that the items from it on hold at most
// `max_bytes`: reads from the front, counting bytes, until the excess is
// covered. Reads one chunk at a time, so memory stays flat.
Result<uint64_t> CutForBytes(Store& store, std::string_view topic, const TopicMeta& meta,
                             uint64_t max_bytes) {
  if (meta.size <= max_bytes) return meta.first;
  const uint64_t excess = meta.size - max_bytes;
  Result<std::unique_ptr<RangeReader>> reader = store.Read(topic, meta.first, meta.count);
  if (!reader.ok()) return reader.status();
  uint64_t counted = 0, cut = meta.first;
  while (counted < excess) {
    const Record* r = (*reader)->Next();
    if (r == nullptr) break;
    counted += r->data.size();
    cut = r->location + 1;
  }
  if (!(*reader)->status().ok()) return (*reader)->status();
  return cut;
}

}  // namespace

Result<RetentionCut> ApplyRetention(Store& store, std::string_view topic,
                                    const Retention& retention, int64_t now_ms) {
  Result<TopicMeta> meta = store.Stat(topic);
  if (!meta.ok()) return meta.status();
  RetentionCut out{meta->first, meta->first};
  uint64_t cut = meta->first;
  if (retention.max_items && meta->documents() > *retention.max_items) {
    cut = std::max(cut, meta->count - *retention.max_items);
  }
  if (retention.max_age_ms) {
    // Items appended before `oldest_kept_ms` are older than max_age_ms.
    int64_t oldest_kept_ms = now_ms - static_cast<int64_t>(*retention.max_age_ms);
    Result<uint64_t> at = store.FindLocationAtTime(topic, oldest_kept_ms);
    if (!at.ok()) return at.status();
    cut = std::max(cut, *at);
  }
  if (retention.max_bytes) {
    Result<uint64_t> at = CutForBytes(store, topic, *meta, *retention.max_bytes);
    if (!at.ok()) return at.status();
    cut = std::max(cut, *at);
  }
  if (cut <= meta->first) return out;
  Result<TopicMeta> trimmed = store.TrimFront(topic, cut);
  if (!trimmed.ok()) return trimmed.status();
  out.first_after = trimmed->first;
  return out;
}

}  // namespace pdfs::topics
