// Katar pull: where to start, the long-poll, and the bounded read.
#include <chrono>
#include <memory>

#include "offsets.h"
#include "pdfs/katar/subscribe.h"
#include "pdfs/topic_name.h"

namespace pdfs::katar {

namespace {

Status CheckRequest(const PullRequest& request) {
  Status s = ValidateTopicName(request.topic);
  if (!s.ok()) return s;
  if (!request.group.empty()) {
    s = ValidateGroupName(request.group);
    if (!s.ok()) return s;
  }
  if (!request.offset && request.group.empty()) {
    return Status::InvalidArgument("a pull needs an offset or a consumer group");
  }
  if (request.max_messages < 1 || request.max_messages > kMaxPullMessages) {
    return Status::InvalidArgument("max must be between 1 and " + std::to_string(kMaxPullMessages));
  }
  if (request.max_bytes < 1) return Status::InvalidArgument("max_bytes must be at least 1");
  if (request.wait.count() < 0 || request.wait > kMaxWait) {
    return Status::InvalidArgument("wait must be between 0 and " +
                                   std::to_string(kMaxWait.count()) + " ms");
  }
  return Status::Ok();
}

// Where the pull starts, from the request and the topic as it is now.
Status ChooseStart(Store& store, const PullRequest& request, const TopicMeta& meta,
                   PullResult* out) {
  uint64_t start = meta.first;
  if (request.offset) {
    start = *request.offset;
    if (start > meta.count) {
      return Status::InvalidArgument("offset " + std::to_string(start) +
                                     " is past the end of topic \"" + request.topic +
                                     "\" (its next offset is " + std::to_string(meta.count) + ")");
    }
  } else {
    Result<std::optional<OffsetRecord>> record =
        ReadOffsetRecord(store, request.group, request.topic);
    if (!record.ok()) return record.status();
    if (record->has_value()) {
      const OffsetRecord& r = **record;
      if (r.topic_id != meta.id) {
        // Committed for a deleted topic of the same name: its position
        // means nothing here.
        out->reset = true;
        out->reset_from = r.offset;
      } else if (r.offset > meta.count) {
        // The topic was cut from the end (through another face) below it.
        out->reset = true;
        out->reset_from = r.offset;
        start = meta.count;
      } else {
        start = r.offset;
      }
    }
  }
  if (start < meta.first) {
    out->reset = true;
    out->reset_from = start;
    start = meta.first;
  }
  out->next_offset = start;
  return Status::Ok();
}

}  // namespace

Result<PullResult> Pull(Store& store, const PullRequest& request) {
  Status s = CheckRequest(request);
  if (!s.ok()) return s;
  Result<TopicMeta> meta = store.Stat(request.topic);
  if (!meta.ok()) return meta.status();
  PullResult out;
  out.topic = request.topic;
  s = ChooseStart(store, request, *meta, &out);
  if (!s.ok()) return s;
  const uint64_t start = out.next_offset;

  if (start >= meta->count && request.wait.count() > 0) {
    meta = store.WaitForLocation(request.topic, start,
                                 std::chrono::steady_clock::now() + request.wait);
    if (!meta.ok()) return meta.status();
  }
  out.first = meta->first;
  out.count = meta->count;
  if (start >= meta->count) return out;

  Result<std::unique_ptr<RangeReader>> reader =
      store.Read(request.topic, start, start + request.max_messages);
  if (!reader.ok()) return reader.status();
  uint64_t bytes = 0;
  while (const Record* r = (*reader)->Next()) {
    if (out.messages.empty() && r->location > start) {
      // Retention removed the start between choosing it and reading.
      out.reset = true;
      out.reset_from = start;
    }
    if (!out.messages.empty() && bytes + r->data.size() > request.max_bytes) break;
    bytes += r->data.size();
    out.messages.push_back(PulledMessage{r->location, r->append_time_ms, r->content_type, r->data});
    out.next_offset = r->location + 1;
  }
  if (!(*reader)->status().ok()) return (*reader)->status();
  return out;
}

}  // namespace pdfs::katar
