// Hub tags: the union of the tagged channels in key order.
#include "pdfs/hub/tags.h"

#include <algorithm>
#include <functional>

#include "pdfs/hub/channels.h"

namespace pdfs::hub {

namespace {

// The union's order: key, then channel name.
bool Before(const ContentKey& a_key, std::string_view a_channel, const ContentKey& b_key,
            std::string_view b_channel) {
  if (a_key != b_key) return a_key < b_key;
  return a_channel < b_channel;
}

bool Before(const TaggedItem& a, const TaggedItem& b) {
  return Before(a.item.key(), a.channel, b.item.key(), b.channel);
}

using PerChannel = std::function<Result<std::vector<ItemRef>>(const std::string& channel)>;

// Every channel's answer, merged into the union's order. A channel deleted
// since the tag was resolved is skipped.
Result<std::vector<TaggedItem>> Gather(const std::vector<std::string>& channels,
                                       const PerChannel& query) {
  std::vector<TaggedItem> all;
  for (const std::string& channel : channels) {
    Result<std::vector<ItemRef>> items = query(channel);
    if (items.status().IsNotFound()) continue;
    if (!items.ok()) return items.status();
    for (const ItemRef& item : *items) all.push_back(TaggedItem{channel, item});
  }
  std::sort(all.begin(), all.end(),
            [](const TaggedItem& a, const TaggedItem& b) { return Before(a, b); });
  return all;
}

void KeepFirst(size_t n, std::vector<TaggedItem>* items) {
  if (items->size() > n) items->resize(n);
}

void KeepLast(size_t n, std::vector<TaggedItem>* items) {
  if (items->size() > n) items->erase(items->begin(), items->end() - static_cast<ptrdiff_t>(n));
}

}  // namespace

std::map<std::string, std::vector<std::string>> ListTags(Store& store) {
  std::map<std::string, std::vector<std::string>> tags;
  for (const std::string& name : ListChannels(store)) {
    Result<ChannelView> view = GetChannel(store, name);
    if (!view.ok()) continue;
    for (const std::string& tag : ShownTags(view->config)) tags[tag].push_back(view->name);
  }
  return tags;
}

Result<std::vector<std::string>> ChannelsWithTag(Store& store, std::string_view tag) {
  if (!IsValidTag(tag)) {
    return Status::InvalidArgument("a tag is 1-" + std::to_string(kMaxTagBytes) +
                                   " characters of a-z, A-Z, 0-9, ':' and '-'");
  }
  std::map<std::string, std::vector<std::string>> tags = ListTags(store);
  auto it = tags.find(std::string(tag));
  if (it == tags.end()) {
    return Status::NotFound("no channel has the tag " + std::string(tag));
  }
  return it->second;
}

Result<std::vector<TaggedItem>> TagLatest(Store& store, const std::vector<std::string>& channels,
                                          size_t n, int64_t visible_until_ms) {
  n = std::min(n, kMaxDirectionCount);
  Result<std::vector<TaggedItem>> all =
      Gather(channels, [&](const std::string& c) { return Latest(store, c, n, visible_until_ms); });
  if (all.ok()) KeepLast(n, &*all);
  return all;
}

Result<std::vector<TaggedItem>> TagEarliest(Store& store, const std::vector<std::string>& channels,
                                            size_t n, int64_t visible_until_ms) {
  n = std::min(n, kMaxDirectionCount);
  Result<std::vector<TaggedItem>> all = Gather(
      channels, [&](const std::string& c) { return Earliest(store, c, n, visible_until_ms); });
  if (all.ok()) KeepFirst(n, &*all);
  return all;
}

Result<std::vector<TaggedItem>> TagNext(Store& store, const std::vector<std::string>& channels,
                                        const ContentKey& from, std::string_view from_channel,
                                        size_t n, bool inclusive, int64_t visible_until_ms) {
  n = std::min(n, kMaxDirectionCount);
  // Each channel's items from `from` on, one more than needed: the item at
  // `from` itself may fall on the wrong side of the channel tie-break.
  Result<std::vector<TaggedItem>> all = Gather(channels, [&](const std::string& c) {
    return Next(store, c, from, n + 1, /*inclusive=*/true, visible_until_ms);
  });
  if (!all.ok()) return all;
  std::erase_if(*all, [&](const TaggedItem& t) {
    const ContentKey key = t.item.key();
    const bool after = Before(from, from_channel, key, t.channel);
    const bool at = key == from && t.channel == from_channel;
    return !(after || (inclusive && at));
  });
  KeepFirst(n, &*all);
  return all;
}

Result<std::vector<TaggedItem>> TagPrevious(Store& store, const std::vector<std::string>& channels,
                                            const ContentKey& from, std::string_view from_channel,
                                            size_t n, bool inclusive, int64_t visible_until_ms) {
  n = std::min(n, kMaxDirectionCount);
  Result<std::vector<TaggedItem>> all = Gather(channels, [&](const std::string& c) {
    return Previous(store, c, from, n + 1, /*inclusive=*/true, visible_until_ms);
  });
  if (!all.ok()) return all;
  std::erase_if(*all, [&](const TaggedItem& t) {
    const ContentKey key = t.item.key();
    const bool before = Before(key, t.channel, from, from_channel);
    const bool at = key == from && t.channel == from_channel;
    return !(before || (inclusive && at));
  });
  KeepLast(n, &*all);
  return all;
}

Result<TagRangeResult> TagTimeRange(Store& store, const std::vector<std::string>& channels,
                                    int64_t start_ms, int64_t end_ms, int64_t visible_until_ms,
                                    size_t limit) {
  bool truncated = false;
  Result<std::vector<TaggedItem>> all = Gather(channels, [&](const std::string& c) {
    Result<TimeRangeResult> range = TimeRange(store, c, start_ms, end_ms, visible_until_ms, limit);
    if (!range.ok()) return Result<std::vector<ItemRef>>(range.status());
    truncated = truncated || range->truncated;
    return Result<std::vector<ItemRef>>(std::move(range->items));
  });
  if (!all.ok()) return all.status();
  if (all->size() > limit) truncated = true;
  KeepFirst(limit, &*all);
  return TagRangeResult{std::move(all).value(), truncated};
}

}  // namespace pdfs::hub
