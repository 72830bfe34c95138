// StreamClient: the stream API of docs/PHATDATA.md, and Katar's publish and
// subscribe (docs/KATAR.md), spoken over HTTP for the client tools. It uses
// only the documented endpoints, so the stream commands work against any
// server that implements the stream spec, not just `pdfs serve`.
#ifndef PDFS_HTTP_STREAM_CLIENT_H_
#define PDFS_HTTP_STREAM_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "pdfs/status.h"
#include "pdfs/store.h"

namespace httplib {
class ClientImpl;
}

namespace pdfs::http {

// Where a server is, parsed from the URL the user gave.
struct ServerEndpoint {
  std::string scheme;  // "http" or "https"
  std::string host;    // without IPv6 brackets
  int port = 0;
  std::string prefix;  // path before /stream, without a trailing '/'
};

// A StreamClient belongs to one thread, except Stop(), which any thread may
// call. It keeps one keep-alive connection with TCP_NODELAY.
//
// Every failure is a Status whose message is a sentence for people: the
// server's own {"error": ...} sentence when it sent one, else what went wrong
// on the way. Codes: from the HTTP status as the server chose it (404
// NotFound, 409 Conflict, 413 TooLarge, other 3xx/4xx InvalidArgument, 5xx
// Unavailable); Unavailable when no connection could be made, so nothing
// happened; IOError when the connection broke after the request was sent, so
// its effect on the server is unknown.
class StreamClient {
 public:
  // `url` is http[s]://HOST[:PORT][/PREFIX]; a bare HOST:PORT means http.
  // InvalidArgument if it is not such a URL.
  static Result<std::unique_ptr<StreamClient>> Open(const std::string& url);
  ~StreamClient();
  StreamClient(const StreamClient&) = delete;
  StreamClient& operator=(const StreamClient&) = delete;

  // InvalidArgument for the topic names no request may carry because they
  // would change the URL's structure: "", ".", ".." and any name with '/'
  // (servers may decode %2F before routing). Every other name is sent
  // percent-encoded and judged by the server.
  static Status CheckTopicArgument(const std::string& topic);

  // The URL as given, for messages.
  const std::string& url() const { return url_; }

  // GET /stream/. `json`, if not null, receives the server's body verbatim.
  // Only topic, count and size of each TopicMeta are filled: the API has no
  // more.
  Result<std::vector<TopicMeta>> ListTopics(std::string* json = nullptr);
  // GET /stream/TOPIC.
  Result<TopicMeta> Stat(const std::string& topic, std::string* json = nullptr);
  // POST /stream/TOPIC with `array`, a JSON array of `count` documents; the
  // locations the server assigned, in order.
  Result<std::vector<uint64_t>> Append(const std::string& topic, const std::string& array,
                                       size_t count);
  // DELETE /stream/TOPIC/LOCATION; the topic's new metadata.
  Result<TopicMeta> Truncate(const std::string& topic, const std::string& location,
                             std::string* json = nullptr);
  // DELETE /stream/TOPIC.
  Status DeleteTopic(const std::string& topic, std::string* json = nullptr);
  // GET /stream/TOPIC/LOCATION: the document's bytes.
  Result<std::string> GetDocument(const std::string& topic, const std::string& location);

  struct RangeQuery {
    std::string spec;               // "A-B" (inclusive) or "A-"
    std::optional<uint64_t> limit;  // at most this many documents
    uint64_t wait_seconds = 0;      // long-poll: wait this long for location A
  };
  // Receives whole lines, each one document and '\n', and how many there are.
  // Returning false ends the transfer early (GetRange then succeeds).
  using LineSink = std::function<bool(std::string_view lines, uint64_t documents)>;
  // GET /stream/TOPIC/SPEC, streamed: memory stays flat whatever the range's
  // size. Asks for application/x-ndjson and also accepts a JSON array from a
  // server that ignores the Accept header. `*received` is the number of
  // documents given to `sink`, also on failure (a broken connection leaves
  // no partial line behind).
  Status GetRange(const std::string& topic, const RangeQuery& query, const LineSink& sink,
                  uint64_t* received);

  // Katar. POST /publish {"topic":TOPIC,"messages":ARRAY}, `array` holding
  // `count` JSON values, one atomic batch; the offsets assigned, in order.
  Result<std::vector<uint64_t>> Publish(const std::string& topic, const std::string& array,
                                        size_t count);

  struct PullRequest {
    std::string group;               // read from (and commit for) this group
    std::optional<uint64_t> offset;  // or from here (wins over the group's offset)
    std::optional<uint64_t> commit;  // the group's offset to commit before pulling
    uint64_t max = 1000;
    uint64_t wait_seconds = 0;
  };
  struct PulledMessage {
    uint64_t offset = 0;
    std::string value;     // the message as compact JSON; for an item that is
                           // not JSON, its text as a JSON string
    std::string envelope;  // the whole {"offset","timestamp",...} object, compact
  };
  struct Pulled {
    std::vector<PulledMessage> messages;
    uint64_t next_offset = 0;
    // The offset asked for is gone (retention, or the topic made again): the
    // pull started at the topic's first message, `reset_from` is what was asked.
    bool reset = false;
    uint64_t reset_from = 0;
  };
  // POST /subscribe.
  Result<Pulled> Pull(const std::string& topic, const PullRequest& request);
  // POST /subscribe/commit: `offset` is the next one the group will read.
  Status Commit(const std::string& topic, const std::string& group, uint64_t offset);

  // Makes a request in flight on another thread fail at once (with
  // Unavailable or IOError). Safe to call from any thread, any number of
  // times; a request started afterwards is not affected.
  void Stop();

 private:
  StreamClient(std::string url, ServerEndpoint endpoint);
  // The path of TOPIC, with every byte but A-Za-z0-9_.- percent-encoded.
  std::string TopicPath(const std::string& topic) const;
  // POST of a JSON body to PATH (after the prefix): the answer, parsed.
  Result<nlohmann::json> PostJson(const std::string& path, const std::string& body);

  const std::string url_;
  const ServerEndpoint endpoint_;
  std::unique_ptr<httplib::ClientImpl> http_;  // an SSLClient for https
};

}  // namespace pdfs::http

#endif  // PDFS_HTTP_STREAM_CLIENT_H_
