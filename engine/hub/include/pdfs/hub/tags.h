// Hub tags: the channels that carry a tag, and reads over their union in
// key order (reference: the Hub's TagResource and its latest, earliest,
// next/previous and time siblings), protocol-neutral.
//
// A tag's union orders items by key (time, then hash) and, for equal keys
// in different channels, by channel name, so that every list is one total
// order and next/previous from any item of the union are well defined.
// Each function asks each tagged channel for at most what the answer can
// hold (queries.h) and merges: cost O(channels × n).
//
// Thread safety: every function may be called concurrently (Store is
// thread-safe and nothing here has state).
#ifndef PDFS_ENGINE_HUB_TAGS_H_
#define PDFS_ENGINE_HUB_TAGS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pdfs/hub/queries.h"
#include "pdfs/status.h"
#include "pdfs/store.h"

namespace pdfs::hub {

// Every tag of every channel -> the channels (topic names) that carry it,
// sorted. Channels whose configuration this face cannot show are left out.
std::map<std::string, std::vector<std::string>> ListTags(Store& store);

// The channels that carry `tag`, sorted. NotFound if none does (the Hub
// answers 404 for an unknown tag); InvalidArgument for a name no tag may
// have.
Result<std::vector<std::string>> ChannelsWithTag(Store& store, std::string_view tag);

// One item of a tag's union. A value type.
struct TaggedItem {
  std::string channel;
  ItemRef item;
};

// As Latest, Earliest, Next, Previous and TimeRange (queries.h), over the
// union of `channels` (from ChannelsWithTag). A channel deleted meanwhile
// is skipped. Lists are ascending in the union's order.
Result<std::vector<TaggedItem>> TagLatest(Store& store, const std::vector<std::string>& channels,
                                          size_t n, int64_t visible_until_ms);
Result<std::vector<TaggedItem>> TagEarliest(Store& store, const std::vector<std::string>& channels,
                                            size_t n, int64_t visible_until_ms);
// From a key of the union: `from_channel` breaks ties between equal keys
// (empty: before every channel).
Result<std::vector<TaggedItem>> TagNext(Store& store, const std::vector<std::string>& channels,
                                        const ContentKey& from, std::string_view from_channel,
                                        size_t n, bool inclusive, int64_t visible_until_ms);
Result<std::vector<TaggedItem>> TagPrevious(Store& store, const std::vector<std::string>& channels,
                                            const ContentKey& from, std::string_view from_channel,
                                            size_t n, bool inclusive, int64_t visible_until_ms);
struct TagRangeResult {
  std::vector<TaggedItem> items;
  bool truncated = false;
};
Result<TagRangeResult> TagTimeRange(Store& store, const std::vector<std::string>& channels,
                                    int64_t start_ms, int64_t end_ms, int64_t visible_until_ms,
                                    size_t limit);

}  // namespace pdfs::hub

#endif  // PDFS_ENGINE_HUB_TAGS_H_
