// Katar's request and answer bodies.
#include "pdfs/katar/wire.h"

#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

#include "json_text.h"  // engine/topics/: the shared rules for JSON from outside
#include "pdfs/item.h"

namespace pdfs::katar {

namespace {

using nlohmann::json;

// Parses `body` as one JSON object whose keys are all in `known`.
Status ParseObject(std::string_view body, std::string_view what, const Options& limits,
                   std::initializer_list<std::string_view> known, json* out) {
  Status s = topics::ParseJsonText(body, what, limits.max_json_depth, out);
  if (!s.ok()) return s;
  if (!out->is_object()) {
    return Status::InvalidArgument(std::string(what) + " must be a JSON object, not " +
                                   topics::JsonTypeName(*out));
  }
  for (const auto& [key, value] : out->items()) {
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (!found) {
      return Status::InvalidArgument(std::string(what) + " has an unknown field \"" +
                                     key.substr(0, 100) + "\"");
    }
  }
  return Status::Ok();
}

Status ReadString(const json& object, const char* field, bool required, std::string* out) {
  auto it = object.find(field);
  if (it == object.end()) {
    if (required) return Status::InvalidArgument(std::string("\"") + field + "\" is required");
    return Status::Ok();
  }
  if (!it->is_string()) {
    return Status::InvalidArgument(std::string("\"") + field + "\" must be a string, not " +
                                   topics::JsonTypeName(*it));
  }
  *out = it->get<std::string>();
  return Status::Ok();
}

Status ReadOptionalInteger(const json& object, const char* field, uint64_t min, uint64_t max,
                           std::optional<uint64_t>* out) {
  auto it = object.find(field);
  if (it == object.end()) return Status::Ok();
  uint64_t v = 0;
  Status s = topics::ReadBoundedInteger(*it, std::string("\"") + field + "\"", min, max, &v);
  if (s.ok()) *out = v;
  return s;
}

// Names are validated before any answer names them; replace() only keeps a
// bug elsewhere from turning into an exception here.
std::string Quoted(std::string_view text) {
  return json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

Result<CreateBody> ParseCreateBody(std::string_view body, const Options& limits) {
  json object;
  Status s = ParseObject(body, "the topic request", limits, {"name", "config"}, &object);
  if (!s.ok()) return s;
  CreateBody out;
  s = ReadString(object, "name", /*required=*/true, &out.name);
  if (!s.ok()) return s;
  if (auto it = object.find("config"); it != object.end() && !it->is_null()) {
    if (!it->is_object()) {
      return Status::InvalidArgument("\"config\" must be an object, not " +
                                     topics::JsonTypeName(*it));
    }
    out.config_json = it->dump();
  }
  return out;
}

Result<std::vector<OutgoingMessage>> ParsePublishBody(std::string_view body,
                                                      const Options& limits) {
  json object;
  Status s = ParseObject(body, "the publish request", limits,
                         {"topic", "topics", "message", "messages"}, &object);
  if (!s.ok()) return s;
  const bool one_topic = object.contains("topic");
  if (one_topic == object.contains("topics")) {
    return Status::InvalidArgument("a publish request names \"topic\" or \"topics\" (one of them)");
  }
  std::vector<std::string> topics(1);
  if (one_topic) {
    s = ReadString(object, "topic", true, &topics[0]);
    if (!s.ok()) return s;
  } else {
    const json& list = object["topics"];
    if (!list.is_array() || list.empty()) {
      return Status::InvalidArgument("\"topics\" must be a non-empty array of topic names");
    }
    topics.clear();
    for (const json& t : list) {
      if (!t.is_string()) {
        return Status::InvalidArgument("\"topics\" must hold only strings, not " +
                                       topics::JsonTypeName(t));
      }
      topics.push_back(t.get<std::string>());
    }
  }
  const bool one_message = object.contains("message");
  if (one_message == object.contains("messages")) {
    return Status::InvalidArgument(
        "a publish request has \"message\" or \"messages\" (one of them)");
  }
  std::vector<const json*> values;
  if (one_message) {
    values.push_back(&object["message"]);
  } else {
    const json& list = object["messages"];
    if (!list.is_array()) {
      return Status::InvalidArgument("\"messages\" must be an array, not " +
                                     topics::JsonTypeName(list));
    }
    if (list.empty()) return Status::InvalidArgument("\"messages\" is empty: nothing to publish");
    for (const json& v : list) values.push_back(&v);
  }
  std::vector<std::string> texts;
  texts.reserve(values.size());
  for (const json* v : values) texts.push_back(v->dump());
  std::vector<OutgoingMessage> out;
  out.reserve(topics.size() * texts.size());
  for (const std::string& topic : topics) {
    for (const std::string& text : texts) out.push_back({topic, text});
  }
  return out;
}

Result<PullBody> ParsePullBody(std::string_view body, const Options& limits) {
  json object;
  Status s =
      ParseObject(body, "the subscribe request", limits,
                  {"topic", "group", "offset", "max", "max_bytes", "wait", "commit"}, &object);
  if (!s.ok()) return s;
  PullBody out;
  PullRequest& r = out.request;
  s = ReadString(object, "topic", true, &r.topic);
  if (s.ok()) s = ReadString(object, "group", false, &r.group);
  if (s.ok()) s = ReadOptionalInteger(object, "offset", 0, topics::kMaxJsonInteger, &r.offset);
  std::optional<uint64_t> max, max_bytes;
  if (s.ok()) s = ReadOptionalInteger(object, "max", 1, kMaxPullMessages, &max);
  if (s.ok()) s = ReadOptionalInteger(object, "max_bytes", 1, topics::kMaxJsonInteger, &max_bytes);
  if (s.ok()) s = ReadOptionalInteger(object, "commit", 0, topics::kMaxJsonInteger, &out.commit);
  if (!s.ok()) return s;
  if (max) r.max_messages = *max;
  if (max_bytes) r.max_bytes = *max_bytes;
  if (auto it = object.find("wait"); it != object.end()) {
    const double limit = std::chrono::duration<double>(kMaxWait).count();
    if (!it->is_number()) {
      return Status::InvalidArgument("\"wait\" must be a number of seconds, not " +
                                     topics::JsonTypeName(*it));
    }
    const double seconds = it->get<double>();
    if (!(seconds >= 0) || seconds > limit) {
      return Status::InvalidArgument("\"wait\" must be between 0 and " +
                                     std::to_string(kMaxWait.count() / 1000) + " seconds");
    }
    r.wait = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000)));
  }
  if (out.commit && r.group.empty()) {
    return Status::InvalidArgument("\"commit\" needs a \"group\" whose offset it sets");
  }
  return out;
}

Result<CommitBody> ParseCommitBody(std::string_view body, const Options& limits) {
  json object;
  Status s = ParseObject(body, "the commit request", limits, {"topic", "group", "offset"}, &object);
  if (!s.ok()) return s;
  CommitBody out;
  std::optional<uint64_t> offset;
  s = ReadString(object, "topic", true, &out.topic);
  if (s.ok()) s = ReadString(object, "group", true, &out.group);
  if (s.ok()) s = ReadOptionalInteger(object, "offset", 0, topics::kMaxJsonInteger, &offset);
  if (!s.ok()) return s;
  if (!offset) return Status::InvalidArgument("\"offset\" is required");
  out.offset = *offset;
  return out;
}

std::string TopicListJson(const std::vector<std::string>& topics) {
  return json{{"topics", topics}}.dump();
}

std::string TopicViewJson(const TopicView& view) {
  return "{\"topic\":" + Quoted(view.topic) + ",\"config\":" + view.config_json +
         ",\"first\":" + std::to_string(view.meta.first) +
         ",\"count\":" + std::to_string(view.meta.count) +
         ",\"size\":" + std::to_string(view.meta.size) + "}";
}

std::string CreatedTopicJson(const CreatedTopic& created) {
  return "{\"topic\":" + Quoted(created.view.topic) +
         ",\"created\":true,\"renamed\":" + (created.renamed ? "true" : "false") +
         ",\"config\":" + created.view.config_json + "}";
}

std::string TopicConfigJson(const TopicView& view) {
  return "{\"topic\":" + Quoted(view.topic) + ",\"config\":" + view.config_json + "}";
}

std::string PublishedMessageJson(const PublishedMessage& published) {
  return "{\"topic\":" + Quoted(published.topic) +
         ",\"offset\":" + std::to_string(published.offset) + "}";
}

std::string PublishedJson(const std::vector<PublishedMessage>& published) {
  std::string out = "{\"results\":[";
  for (size_t i = 0; i < published.size(); ++i) {
    if (i > 0) out += ',';
    out += PublishedMessageJson(published[i]);
  }
  return out + "]}";
}

std::string MessageJson(const PulledMessage& message) {
  std::string out = "{\"offset\":" + std::to_string(message.offset) +
                    ",\"timestamp\":" + std::to_string(message.timestamp_ms);
  // Stored JSON goes out as it is, without a parse into a tree; an item of
  // that type whose bytes are not JSON (another face may store any bytes)
  // is shown as text so that the answer stays valid JSON. accept() is
  // nlohmann's iterative parser, safe on any nesting.
  if (message.content_type == kDocumentContentType && json::accept(message.data)) {
    return out + ",\"value\":" + message.data + "}";
  }
  return out + ",\"content_type\":" + Quoted(message.content_type) +
         ",\"text\":" + json(message.data).dump(-1, ' ', false, json::error_handler_t::replace) +
         "}";
}

std::string PullResultJson(const PullResult& result) {
  std::string out = "{\"topic\":" + Quoted(result.topic) + ",\"messages\":[";
  for (size_t i = 0; i < result.messages.size(); ++i) {
    if (i > 0) out += ',';
    out += MessageJson(result.messages[i]);
  }
  out += "],\"next_offset\":" + std::to_string(result.next_offset) +
         ",\"first\":" + std::to_string(result.first) +
         ",\"count\":" + std::to_string(result.count) +
         ",\"reset\":" + (result.reset ? "true" : "false");
  if (result.reset) out += ",\"reset_from\":" + std::to_string(result.reset_from);
  return out + "}";
}

std::string CommittedJson(std::string_view topic, std::string_view group,
                          const CommittedOffset& committed) {
  return "{\"topic\":" + Quoted(topic) + ",\"group\":" + Quoted(group) +
         ",\"offset\":" + std::to_string(committed.offset) +
         ",\"moved\":" + (committed.moved ? "true" : "false") + "}";
}

std::string GroupOffsetJson(std::string_view topic, std::string_view group, uint64_t offset) {
  return "{\"topic\":" + Quoted(topic) + ",\"group\":" + Quoted(group) +
         ",\"offset\":" + std::to_string(offset) + "}";
}

}  // namespace pdfs::katar
