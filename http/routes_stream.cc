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
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "connection_guard.h"
#include "error_map.h"
#include "path_params.h"
#include "pdfs/topic_name.h"
#include "request_helpers.h"
#include "routes.h"

namespace pdfs::http {
namespace {

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

// Why a range cannot start at `r`: it is not a JSON document.
std::string NonDocumentError(const std::string& topic, const Record& r) {
  return "the item at location " + std::to_string(r.location) + " of topic " + topic + " is " +
         r.content_type.substr(0, 100) +
         ", not a JSON document, so it cannot be part of a range; read it alone with GET "
         "/stream/" +
         topic + "/" + std::to_string(r.location);
}

// The state of one streamed range, owned by the content provider.
struct RangeStream {
  std::unique_ptr<RangeReader> reader;
  // The range's first record, read before the answer's status was chosen.
  std::optional<Record> first;
  bool ndjson = false;
  bool started = false;
  bool done = false;  // the range reached an item that is not a document
  uint64_t sent = 0;
  std::string buffer;
};

// Streams the range chunked, or, to an HTTP/1.0 client (which knows no
// chunked coding), as a body that ends when the connection closes (the
// connection guard closes every HTTP/1.0 connection after its response).
//
// Only documents are shown inline: the range stops before the first item
// that is not one (an item another face stored with its own type), so the
// body is always valid JSON; a range that starts at such an item was
// refused before this (NonDocumentError), and that is what a client paging
// on from the end of this range gets, with the item's location.
void StreamRange(RouteContext& ctx, std::unique_ptr<RangeReader> reader,
                 std::optional<Record> first, bool ndjson, bool close_delimited,
                 httplib::Response& res) {
  auto stream = std::make_shared<RangeStream>();
  stream->reader = std::move(reader);
  stream->first = std::move(first);
  stream->ndjson = ndjson;
  Metrics* metrics = &ctx.metrics;
  auto provide = [stream, metrics](size_t, httplib::DataSink& sink) {
    std::string& buf = stream->buffer;
    buf.clear();
    if (!stream->started && !stream->ndjson) buf.push_back('[');
    while (buf.size() < kChunkBytes) {
      const Record* r = nullptr;
      if (stream->first) {
        r = &*stream->first;
      } else if (!stream->done) {
        r = stream->reader->Next();
        if (r != nullptr && !r->document) {
          r = nullptr;
          stream->done = true;
        }
      }
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
      stream->first.reset();  // (after its last use: r may point into it)
    }
    stream->started = true;
    return sink.write(buf.data(), buf.size());
  };
  auto release = [stream](bool) { stream->reader.reset(); };
  if (close_delimited) {
    res.set_content_provider(ndjson ? kNdjson : kJson, provide, release);
  } else {
    res.set_chunked_content_provider(ndjson ? kNdjson : kJson, provide, release);
  }
}

void GetDocuments(RouteContext& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string topic;
  if (!TopicFromPath(req, res, &topic)) return;
  LocationSpec spec;
  if (Status s = ParseLocationSpec(req.matches[2].str(), &spec); !s.ok()) return WriteError(res, s);
  bool has_limit = false;
  uint64_t limit = 0;
  // Checked on one location too (where it changes nothing), before waiting.
  if (!QueryU64(req, res, "limit", &has_limit, &limit)) return;
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
  if (has_limit && limit < end - spec.start) end = spec.start + limit;

  Result<std::unique_ptr<RangeReader>> reader = ctx.store->Read(topic, spec.start, end);
  if (!reader.ok()) return WriteError(res, reader.status());
  std::optional<Record> first;
  if (const Record* r = (*reader)->Next(); r != nullptr) {
    if (!r->document) return WriteError(res, 406, NonDocumentError(topic, *r));
    first = *r;
  } else if (!(*reader)->status().ok()) {
    return WriteError(res, (*reader)->status());
  }
  const bool ndjson = AcceptsNdjson(req.get_header_value("Accept"));
  StreamRange(ctx, std::move(reader).value(), std::move(first), ndjson, req.version == "HTTP/1.0",
              res);
}

// Reads the body through `content_reader` and parses it as it arrives,
// counting decoded bytes: a body over the limit (chunked, or a small gzip
// that inflates to more) is refused the moment it passes it, and never
// held whole; a syntax error stops the upload at once.
bool ParseBody(RouteContext& ctx, const httplib::Request& req, httplib::Response& res,
               const httplib::ContentReader& content_reader, DocumentBatch* batch,
               bool* saw_array) {
  const std::string coding = req.get_header_value("Content-Encoding");  // normalized
  if (!coding.empty() && coding != "gzip" && coding != "deflate") {
    WriteError(res, 415,
               "Content-Encoding \"" + coding.substr(0, 100) +
                   "\" is not accepted; send gzip, deflate or identity (no coding)");
    return false;
  }
  if (req.get_header_value("Content-Type").rfind("multipart/", 0) == 0) {
    WriteError(res, 415,
               "multipart bodies (curl -F) are not accepted; send the JSON itself as the body "
               "with Content-Type: application/json (curl --data-binary @FILE)");
    return false;
  }
  const size_t limit = ctx.options.max_body_bytes;
  // The body's limit is the server's; each document's (size and depth) is
  // the store's, as for every face.
  DocumentParser parser(DocumentParser::Shape::kObjectOrArray,
                        DocumentLimitsOf(ctx.store->options()));
  size_t total = 0;
  bool too_large = false;
  Status parsed = Status::Ok();
  const bool read = content_reader([&](const char* data, size_t n) {
    if (n > limit - total) {
      too_large = true;
      return false;
    }
    total += n;
    DocumentParser::FeedResult r = parser.Feed(std::string_view(data, n), batch);
    parsed = r.status;
    return parsed.ok();
  });
  if (too_large || res.status == 413) {  // 413: httplib's, for a Content-Length over the limit
    WriteError(res, 413,
               "the request body is larger than the limit of " + std::to_string(limit) + " bytes" +
                   (coding.empty() ? "" : " (decoded)") + "; nothing was stored");
    return false;
  }
  if (!parsed.ok()) {
    WriteError(res, parsed);
    return false;
  }
  // httplib's inflater does not report every corrupt stream; one that
  // decodes to nothing is said to be corrupt rather than empty.
  if (!read || (!coding.empty() && total == 0)) {
    WriteError(res, 400,
               coding.empty() ? std::string("the request body could not be read")
                              : "the " + coding + " body is corrupt or truncated");
    return false;
  }
  if (Status s = parser.Finish(); !s.ok()) {
    WriteError(res, s);
    return false;
  }
  *saw_array = parser.saw_array();
  return true;
}

void Append(RouteContext& ctx, const httplib::Request& req, httplib::Response& res,
            const httplib::ContentReader& content_reader) {
  std::string topic;
  if (!TopicFromPath(req, res, &topic)) return;
  DocumentBatch batch;
  bool saw_array = false;
  if (!ParseBody(ctx, req, res, content_reader, &batch, &saw_array)) return;
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

namespace {

// The stream API keeps no state of its own: its counters are the shared
// ones (Metrics), which it defined before there were other faces.
class StreamRoutes : public RouteFamily {
 public:
  void Register(httplib::Server& server, RouteContext& ctx) override {
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
    server.Post(topic, [&ctx](const httplib::Request& req, httplib::Response& res,
                              const httplib::ContentReader& content_reader) {
      Append(ctx, req, res, content_reader);
    });
    server.Delete(topic, [&ctx](const httplib::Request& req, httplib::Response& res) {
      std::string name;
      if (!TopicFromPath(req, res, &name)) return;
      if (Status s = ctx.store->DeleteTopic(name); !s.ok()) return WriteError(res, s);
      res.set_content(DeletedTopicBody(name), kJson);
    });
    server.Get(location, [&ctx](const httplib::Request& req, httplib::Response& res) {
      GetDocuments(ctx, req, res);
    });
    server.Delete(location, [&ctx](const httplib::Request& req, httplib::Response& res) {
      Truncate(ctx, req, res);
    });

    RegisterMethodNotAllowed(server, ctx, list, kGet);
    RegisterMethodNotAllowed(server, ctx, topic, kGet | kPost | kDelete);
    RegisterMethodNotAllowed(server, ctx, location, kGet | kDelete);
  }
};

}  // namespace

std::unique_ptr<RouteFamily> NewStreamRoutes() { return std::make_unique<StreamRoutes>(); }

}  // namespace pdfs::http
