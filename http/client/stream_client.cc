// StreamClient: see stream_client.h.
#include "pdfs/http/stream_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <utility>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "pdfs/document.h"

namespace pdfs::http {
namespace {

constexpr char kNdjson[] = "application/x-ndjson";
constexpr time_t kConnectTimeoutSeconds = 5;
// Per read and per write on the socket, not per request: a large range keeps
// arriving, so this only has to cover a server that pauses (compaction, fsync).
constexpr time_t kIoTimeoutSeconds = 60;
// A long-poll answers after up to `wait` seconds of silence; allow this much
// more before calling the server unresponsive.
constexpr time_t kWaitSlackSeconds = 30;
// The socket read timeout for a request that may long-poll `wait` seconds.
time_t ReadTimeoutFor(uint64_t wait_seconds) {
  return wait_seconds > 0
             ? static_cast<time_t>(std::min<uint64_t>(wait_seconds, 3600)) + kWaitSlackSeconds
             : kIoTimeoutSeconds;
}

// An error body is one sentence; keep no more than this of a strange one.
constexpr size_t kMaxErrorBody = 64 * 1024;

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (IsUnreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string LowerFirst(std::string s) {
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

// Text from the server goes to a terminal: no control characters, so a
// hostile server cannot send escape sequences.
std::string Printable(std::string_view text) {
  std::string out(text.substr(0, 1000));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::optional<ServerEndpoint> ParseEndpoint(const std::string& url) {
  ServerEndpoint e;
  std::string rest = url;
  if (size_t sep = rest.find("://"); sep != std::string::npos) {
    e.scheme = rest.substr(0, sep);
    std::transform(e.scheme.begin(), e.scheme.end(), e.scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    rest = rest.substr(sep + 3);
  } else {
    e.scheme = "http";
  }
  if (e.scheme != "http" && e.scheme != "https") return std::nullopt;
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) e.prefix = rest.substr(slash);
  while (!e.prefix.empty() && e.prefix.back() == '/') e.prefix.pop_back();
  for (unsigned char c : e.prefix) {
    if (c <= ' ' || c >= 0x7f || c == '?' || c == '#') return std::nullopt;
  }

  std::string port_text;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    e.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return std::nullopt;
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    e.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
  }
  if (e.host.empty() || e.host.find_first_of("@/ ") != std::string::npos) return std::nullopt;
  e.port = e.scheme == "https" ? 443 : 80;
  if (has_port) {
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), e.port);
    if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
        e.port < 1 || e.port > 65535) {
      return std::nullopt;
    }
  }
  return e;
}

// httplib reports only "Connection" when connect() fails. Trying once more
// with a plain socket tells the user why: refused, unreachable, unknown host.
std::string ConnectFailureReason(const ServerEndpoint& e) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (int rc = getaddrinfo(e.host.c_str(), std::to_string(e.port).c_str(), &hints, &list);
      rc != 0) {
    return LowerFirst(gai_strerror(rc));
  }
  int err = 0;
  for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    timeval tv{kConnectTimeoutSeconds, 0};  // SO_SNDTIMEO bounds connect() on Linux
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    err = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
    close(fd);
    if (err == 0) break;
  }
  freeaddrinfo(list);
  if (err == 0) return "the connection failed, but a second attempt got through";
  if (err == EINPROGRESS || err == EAGAIN) return "timed out";
  return LowerFirst(std::strerror(err));
}

Status NetworkError(httplib::Error error, const std::string& url, const ServerEndpoint& e) {
  switch (error) {
    case httplib::Error::Connection:
      return Status::Unavailable("cannot connect to " + url + ": " + ConnectFailureReason(e));
    case httplib::Error::ConnectionTimeout:
      return Status::Unavailable("cannot connect to " + url + ": timed out");
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
      return Status::Unavailable("cannot connect to " + url + ": TLS failed (" +
                                 httplib::to_string(error) + ")");
    case httplib::Error::Write:
      return Status::IOError("the connection to " + url + " broke while sending the request");
    case httplib::Error::Read:
      return Status::IOError("the connection to " + url +
                             " broke or timed out before the answer was complete");
    default:
      return Status::IOError("the request to " + url + " failed: " + httplib::to_string(error));
  }
}

Status ServerError(int http_status, const std::string& body, const std::string& url) {
  std::string message;
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (auto it = j.is_object() ? j.find("error") : j.end(); it != j.end() && it->is_string()) {
    message = Printable(it->get<std::string>());
  } else {
    message = "the server at " + url + " answered HTTP " + std::to_string(http_status);
  }
  // A pdfs server names the code; any other stream server is judged by its
  // HTTP status alone.
  if (auto it = j.is_object() ? j.find("code") : j.end(); it != j.end() && it->is_string()) {
    if (std::optional<Status::Code> code = Status::CodeFromName(it->get<std::string>())) {
      return Status::FromCode(*code, message);
    }
  }
  if (http_status == 404) return Status::NotFound(message);
  if (http_status == 409) return Status::Conflict(message);
  if (http_status == 413) return Status::TooLarge(message);
  if (http_status >= 500) return Status::Unavailable(message);
  return Status::InvalidArgument(message);
}

Status BadAnswer(const std::string& url, const std::string& what) {
  return Status::IOError("the server at " + url +
                         " sent an answer that is not the stream API's: " + what);
}

// The body of a 200 answer, or the error.
Result<std::string> BodyOf(httplib::Result r, const std::string& url, const ServerEndpoint& e) {
  if (!r) return NetworkError(r.error(), url, e);
  if (r->status != 200) return ServerError(r->status, r->body, url);
  return std::move(r->body);
}

bool MetaFromJson(const nlohmann::json& j, TopicMeta* meta) {
  if (!j.is_object()) return false;
  auto topic = j.find("topic"), count = j.find("count"), size = j.find("size");
  if (topic == j.end() || !topic->is_string() || count == j.end() || !count->is_number_unsigned() ||
      size == j.end() || !size->is_number_unsigned()) {
    return false;
  }
  meta->topic = topic->get<std::string>();
  meta->count = count->get<uint64_t>();
  meta->size = size->get<uint64_t>();
  return true;
}

// One topic's metadata: an object, or (as GET /stream/TOPIC answers) an
// array holding one.
Result<TopicMeta> OneMeta(const std::string& body, const std::string& url) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_array() && j.size() == 1) j = j[0];
  TopicMeta meta;
  if (!MetaFromJson(j, &meta)) return BadAnswer(url, "expected {\"topic\",\"count\",\"size\"}");
  return meta;
}

// Turns a range body into whole lines, one document each, for a LineSink.
// An application/x-ndjson body already is that. A JSON array (from a server
// that ignores the Accept header) goes through DocumentParser; it re-minifies
// documents that servers store minified, so their bytes do not change.
class RangeLines {
 public:
  RangeLines(std::optional<uint64_t> limit, const StreamClient::LineSink& sink, uint64_t* received)
      : limit_(limit), sink_(sink), received_(received) {}

  void Begin(bool ndjson) {
    ndjson_ = ndjson;
    if (!ndjson) {
      parser_.emplace(DocumentParser::Shape::kArrayOfObjects, DocumentParser::Limits{});
    }
  }

  // False ends the transfer: done() if the sink or the limit ended it, else
  // the body is malformed (status()).
  bool Feed(std::string_view data) { return ndjson_ ? FeedNdjson(data) : FeedArray(data); }

  // After the whole body: whether it ended where a document ends.
  Status Finish() {
    if (ndjson_) {
      if (!pending_.empty()) return Status::IOError("the range ended inside a document");
      return Status::Ok();
    }
    if (empty_array_) return Status::Ok();
    return parser_->Finish();
  }

  bool done() const { return done_; }
  const Status& status() const { return status_; }

 private:
  bool FeedNdjson(std::string_view data) {
    const size_t last = data.rfind('\n');
    if (last == std::string_view::npos) {
      pending_.append(data);
      return true;
    }
    const std::string_view whole = data.substr(0, last + 1);
    const uint64_t count = static_cast<uint64_t>(std::count(whole.begin(), whole.end(), '\n'));
    bool go;
    if (pending_.empty()) {
      go = Emit(whole, count);
    } else {
      pending_.append(whole);
      go = Emit(pending_, count);
    }
    pending_.assign(data.substr(last + 1));
    return go;
  }

  bool FeedArray(std::string_view data) {
    if (empty_array_) return true;  // only whitespace may follow "[]"
    // The parser refuses an empty array (a batch must not be empty), but an
    // empty range is "[]": remember the first two non-space bytes to tell.
    for (size_t i = 0; i < data.size() && head_.size() < 2; ++i) {
      if (data[i] != ' ' && data[i] != '\n' && data[i] != '\r' && data[i] != '\t') {
        head_.push_back(data[i]);
      }
    }
    DocumentParser::FeedResult r = parser_->Feed(data, &batch_);
    for (size_t i = 0; i < batch_.size(); ++i) {
      pending_.append(batch_[i]);
      pending_.push_back('\n');
    }
    const uint64_t count = batch_.size();
    batch_.Clear();
    if (count > 0 && !Emit(pending_, count)) return false;
    pending_.clear();
    if (!r.status.ok()) {
      if (head_ == "[]") {
        empty_array_ = true;
        return true;
      }
      status_ = r.status;
      return false;
    }
    return true;
  }

  // Hands `lines` to the sink, cut at the limit.
  bool Emit(std::string_view lines, uint64_t count) {
    if (limit_) {
      const uint64_t left = *limit_ - *received_;
      if (count >= left) {
        size_t end = 0;
        for (uint64_t n = 0; n < left; ++n) end = lines.find('\n', end) + 1;
        lines = lines.substr(0, end);
        count = left;
        done_ = true;
      }
    }
    if (count > 0 && !sink_(lines, count)) done_ = true;
    *received_ += count;
    return !done_;
  }

  const std::optional<uint64_t> limit_;
  const StreamClient::LineSink& sink_;
  uint64_t* const received_;
  bool ndjson_ = true;
  std::optional<DocumentParser> parser_;
  DocumentBatch batch_;
  std::string pending_;  // ndjson: the incomplete last line; array: lines to hand over
  std::string head_;
  bool empty_array_ = false;
  bool done_ = false;
  Status status_;
};

}  // namespace

Result<std::unique_ptr<StreamClient>> StreamClient::Open(const std::string& url) {
  std::optional<ServerEndpoint> endpoint = ParseEndpoint(url);
  if (!endpoint) {
    return Status::InvalidArgument("\"" + Printable(url) +
                                   "\" is not a server URL like http://127.0.0.1:9080");
  }
  return std::unique_ptr<StreamClient>(new StreamClient(url, std::move(*endpoint)));
}

StreamClient::StreamClient(std::string url, ServerEndpoint endpoint)
    : url_(std::move(url)), endpoint_(std::move(endpoint)) {
  if (endpoint_.scheme == "https") {
    http_ = std::make_unique<httplib::SSLClient>(endpoint_.host, endpoint_.port);
  } else {
    http_ = std::make_unique<httplib::ClientImpl>(endpoint_.host, endpoint_.port);
  }
  // Keep-alive without TCP_NODELAY costs about 40 ms per request (Nagle
  // against delayed ACK), which would dominate `write`.
  http_->set_keep_alive(true);
  http_->set_tcp_nodelay(true);
  http_->set_connection_timeout(kConnectTimeoutSeconds, 0);
  http_->set_read_timeout(kIoTimeoutSeconds, 0);
  http_->set_write_timeout(kIoTimeoutSeconds, 0);
  // TopicPath() already encodes; httplib must not encode again.
  http_->set_url_encode(false);
}

StreamClient::~StreamClient() = default;

Status StreamClient::CheckTopicArgument(const std::string& topic) {
  if (topic.empty()) return Status::InvalidArgument("the topic name is empty");
  if (topic == "." || topic == ".." || topic.find('/') != std::string::npos) {
    return Status::InvalidArgument("\"" + Printable(topic) +
                                   "\" is not a topic name (names cannot be \".\" or \"..\" or "
                                   "contain '/')");
  }
  return Status::Ok();
}

std::string StreamClient::TopicPath(const std::string& topic) const {
  return endpoint_.prefix + "/stream/" + PercentEncode(topic);
}

Result<std::vector<TopicMeta>> StreamClient::ListTopics(std::string* json) {
  Result<std::string> body = BodyOf(http_->Get(endpoint_.prefix + "/stream/"), url_, endpoint_);
  if (!body.ok()) return body.status();
  nlohmann::json j = nlohmann::json::parse(*body, nullptr, false);
  if (!j.is_array()) return BadAnswer(url_, "expected an array of topics");
  std::vector<TopicMeta> topics(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    if (!MetaFromJson(j[i], &topics[i])) {
      return BadAnswer(url_, "expected {\"topic\",\"count\",\"size\"}");
    }
  }
  if (json != nullptr) *json = std::move(body).value();
  return topics;
}

Result<TopicMeta> StreamClient::Stat(const std::string& topic, std::string* json) {
  Result<std::string> body = BodyOf(http_->Get(TopicPath(topic)), url_, endpoint_);
  if (!body.ok()) return body.status();
  if (json != nullptr) *json = *body;
  return OneMeta(*body, url_);
}

Result<std::vector<uint64_t>> StreamClient::Append(const std::string& topic,
                                                   const std::string& array, size_t count) {
  Result<std::string> body =
      BodyOf(http_->Post(TopicPath(topic), array, "application/json"), url_, endpoint_);
  if (!body.ok()) return body.status();
  nlohmann::json j = nlohmann::json::parse(*body, nullptr, false);
  auto list = j.is_object() ? j.find("location_list") : j.end();
  if (list == j.end() || !list->is_array() || list->size() != count) {
    return BadAnswer(
        url_, "expected {\"location_list\":[...]} with " + std::to_string(count) + " locations");
  }
  std::vector<uint64_t> locations;
  locations.reserve(count);
  for (const nlohmann::json& n : *list) {
    if (!n.is_number_unsigned()) return BadAnswer(url_, "a location is not a whole number");
    locations.push_back(n.get<uint64_t>());
  }
  return locations;
}

Result<TopicMeta> StreamClient::Truncate(const std::string& topic, const std::string& location,
                                         std::string* json) {
  Result<std::string> body =
      BodyOf(http_->Delete(TopicPath(topic) + "/" + PercentEncode(location)), url_, endpoint_);
  if (!body.ok()) return body.status();
  if (json != nullptr) *json = *body;
  return OneMeta(*body, url_);
}

Status StreamClient::DeleteTopic(const std::string& topic, std::string* json) {
  Result<std::string> body = BodyOf(http_->Delete(TopicPath(topic)), url_, endpoint_);
  if (!body.ok()) return body.status();
  if (json != nullptr) *json = std::move(body).value();
  return Status::Ok();
}

Result<std::string> StreamClient::GetDocument(const std::string& topic,
                                              const std::string& location) {
  return BodyOf(http_->Get(TopicPath(topic) + "/" + PercentEncode(location)), url_, endpoint_);
}

Status StreamClient::GetRange(const std::string& topic, const RangeQuery& query,
                              const LineSink& sink, uint64_t* received) {
  *received = 0;
  std::string path = TopicPath(topic) + "/" + PercentEncode(query.spec);
  char sep = '?';
  if (query.limit) {
    path += sep + ("limit=" + std::to_string(*query.limit));
    sep = '&';
  }
  if (query.wait_seconds > 0) path += sep + ("wait=" + std::to_string(query.wait_seconds));
  http_->set_read_timeout(ReadTimeoutFor(query.wait_seconds), 0);

  RangeLines lines(query.limit, sink, received);
  int status = 0;
  std::string error_body;
  httplib::Result r = http_->Get(
      path, httplib::Headers{{"Accept", kNdjson}},
      [&](const httplib::Response& res) {
        status = res.status;
        lines.Begin(res.get_header_value("Content-Type").find(kNdjson) != std::string::npos);
        return true;
      },
      [&](const char* data, size_t n) {
        if (status != 200) {
          const size_t room = kMaxErrorBody - std::min(kMaxErrorBody, error_body.size());
          error_body.append(data, std::min(n, room));
          return true;
        }
        return lines.Feed(std::string_view(data, n));
      });
  http_->set_read_timeout(kIoTimeoutSeconds, 0);
  if (lines.done()) return Status::Ok();
  if (!lines.status().ok()) return BadAnswer(url_, lines.status().message());
  if (!r) return NetworkError(r.error(), url_, endpoint_);
  if (status != 200) return ServerError(status, error_body, url_);
  if (Status s = lines.Finish(); !s.ok()) return BadAnswer(url_, s.message());
  return Status::Ok();
}

void StreamClient::Stop() { http_->stop(); }

Result<nlohmann::json> StreamClient::PostJson(const std::string& path, const std::string& body) {
  Result<std::string> answer =
      BodyOf(http_->Post(endpoint_.prefix + path, body, "application/json"), url_, endpoint_);
  if (!answer.ok()) return answer.status();
  nlohmann::json j = nlohmann::json::parse(*answer, nullptr, false);
  if (!j.is_object()) return BadAnswer(url_, "expected a JSON object");
  return j;
}

Result<std::vector<uint64_t>> StreamClient::Publish(const std::string& topic,
                                                    const std::string& array, size_t count) {
  // The array is spliced in as it is: re-encoding it would cost more than
  // the request.
  const std::string body =
      "{\"topic\":" + nlohmann::json(topic).dump() + ",\"messages\":" + array + "}";
  Result<nlohmann::json> j = PostJson("/publish", body);
  if (!j.ok()) return j.status();
  auto results = j->find("results");
  if (results == j->end() || !results->is_array() || results->size() != count) {
    return BadAnswer(url_,
                     "expected {\"results\":[...]} with " + std::to_string(count) + " offsets");
  }
  std::vector<uint64_t> offsets;
  offsets.reserve(count);
  for (const nlohmann::json& r : *results) {
    auto offset = r.is_object() ? r.find("offset") : r.end();
    if (offset == r.end() || !offset->is_number_unsigned()) {
      return BadAnswer(url_, "a result has no whole-number offset");
    }
    offsets.push_back(offset->get<uint64_t>());
  }
  return offsets;
}

Result<StreamClient::Pulled> StreamClient::Pull(const std::string& topic,
                                                const PullRequest& request) {
  nlohmann::json body = {{"topic", topic}, {"max", request.max}, {"wait", request.wait_seconds}};
  if (!request.group.empty()) body["group"] = request.group;
  if (request.offset) body["offset"] = *request.offset;
  if (request.commit) body["commit"] = *request.commit;
  http_->set_read_timeout(ReadTimeoutFor(request.wait_seconds), 0);
  Result<nlohmann::json> j = PostJson("/subscribe", body.dump());
  http_->set_read_timeout(kIoTimeoutSeconds, 0);
  if (!j.ok()) return j.status();
  auto messages = j->find("messages"), next = j->find("next_offset");
  if (messages == j->end() || !messages->is_array() || next == j->end() ||
      !next->is_number_unsigned()) {
    return BadAnswer(url_, "expected {\"messages\":[...],\"next_offset\":N}");
  }
  Pulled pulled;
  pulled.next_offset = next->get<uint64_t>();
  if (auto reset = j->find("reset"); reset != j->end() && reset->is_boolean()) {
    pulled.reset = reset->get<bool>();
  }
  if (auto from = j->find("reset_from"); from != j->end() && from->is_number_unsigned()) {
    pulled.reset_from = from->get<uint64_t>();
  }
  for (const nlohmann::json& m : *messages) {
    auto offset = m.is_object() ? m.find("offset") : m.end();
    if (offset == m.end() || !offset->is_number_unsigned()) {
      return BadAnswer(url_, "a message has no whole-number offset");
    }
    PulledMessage out;
    out.offset = offset->get<uint64_t>();
    if (auto value = m.find("value"); value != m.end()) {
      out.value = value->dump();
    } else if (auto text = m.find("text"); text != m.end() && text->is_string()) {
      out.value = text->dump();
    } else {
      return BadAnswer(url_, "a message has neither \"value\" nor \"text\"");
    }
    out.envelope = m.dump();
    pulled.messages.push_back(std::move(out));
  }
  return pulled;
}

Status StreamClient::Commit(const std::string& topic, const std::string& group, uint64_t offset) {
  const nlohmann::json body = {{"topic", topic}, {"group", group}, {"offset", offset}};
  return PostJson("/subscribe/commit", body.dump()).status();
}

}  // namespace pdfs::http
