// The PhatData stream service.
//
//   method  pattern                      handler
//   GET     /stream  /stream/            ListTopics      [{"topic","size","count"}, ...]
//   GET     /stream/:topic               TopicMetadata   [{"topic","size","count"}]
//   POST    /stream/:topic               Append          {"location":N} | {"location_list":[...]}
//   DELETE  /stream/:topic               DeleteTopic     {"topic":T,"deleted":true}
//   GET     /stream/:topic/:spec         GetDocuments    one document, or a streamed range
//   DELETE  /stream/:topic/:location     Truncate        {"topic","size","count"}
//   other methods on these patterns      405
//
// :spec is N, A-B (inclusive) or A-. Ranges take ?limit=N and
// Accept: application/x-ndjson; every GET of locations takes ?wait=SECONDS.
#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "error_map.h"
#include "path_params.h"
#include "pdfs/topic_name.h"
#include "routes.h"

namespace pdfs::http {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kJson[] = "application/json";
constexpr char kNdjson[] = "application/x-ndjson";
// Bytes gathered before one chunk is handed to the socket.
constexpr size_t kChunkBytes = 64 * 1024;

std::string MetaJson(const TopicMeta& m) {
  nlohmann::ordered_json j = {{"topic", m.topic}, {"size", m.size}, {"count", m.count}};
  return j.dump();
}

std::string MetaListJson(const std::vector<TopicMeta>& metas) {
  std::string out = "[";
  for (size_t i = 0; i < metas.size(); ++i) {
    if (i > 0) out += ",";
    out += MetaJson(metas[i]);
  }
  return out + "]";
}

// The topic segment of the path, validated before any work is done.
bool TopicFromPath(const httplib::Request& req, httplib::Response& res, std::string* topic) {
  if (HasEncodedSlash(req)) {
    WriteError(res, 400, kEncodedSlashError);
    return false;
  }
  *topic = req.matches[1].str();
  if (Status s = ValidateTopicName(*topic); !s.ok()) {
    WriteError(res, s);
    return false;
  }
  return true;
}

// Reads an optional unsigned query parameter.
bool QueryU64(const httplib::Request& req, httplib::Response& res, const char* name, bool* present,
              uint64_t* value) {
  *present = req.has_param(name);
  if (!*present) return true;
  if (Status s = ParseU64(req.get_param_value(name), std::string("query parameter ") + name, value);
      !s.ok()) {
    WriteError(res, s);
    return false;
  }
  return true;
}

// ?wait=SECONDS: how long the request may wait for `location` to exist.
bool WaitDeadline(const httplib::Request& req, httplib::Response& res, const RouteContext& ctx,
                  Clock::time_point* deadline) {
  bool present = false;
  uint64_t seconds = 0;
  if (!QueryU64(req, res, "wait", &present, &seconds)) return false;
  if (seconds > ctx.options.max_wait_seconds) {
    WriteError(res, 400,
               "query parameter wait must be at most " +
                   std::to_string(ctx.options.max_wait_seconds) + " seconds");
    return false;
  }
  *deadline = Clock::now() + std::chrono::seconds(seconds);
  return true;
}

// Waits until `location` exists in `topic` or the deadline passes, in short
// slices so that a stopping server ends the wait. An error is written to
// `res` and false returned if the topic is gone or the server stops.
bool WaitForLocation(RouteContext& ctx, const std::string& topic, uint64_t location,
                     Clock::time_point deadline, httplib::Response& res) {
  for (;;) {
    const auto slice = std::min(deadline, Clock::now() + std::chrono::milliseconds(250));
    Result<TopicMeta> meta = ctx.store->WaitForLocation(topic, location, slice);
    if (!meta.ok()) {
      WriteError(res, meta.status());
      return false;
    }
    if (meta->count > location || Clock::now() >= deadline) return true;
    if (ctx.stopping) {
      WriteError(res, 503, "the server is shutting down");
      return false;
    }
  }
}

// The state of one streamed range, owned by the content provider.
struct RangeStream {
  std::unique_ptr<RangeReader> reader;
  bool ndjson = false;
  bool started = false;
  uint64_t sent = 0;
  std::string buffer;
};

void StreamRange(RouteContext& ctx, std::unique_ptr<RangeReader> reader, bool ndjson,
                 httplib::Response& res) {
  auto stream = std::make_shared<RangeStream>();
  stream->reader = std::move(reader);
  stream->ndjson = ndjson;
  Metrics* metrics = &ctx.metrics;
  res.set_chunked_content_provider(
      ndjson ? kNdjson : kJson,
      [stream, metrics](size_t, httplib::DataSink& sink) {
        std::string& buf = stream->buffer;
        buf.clear();
        if (!stream->started && !stream->ndjson) buf.push_back('[');
        while (buf.size() < kChunkBytes) {
          const Record* r = stream->reader->Next();
          if (r == nullptr) {
            // An error in the middle of a range cannot change the status any
            // more: end the connection so the client sees a broken body
            // rather than a short, well-formed one.
            if (!stream->reader->status().ok()) return false;
            if (!stream->ndjson) buf.push_back(']');
            metrics->served_documents += stream->sent;
            if (!sink.write(buf.data(), buf.size())) return false;
            sink.done();
            return true;
          }
          if (!stream->ndjson && stream->started) buf.push_back(',');
          stream->started = true;
          buf.append(r->data);
          if (stream->ndjson) buf.push_back('\n');
          ++stream->sent;
        }
        stream->started = true;
        return sink.write(buf.data(), buf.size());
      },
      [stream](bool) { stream->reader.reset(); });
}

void GetDocuments(RouteContext& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string topic;
  if (!TopicFromPath(req, res, &topic)) return;
  LocationSpec spec;
  if (Status s = ParseLocationSpec(req.matches[2].str(), &spec); !s.ok()) return WriteError(res, s);
  Clock::time_point deadline;
  if (!WaitDeadline(req, res, ctx, &deadline)) return;
  if (Clock::now() < deadline && !WaitForLocation(ctx, topic, spec.start, deadline, res)) return;

  if (spec.kind == LocationSpec::Kind::kLocation) {
    Result<Record> rec = ctx.store->Get(topic, spec.start);
    if (!rec.ok()) return WriteError(res, rec.status());
    ++ctx.metrics.served_documents;
    res.set_content(rec->data, rec->content_type);
    return;
  }

  // [start, end) with end exclusive, computed without overflow.
  uint64_t end = UINT64_MAX;
  if (spec.kind == LocationSpec::Kind::kClosedRange && spec.end < UINT64_MAX) end = spec.end + 1;
  bool has_limit = false;
  uint64_t limit = 0;
  if (!QueryU64(req, res, "limit", &has_limit, &limit)) return;
  if (has_limit && limit < end - spec.start) end = spec.start + limit;

  Result<std::unique_ptr<RangeReader>> reader = ctx.store->Read(topic, spec.start, end);
  if (!reader.ok()) return WriteError(res, reader.status());
  const bool ndjson = req.get_header_value("Accept").find(kNdjson) != std::string::npos;
  StreamRange(ctx, std::move(reader).value(), ndjson, res);
}

void Append(RouteContext& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string topic;
  if (!TopicFromPath(req, res, &topic)) return;
  DocumentBatch batch;
  bool saw_array = false;
  if (Status s = DocumentParser::ParseAll(req.body, DocumentParser::Shape::kObjectOrArray,
                                          {.max_document_bytes = ctx.options.max_body_bytes},
                                          &batch, &saw_array);
      !s.ok()) {
    return WriteError(res, s);
  }
  Result<Store::AppendResult> r = ctx.store->Append(topic, batch);
  if (!r.ok()) return WriteError(res, r.status());
  ctx.metrics.appended_documents += batch.size();
  ctx.metrics.appended_bytes += batch.bytes();
  if (!saw_array) {
    res.set_content("{\"location\":" + std::to_string(r->first_location) + "}", kJson);
    return;
  }
  std::string body = "{\"location_list\":[";
  for (size_t i = 0; i < batch.size(); ++i) {
    if (i > 0) body += ",";
    body += std::to_string(r->first_location + i);
  }
  res.set_content(body + "]}", kJson);
}

void Truncate(RouteContext& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string topic;
  if (!TopicFromPath(req, res, &topic)) return;
  LocationSpec spec;
  if (Status s = ParseLocationSpec(req.matches[2].str(), &spec); !s.ok()) return WriteError(res, s);
  if (spec.kind != LocationSpec::Kind::kLocation) {
    return WriteError(res, 400,
                      "DELETE takes one location: the stream is cut there and everything after "
                      "it goes");
  }
  Result<TopicMeta> meta = ctx.store->Truncate(topic, spec.start);
  if (!meta.ok()) return WriteError(res, meta.status());
  res.set_content(MetaJson(*meta), kJson);
}

}  // namespace

bool HasEncodedSlash(const httplib::Request& req) {
  const std::string_view raw = std::string_view(req.target).substr(0, req.target.find('?'));
  return raw.find("%2F") != std::string_view::npos || raw.find("%2f") != std::string_view::npos;
}

void RegisterStreamRoutes(httplib::Server& server, RouteContext& ctx) {
  const std::string list = R"(/stream/?)";
  const std::string topic = R"(/stream/([^/]+))";
  const std::string location = R"(/stream/([^/]+)/([^/]+))";

  server.Get(list, [&ctx](const httplib::Request&, httplib::Response& res) {
    res.set_content(MetaListJson(ctx.store->ListTopics()), kJson);
  });
  server.Get(topic, [&ctx](const httplib::Request& req, httplib::Response& res) {
    std::string name;
    if (!TopicFromPath(req, res, &name)) return;
    Result<TopicMeta> meta = ctx.store->Stat(name);
    if (!meta.ok()) return WriteError(res, meta.status());
    res.set_content("[" + MetaJson(*meta) + "]", kJson);
  });
  server.Post(topic, [&ctx](const httplib::Request& req, httplib::Response& res) {
    Append(ctx, req, res);
  });
  server.Delete(topic, [&ctx](const httplib::Request& req, httplib::Response& res) {
    std::string name;
    if (!TopicFromPath(req, res, &name)) return;
    if (Status s = ctx.store->DeleteTopic(name); !s.ok()) return WriteError(res, s);
    nlohmann::ordered_json body = {{"topic", name}, {"deleted", true}};
    res.set_content(body.dump(), kJson);
  });
  server.Get(location, [&ctx](const httplib::Request& req, httplib::Response& res) {
    GetDocuments(ctx, req, res);
  });
  server.Delete(location, [&ctx](const httplib::Request& req, httplib::Response& res) {
    Truncate(ctx, req, res);
  });

  RegisterMethodNotAllowed(server, list, kGet);
  RegisterMethodNotAllowed(server, topic, kGet | kPost | kDelete);
  RegisterMethodNotAllowed(server, location, kGet | kDelete);
}

}  // namespace pdfs::http
