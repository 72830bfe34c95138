// Katar topics (docs/KATAR.md): configuration, publish, subscribe. The
// bodies are parsed and written by engine/katar (wire.h); this file moves
// them and maps errors.
//
//   method  pattern                     handler
//   GET     /topic  /topic/             {"topics":[...]}
//   POST    /topic  /topic/             create from {"name","config"}          201
//   GET     /topic/:name                {"topic","config","first","count","size"}
//   POST    /topic/:name                create from the config body            201
//   PUT     /topic/:name                replace the config
//   PATCH   /topic/:name                change the named settings
//   DELETE  /topic/:name                {"topic","deleted":true}
//   POST    /publish  /publish/         {"results":[{"topic","offset"},...]}
//   POST    /publish/:topic             one raw JSON value: {"topic","offset"}
//   POST    /subscribe  /subscribe/     a pull: {"topic","messages",...}
//   GET     /subscribe/commit           ?topic=&group=: {"topic","group","offset"}
//   POST    /subscribe/commit           {"topic","group","offset","moved"}
//   GET     /subscribe/:topic           one message: ?offset=N, else the latest
//   other methods on these patterns     405
#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "error_map.h"
#include "pdfs/katar/publish.h"
#include "pdfs/katar/subscribe.h"
#include "pdfs/katar/topics.h"
#include "pdfs/katar/wire.h"
#include "request_helpers.h"
#include "routes.h"

namespace pdfs::http {
namespace {

// What the Katar face counts, beyond what every family does. Lock-free.
struct KatarCounters {
  std::atomic<uint64_t> topics_created{0};
  std::atomic<uint64_t> published_messages{0};
  std::atomic<uint64_t> pulled_messages{0};
  std::atomic<uint64_t> commits{0};
};

// Writes the value of a Result as JSON, or its error.
template <typename T, typename Format>
void Answer(httplib::Response& res, const Result<T>& result, Format format, int status = 200) {
  if (!result.ok()) return WriteError(res, result.status());
  res.status = status;
  res.set_content(format(*result), kJson);
}

void CreateTopic(RouteContext& ctx, KatarCounters& counters, httplib::Response& res,
                 const std::string& name, const std::string& config) {
  Result<katar::CreatedTopic> created = katar::CreateTopic(*ctx.store, name, config);
  if (created.ok()) ++counters.topics_created;
  Answer(res, created, katar::CreatedTopicJson, 201);
}

// Publishes and counts; the caller writes the answer.
Result<std::vector<katar::PublishedMessage>> Publish(
    RouteContext& ctx, KatarCounters& counters,
    const std::vector<katar::OutgoingMessage>& messages) {
  Result<std::vector<katar::PublishedMessage>> published = katar::Publish(*ctx.store, messages);
  if (published.ok()) {
    ctx.metrics.appended_documents += published->size();
    counters.published_messages += published->size();
  }
  return published;
}

Result<katar::CommittedOffset> Commit(RouteContext& ctx, KatarCounters& counters,
                                      const std::string& group, const std::string& topic,
                                      uint64_t offset) {
  Result<katar::CommittedOffset> committed = katar::CommitOffset(*ctx.store, group, topic, offset);
  if (committed.ok()) ++counters.commits;
  return committed;
}

// A pull whose wait is served here, in slices (WaitForLocation), rather
// than inside the engine: a stopping server or a client that left ends it.
void Pull(RouteContext& ctx, KatarCounters& counters, const httplib::Request& req,
          httplib::Response& res) {
  Result<katar::PullBody> body = katar::ParsePullBody(req.body, ctx.store->options());
  if (!body.ok()) return WriteError(res, body.status());
  katar::PullRequest request = body->request;
  const auto max_wait = std::chrono::seconds(ctx.options.max_wait_seconds);
  if (request.wait > max_wait) {
    return WriteError(res, 400,
                      "\"wait\" must be at most " + std::to_string(ctx.options.max_wait_seconds) +
                          " seconds on this server");
  }
  if (body->commit) {
    Result<katar::CommittedOffset> committed =
        Commit(ctx, counters, request.group, request.topic, *body->commit);
    if (!committed.ok()) return WriteError(res, committed.status());
  }
  const Clock::time_point deadline = Clock::now() + request.wait;
  request.wait = std::chrono::milliseconds(0);
  Result<katar::PullResult> pulled = katar::Pull(*ctx.store, request);
  if (pulled.ok() && pulled->messages.empty() && Clock::now() < deadline) {
    if (!WaitForLocation(ctx, request.topic, pulled->next_offset, deadline, res)) return;
    pulled = katar::Pull(*ctx.store, request);
  }
  if (pulled.ok()) {
    ctx.metrics.served_documents += pulled->messages.size();
    counters.pulled_messages += pulled->messages.size();
  }
  Answer(res, pulled, katar::PullResultJson);
}

// GET /subscribe/:topic: the message at ?offset=N, else the latest.
void GetOneMessage(RouteContext& ctx, KatarCounters& counters, const httplib::Request& req,
                   httplib::Response& res) {
  std::string topic;
  if (!TopicFromPath(req, res, &topic)) return;
  bool has_offset = false;
  uint64_t offset = 0;
  if (!QueryU64(req, res, "offset", &has_offset, &offset)) return;
  if (!has_offset) {
    Result<TopicMeta> meta = ctx.store->Stat(topic);
    if (!meta.ok()) return WriteError(res, meta.status());
    if (meta->count == meta->first) {
      return WriteError(res, Status::NotFound("topic \"" + topic + "\" has no messages"));
    }
    offset = meta->count - 1;
  }
  katar::PullRequest request;
  request.topic = topic;
  request.offset = offset;
  request.max_messages = 1;
  Result<katar::PullResult> pulled = katar::Pull(*ctx.store, request);
  if (!pulled.ok()) return WriteError(res, pulled.status());
  if (pulled->messages.empty() || pulled->messages[0].offset != offset) {
    return WriteError(res, Status::NotFound("topic \"" + topic + "\" has no message at offset " +
                                            std::to_string(offset)));
  }
  ++ctx.metrics.served_documents;
  ++counters.pulled_messages;
  res.set_content(katar::MessageJson(pulled->messages[0]), kJson);
}

void GetGroupOffset(RouteContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string topic = req.get_param_value("topic");
  const std::string group = req.get_param_value("group");
  if (req.get_param_value_count("topic") != 1 || req.get_param_value_count("group") != 1) {
    return WriteError(res, 400, "give the query parameters topic and group, once each");
  }
  Result<uint64_t> offset = katar::GetCommittedOffset(*ctx.store, group, topic);
  Answer(res, offset, [&](uint64_t o) { return katar::GroupOffsetJson(topic, group, o); });
}

class KatarRoutes : public RouteFamily {
 public:
  void Register(httplib::Server& server, RouteContext& ctx) override {
    const std::string topics = R"(/topic/?)";
    const std::string topic = R"(/topic/([^/]+))";
    const std::string publish = R"(/publish/?)";
    const std::string publish_to = R"(/publish/([^/]+))";
    const std::string subscribe = R"(/subscribe/?)";
    const std::string commit = R"(/subscribe/commit)";
    // Not "commit": httplib tries every handler that reads its own body (as
    // the 405s of RegisterMethodNotAllowed do) before the others, so an
    // overlapping pattern would refuse POST /subscribe/commit.
    const std::string subscribe_to = R"(/subscribe/((?!commit$)[^/]+))";

    server.Get(topics, [&ctx](const httplib::Request&, httplib::Response& res) {
      res.set_content(katar::TopicListJson(katar::ListTopics(*ctx.store)), kJson);
    });
    server.Post(topics, [this, &ctx](const httplib::Request& req, httplib::Response& res) {
      Result<katar::CreateBody> body = katar::ParseCreateBody(req.body, ctx.store->options());
      if (!body.ok()) return WriteError(res, body.status());
      CreateTopic(ctx, counters_, res, body->name, body->config_json);
    });
    server.Get(topic, [&ctx](const httplib::Request& req, httplib::Response& res) {
      std::string name;
      if (!TopicFromPath(req, res, &name)) return;
      Answer(res, katar::GetTopic(*ctx.store, name), katar::TopicViewJson);
    });
    server.Post(topic, [this, &ctx](const httplib::Request& req, httplib::Response& res) {
      std::string name;
      if (!TopicFromPath(req, res, &name)) return;
      CreateTopic(ctx, counters_, res, name, req.body);
    });
    server.Put(topic, [&ctx](const httplib::Request& req, httplib::Response& res) {
      std::string name;
      if (!TopicFromPath(req, res, &name)) return;
      Answer(res, katar::ReplaceTopicConfig(*ctx.store, name, req.body), katar::TopicConfigJson);
    });
    server.Patch(topic, [&ctx](const httplib::Request& req, httplib::Response& res) {
      std::string name;
      if (!TopicFromPath(req, res, &name)) return;
      Answer(res, katar::PatchTopicConfig(*ctx.store, name, req.body), katar::TopicConfigJson);
    });
    server.Delete(topic, [&ctx](const httplib::Request& req, httplib::Response& res) {
      std::string name;
      if (!TopicFromPath(req, res, &name)) return;
      if (Status s = katar::DeleteTopic(*ctx.store, name); !s.ok()) return WriteError(res, s);
      res.set_content(DeletedTopicBody(name), kJson);
    });

    server.Post(publish, [this, &ctx](const httplib::Request& req, httplib::Response& res) {
      Result<std::vector<katar::OutgoingMessage>> messages =
          katar::ParsePublishBody(req.body, ctx.store->options());
      if (!messages.ok()) return WriteError(res, messages.status());
      Answer(res, Publish(ctx, counters_, *messages), katar::PublishedJson);
    });
    server.Post(publish_to, [this, &ctx](const httplib::Request& req, httplib::Response& res) {
      std::string name;
      if (!TopicFromPath(req, res, &name)) return;
      Answer(res, Publish(ctx, counters_, {{name, req.body}}),
             [](const std::vector<katar::PublishedMessage>& p) {
               return katar::PublishedMessageJson(p.at(0));
             });
    });

    server.Post(subscribe, [this, &ctx](const httplib::Request& req, httplib::Response& res) {
      Pull(ctx, counters_, req, res);
    });
    server.Get(commit, [&ctx](const httplib::Request& req, httplib::Response& res) {
      GetGroupOffset(ctx, req, res);
    });
    server.Post(commit, [this, &ctx](const httplib::Request& req, httplib::Response& res) {
      Result<katar::CommitBody> body = katar::ParseCommitBody(req.body, ctx.store->options());
      if (!body.ok()) return WriteError(res, body.status());
      Answer(res, Commit(ctx, counters_, body->group, body->topic, body->offset),
             [&](const katar::CommittedOffset& c) {
               return katar::CommittedJson(body->topic, body->group, c);
             });
    });
    server.Get(subscribe_to, [this, &ctx](const httplib::Request& req, httplib::Response& res) {
      GetOneMessage(ctx, counters_, req, res);
    });

    RegisterMethodNotAllowed(server, ctx, topics, kGet | kPost);
    RegisterMethodNotAllowed(server, ctx, topic, kGet | kPost | kPut | kPatch | kDelete);
    RegisterMethodNotAllowed(server, ctx, publish, kPost);
    RegisterMethodNotAllowed(server, ctx, publish_to, kPost);
    RegisterMethodNotAllowed(server, ctx, subscribe, kPost);
    RegisterMethodNotAllowed(server, ctx, commit, kGet | kPost);
    RegisterMethodNotAllowed(server, ctx, subscribe_to, kGet);
  }

  void AppendMetrics(MetricsText& out) const override {
    out.Add("pdfs_katar_topics_created_total", "counter", "Topics created with POST /topic.",
            counters_.topics_created);
    out.Add("pdfs_katar_published_messages_total", "counter", "Messages published.",
            counters_.published_messages);
    out.Add("pdfs_katar_pulled_messages_total", "counter",
            "Messages handed to consumers (pulls and GET /subscribe/TOPIC).",
            counters_.pulled_messages);
    out.Add("pdfs_katar_commits_total", "counter", "Consumer group offsets committed.",
            counters_.commits);
  }

 private:
  KatarCounters counters_;
};

}  // namespace

std::unique_ptr<RouteFamily> NewKatarRoutes() { return std::make_unique<KatarRoutes>(); }

}  // namespace pdfs::http
