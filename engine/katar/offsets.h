// Consumer-group offset records (subscribe.h describes them).
#ifndef PDFS_ENGINE_KATAR_OFFSETS_H_
#define PDFS_ENGINE_KATAR_OFFSETS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pdfs/status.h"
#include "pdfs/store.h"

namespace pdfs::katar {

struct OffsetRecord {
  uint64_t offset = 0;
  uint64_t topic_id = 0;
  uint64_t version = 0;  // the record's version, for compare-and-set
};

std::string OffsetKey(std::string_view group, std::string_view topic);

// The metadata of the topic a group's offset is about, once the group and
// topic names are judged valid; the checks every offset operation starts with.
Result<TopicMeta> GroupTopic(Store& store, std::string_view group, std::string_view topic);

// The group's record for `topic`, whatever topic id it names; nullopt if
// there is none (or no offsets collection yet).
Result<std::optional<OffsetRecord>> ReadOffsetRecord(Store& store, std::string_view group,
                                                     std::string_view topic);

}  // namespace pdfs::katar

#endif  // PDFS_ENGINE_KATAR_OFFSETS_H_
