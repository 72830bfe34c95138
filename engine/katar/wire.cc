// Katar's request and answer bodies.
#include "pdfs/katar/wire.h"

#include <simdjson.h>
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

namespace {

// The publish body is the hot path of a producer: it is split with
// simdjson's On-Demand API, which hands out each message as its raw text
// (a view into the body) instead of building a tree that would be dumped
// again. It does not validate what it skips inside a message; Publish
// parses every message fully before anything is stored.
namespace od = simdjson::ondemand;

Status NotJson(std::string_view what, simdjson::error_code error) {
  return Status::InvalidArgument(std::string(what) + " is not valid JSON (" +
                                 simdjson::error_message(error) + ")");
}

// The raw text of `value`, consuming it.
simdjson::error_code RawText(od::value value, std::string_view* out) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  if (type == od::json_type::object) {
    od::object object;
    if (auto e = value.get_object().get(object)) return e;
    return object.raw_json().get(*out);
  }
  if (type == od::json_type::array) {
    od::array array;
    if (auto e = value.get_array().get(array)) return e;
    return array.raw_json().get(*out);
  }
  *out = value.raw_json_token();
  return simdjson::SUCCESS;
}

simdjson::error_code ReadStringValue(od::value value, std::string* out, bool* is_string) {
  od::json_type type;
  if (auto e = value.type().get(type)) return e;
  *is_string = type == od::json_type::string;
  if (!*is_string) return simdjson::SUCCESS;
  std::string_view text;
  if (auto e = value.get_string().get(text)) return e;
  out->assign(text);
  return simdjson::SUCCESS;
}

std::string TypeName(od::value value) {
  od::json_type type;
  if (value.type().get(type)) return "not JSON";
  switch (type) {
    case od::json_type::object:
      return "an object";
    case od::json_type::array:
      return "an array";
    case od::json_type::string:
      return "a string";
    case od::json_type::number:
      return "a number";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "not JSON";
}

}  // namespace

Result<std::vector<OutgoingMessage>> ParsePublishBody(std::string_view body,
                                                      const Options& limits) {
  constexpr std::string_view what = "the publish request";
  if (Status s = topics::CheckJsonDepth(body, what, limits.max_json_depth); !s.ok()) return s;
  const simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  if (auto e = parser.iterate(padded).get(doc)) return NotJson(what, e);
  od::object object;
  if (auto e = doc.get_object().get(object)) {
    if (e != simdjson::INCORRECT_TYPE) return NotJson(what, e);
    // On-Demand reads lazily: say whether the text was JSON at all.
    json value;
    if (Status s = topics::ParseJsonText(body, what, limits.max_json_depth, &value); !s.ok()) {
      return s;
    }
    return Status::InvalidArgument(std::string(what) + " must be a JSON object, not " +
                                   topics::JsonTypeName(value));
  }
  std::vector<std::string> topics;
  std::vector<std::string_view> texts;
  bool saw_topic = false, saw_topics = false, saw_message = false, saw_messages = false;
  for (auto member : object) {
    od::field field;
    std::string_view key;
    if (auto e = std::move(member).get(field)) return NotJson(what, e);
    if (auto e = field.unescaped_key().get(key)) return NotJson(what, e);
    od::value value = field.value();
    bool* seen = key == "topic"      ? &saw_topic
                 : key == "topics"   ? &saw_topics
                 : key == "message"  ? &saw_message
                 : key == "messages" ? &saw_messages
                                     : nullptr;
    if (seen == nullptr) {
      return Status::InvalidArgument(std::string(what) + " has an unknown field \"" +
                                     std::string(key.substr(0, 100)) + "\"");
    }
    if (*seen) {
      return Status::InvalidArgument(std::string(what) + " gives \"" + std::string(key) +
                                     "\" twice");
    }
    *seen = true;
    if (key == "topic") {
      bool is_string = false;
      topics.emplace_back();
      if (auto e = ReadStringValue(value, &topics.back(), &is_string)) return NotJson(what, e);
      if (!is_string) {
        return Status::InvalidArgument("\"topic\" must be a string, not " + TypeName(value));
      }
    } else if (key == "topics") {
      od::array list;
      if (auto e = value.get_array().get(list)) {
        if (e != simdjson::INCORRECT_TYPE) return NotJson(what, e);
        return Status::InvalidArgument("\"topics\" must be a non-empty array of topic names");
      }
      for (auto element : list) {
        od::value name;
        if (auto e = std::move(element).get(name)) return NotJson(what, e);
        bool is_string = false;
        topics.emplace_back();
        if (auto e = ReadStringValue(name, &topics.back(), &is_string)) return NotJson(what, e);
        if (!is_string) {
          return Status::InvalidArgument("\"topics\" must hold only strings, not " +
                                         TypeName(name));
        }
      }
      if (topics.empty()) {
        return Status::InvalidArgument("\"topics\" must be a non-empty array of topic names");
      }
    } else if (key == "message") {
      texts.emplace_back();
      if (auto e = RawText(value, &texts.back())) return NotJson(what, e);
    } else {
      od::array list;
      if (auto e = value.get_array().get(list)) {
        if (e != simdjson::INCORRECT_TYPE) return NotJson(what, e);
        return Status::InvalidArgument("\"messages\" must be an array, not " + TypeName(value));
      }
      for (auto element : list) {
        od::value message;
        if (auto e = std::move(element).get(message)) return NotJson(what, e);
        texts.emplace_back();
        if (auto e = RawText(message, &texts.back())) return NotJson(what, e);
      }
      if (texts.empty()) {
        return Status::InvalidArgument("\"messages\" is empty: nothing to publish");
      }
    }
  }
  // Past the object's end, the document has no location left (OUT_OF_BOUNDS).
  if (const char* rest = nullptr; doc.current_location().get(rest) == simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string(what) + " has text after its JSON object");
  }
  if (saw_topic == saw_topics) {
    return Status::InvalidArgument("a publish request names \"topic\" or \"topics\" (one of them)");
  }
  if (saw_message == saw_messages) {
    return Status::InvalidArgument(
        "a publish request has \"message\" or \"messages\" (one of them)");
  }
  std::vector<OutgoingMessage> out;
  out.reserve(topics.size() * texts.size());
  for (const std::string& topic : topics) {
    for (std::string_view text : texts) out.push_back({topic, std::string(text)});
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
  // A batch names few topics, each many times: quote each once.
  const std::string* topic = nullptr;
  std::string quoted;
  for (size_t i = 0; i < published.size(); ++i) {
    if (topic == nullptr || *topic != published[i].topic) {
      topic = &published[i].topic;
      quoted = Quoted(*topic);
    }
    if (i > 0) out += ',';
    out += "{\"topic\":" + quoted + ",\"offset\":" + std::to_string(published[i].offset) + "}";
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
