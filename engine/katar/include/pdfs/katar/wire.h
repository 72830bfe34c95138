// The JSON bodies of Katar's API (docs/KATAR.md): request bodies parsed into
// the library's value types, and answers written from its results. They are
// Katar's own shapes, not HTTP's, so they live beside the logic: the routes
// (http/routes_katar.cc) and the CLI only move bytes and map errors, and a
// second transport would speak the same bodies.
//
// Every parser refuses, with InvalidArgument and a sentence naming the
// field: text that is not one JSON object, nesting deeper than the store's
// max_json_depth, unknown fields, wrong types, negative, fractional or
// absurd numbers. The depth is checked before any recursive code sees the
// text.
//
// Thread safety: pure functions on value types.
#ifndef PDFS_ENGINE_KATAR_WIRE_H_
#define PDFS_ENGINE_KATAR_WIRE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pdfs/katar/publish.h"
#include "pdfs/katar/subscribe.h"
#include "pdfs/katar/topics.h"
#include "pdfs/options.h"
#include "pdfs/status.h"

namespace pdfs::katar {

// POST /topic: {"name": "...", "config": {...}} (config optional).
struct CreateBody {
  std::string name;
  std::string config_json;  // "" for the defaults
};
Result<CreateBody> ParseCreateBody(std::string_view body, const Options& limits);

// POST /publish: {"topic": T | "topics": [T...], "messages": [v...] |
// "message": v}. Every message goes to every topic, topic by topic.
Result<std::vector<OutgoingMessage>> ParsePublishBody(std::string_view body, const Options& limits);

// POST /subscribe: {"topic", "group", "offset", "max", "max_bytes",
// "wait" (seconds, may have a fraction), "commit"}. `commit` needs `group`.
struct PullBody {
  PullRequest request;
  std::optional<uint64_t> commit;  // commit this offset for the group first
};
Result<PullBody> ParsePullBody(std::string_view body, const Options& limits);

// POST /subscribe/commit: {"topic", "group", "offset"}, all required.
struct CommitBody {
  std::string topic;
  std::string group;
  uint64_t offset = 0;
};
Result<CommitBody> ParseCommitBody(std::string_view body, const Options& limits);

// {"topics": [...]}
std::string TopicListJson(const std::vector<std::string>& topics);
// {"topic", "config", "first", "count", "size"}
std::string TopicViewJson(const TopicView& view);
// {"topic", "created": true, "renamed", "config"}
std::string CreatedTopicJson(const CreatedTopic& created);
// {"topic", "config"}
std::string TopicConfigJson(const TopicView& view);
// {"topic", "offset"}
std::string PublishedMessageJson(const PublishedMessage& published);
// {"results": [{"topic", "offset"}, ...]}
std::string PublishedJson(const std::vector<PublishedMessage>& published);
// One message: {"offset", "timestamp", "value"} for a JSON item, or
// {"offset", "timestamp", "content_type", "text"} for any other (its bytes
// as a string, invalid UTF-8 replaced).
std::string MessageJson(const PulledMessage& message);
// {"topic", "messages": [...], "next_offset", "first", "count", "reset"
// (, "reset_from")}
std::string PullResultJson(const PullResult& result);
// {"topic", "group", "offset", "moved"}
std::string CommittedJson(std::string_view topic, std::string_view group,
                          const CommittedOffset& committed);
// {"topic", "group", "offset"}
std::string GroupOffsetJson(std::string_view topic, std::string_view group, uint64_t offset);

}  // namespace pdfs::katar

#endif  // PDFS_ENGINE_KATAR_WIRE_H_
