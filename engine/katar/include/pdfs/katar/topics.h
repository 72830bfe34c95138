// Katar topic administration: list, get, create (with the seed's
// non-idempotent naming), replace, patch, delete. Protocol-neutral: the
// routes parse the request, call these and format the answer.
//
// A Katar topic is a pdfs topic: every user topic (made by any face) is
// listed and configurable here, and a topic made here is visible to every
// face. Configuration bodies and answers are Katar's config object
// (topic_config.h).
//
// Thread safety: every function may be called concurrently (they use the
// Store's thread-safe methods; configuration changes are compare-and-set).
#ifndef PDFS_ENGINE_KATAR_TOPICS_H_
#define PDFS_ENGINE_KATAR_TOPICS_H_

#include <string>
#include <string_view>
#include <vector>

#include "pdfs/katar/topic_config.h"
#include "pdfs/status.h"
#include "pdfs/store.h"

namespace pdfs::katar {

// One topic as Katar shows it. A value type.
struct TopicView {
  std::string topic;
  KatarConfig config;
  std::string config_json;  // SerializeKatarConfig(config, store limits)
  TopicMeta meta;           // first, count (next offset), size, ...
};

// The names of every user topic (system topics are not Katar's), sorted.
std::vector<std::string> ListTopics(Store& store);

// NotFound if the topic does not exist; InvalidArgument for a bad name or a
// configuration this face cannot show (written around the settings library).
Result<TopicView> GetTopic(Store& store, std::string_view topic);

// The outcome of CreateTopic. A value type.
struct CreatedTopic {
  TopicView view;
  bool renamed = false;  // the name asked for was taken; view.topic says which was made
};

// Creates a topic with the config object `config_body` (empty: defaults),
// non-idempotently as the seed does: `name` if it is free, else the first
// free of `name__0`, `name__1`, ... (the result says which). The config is
// checked before any name is taken. InvalidArgument for a bad name, a bad
// config, or when the next free name would be longer than
// kMaxTopicNameBytes (128 bytes).
Result<CreatedTopic> CreateTopic(Store& store, std::string_view name, std::string_view config_body);

// PUT: every field the body omits goes back to its default (other faces'
// sections are kept). PATCH: only the fields the body names change (null
// resets one). NotFound if the topic does not exist; InvalidArgument for a
// bad body (nothing changes).
Result<TopicView> ReplaceTopicConfig(Store& store, std::string_view topic,
                                     std::string_view config_body);
Result<TopicView> PatchTopicConfig(Store& store, std::string_view topic,
                                   std::string_view config_body);

// Deletes the topic and all its messages. NotFound if it does not exist.
// Consumer groups' offsets for it are left behind and ignored: they name
// the deleted topic's id, so a topic created again under the name starts
// them afresh (subscribe.h).
Status DeleteTopic(Store& store, std::string_view topic);

}  // namespace pdfs::katar

#endif  // PDFS_ENGINE_KATAR_TOPICS_H_
