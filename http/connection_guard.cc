// GuardedServer; see connection_guard.h.
#include "connection_guard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include "error_map.h"
#include "header_lists.h"

namespace pdfs::http {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Runs every connection on a thread of its own, up to `cap` at once, so
// that a request that waits (a long-poll) never keeps another from being
// served. Connections over the cap wait in a queue: the measure of
// "pressure". Threads are detached, with small stacks; shutdown() waits
// for every connection to end.
class WaitCountingPool : public httplib::TaskQueue {
 public:
  explicit WaitCountingPool(size_t cap) : cap_(std::max<size_t>(cap, 1)) {}
  ~WaitCountingPool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (running_ < cap_ && Spawn(fn)) {
      ++running_;
      return;
    }
    queue_.push_back(std::move(fn));
    waiting_ = queue_.size();
    if (running_ == 0) {  // no thread could be started: serve it here
      std::function<void()> first = std::move(queue_.front());
      queue_.pop_front();
      waiting_ = queue_.size();
      lock.unlock();
      first();
    }
  }

  void shutdown() override {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return running_ == 0 && queue_.empty(); });
  }

  size_t waiting() const { return waiting_; }

 private:
  struct Start {
    WaitCountingPool* pool;
    std::function<void()> fn;
  };

  // Starts a detached thread for `fn`; false if the system refuses one.
  bool Spawn(const std::function<void()>& fn) {
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) return false;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, kConnectionStackBytes);
    auto* start = new Start{this, fn};
    pthread_t thread;
    const int rc = pthread_create(&thread, &attr, &WaitCountingPool::Run, start);
    pthread_attr_destroy(&attr);
    if (rc != 0) delete start;
    return rc == 0;
  }

  // A connection thread: serves its connection, then queued ones, then ends.
  static void* Run(void* arg) {
    std::unique_ptr<Start> start(static_cast<Start*>(arg));
    WaitCountingPool* pool = start->pool;
    std::function<void()> fn = std::move(start->fn);
    start.reset();
    for (;;) {
      fn();
      std::lock_guard<std::mutex> lock(pool->mu_);
      if (pool->queue_.empty()) {
        --pool->running_;
        pool->idle_.notify_all();  // under the lock: the pool may go once it is released
        return nullptr;
      }
      fn = std::move(pool->queue_.front());
      pool->queue_.pop_front();
      pool->waiting_ = pool->queue_.size();
    }
  }

  const size_t cap_;
  std::mutex mu_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> queue_;
  size_t running_ = 0;
  std::atomic<size_t> waiting_{0};
};

namespace {

constexpr Cut kHeadTooLarge{431, "the request line and headers are larger than 65536 bytes"};
constexpr Cut kRequestLineTooLong{
    414, "the request line is longer than 2048 bytes; no path pdfs serves is that long"};
static_assert(kMaxRequestLineBytes == 2048, "kRequestLineTooLong names the limit");
constexpr Cut kHeaderLineTooLong{
    431, "a header line is longer than 8192 bytes; the request was not read"};
constexpr Cut kMalformedHeader{
    400, "a header line must be NAME: VALUE, with no whitespace before the colon"};
constexpr Cut kFoldedHeader{400, "header lines may not be folded (continued on a next line)"};
constexpr Cut kHeadTooSlow{408, "the request line and headers did not arrive in time"};
constexpr Cut kBodyTooSlow{408, "the request body arrived too slowly"};
constexpr Cut kBothLengths{400,
                           "a request may not carry both Content-Length and Transfer-Encoding"};
constexpr Cut kManyLengths{400, "a request may carry only one Content-Length"};
constexpr Cut kUnknownCoding{400, "the only transfer coding accepted is chunked"};
constexpr Cut kBadLength{400, "Content-Length must be a whole number of bytes"};

int MsLeft(Clock::time_point deadline, Clock::time_point now) {
  if (deadline <= now) return 0;
  return static_cast<int>(std::chrono::duration_cast<milliseconds>(deadline - now).count()) + 1;
}

// The socket of one connection, read through a small buffer (httplib reads
// request heads a byte at a time) under the limits of connection_guard.h.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int fd, const GuardedServer& server, std::chrono::seconds read_timeout,
                   std::chrono::seconds write_timeout)
      : fd_(fd), server_(server), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  // Waits for the next request's first byte. False if the connection should
  // close: the client left, it idled too long, or the server stops.
  bool WaitForRequest(std::chrono::seconds idle, const std::atomic<socket_t>& listening) {
    const auto start = Clock::now();
    while (pos_ == len_) {
      if (listening == INVALID_SOCKET) return false;
      const auto now = Clock::now();
      const auto limit =
          start + (Pressure() ? std::chrono::duration_cast<Clock::duration>(kIdleUnderPressure)
                              : std::chrono::duration_cast<Clock::duration>(idle));
      if (now >= limit) return false;
      pollfd p{fd_, POLLIN, 0};
      const int rc = ::poll(&p, 1, std::min(100, MsLeft(limit, now)));
      if (rc > 0) break;
      if (rc < 0 && errno != EINTR) return false;
    }
    phase_ = Phase::kHead;
    phase_start_ = Clock::now();
    head_bytes_ = 0;
    line_bytes_ = 0;
    lines_ = 0;
    prev_ = 0;
    colon_ = space_before_colon_ = folded_ = false;
    wrote_ = false;
    head_parsed_ = false;
    close_after_ = false;
    return true;
  }

  // The head has been parsed: the body (if any) follows. Refuses framing
  // that two parsers could read differently.
  void BeginBody(const httplib::Request& req) {
    phase_ = Phase::kBody;
    phase_start_ = Clock::now();
    body_bytes_ = 0;
    head_parsed_ = true;
    error_response_ = false;
    // A streamed response to HTTP/1.0 ends at the close (it knows no
    // chunked coding), so every HTTP/1.0 connection ends after one response.
    close_after_ = req.version == "HTTP/1.0";
    const bool coded = req.has_header("Transfer-Encoding");
    const std::string length = req.get_header_value("Content-Length");
    chunked_ = coded;
    expected_body_ = coded ? 0 : std::strtoull(length.c_str(), nullptr, 10);
    if (coded && req.has_header("Content-Length")) {
      cut_ = &kBothLengths;
    } else if (req.get_header_value_count("Content-Length") > 1) {
      cut_ = &kManyLengths;
    } else if (req.has_header("Content-Length") &&
               (length.empty() || length.size() > 19 ||
                length.find_first_not_of("0123456789") != std::string::npos)) {
      cut_ = &kBadLength;
    } else if (coded &&
               strcasecmp(req.get_header_value("Transfer-Encoding").c_str(), "chunked") != 0) {
      cut_ = &kUnknownCoding;
    }
  }

  // The request is answered with an error.
  void NoteErrorResponse() { error_response_ = true; }

  // Where the next request would start is unknown, so the connection must
  // close: a limit was broken, httplib could not parse the head (it answers
  // 400 or 414), or the body was not read to its end (httplib answered an
  // error while reading it; a chunked one's end is unknown after an error),
  // or the request is HTTP/1.0 (see BeginBody).
  bool FramingLost() const {
    return cut_ != nullptr || !head_parsed_ || close_after_ || (chunked_ && error_response_) ||
           (!chunked_ && body_bytes_ < expected_body_);
  }

  // True if the client has closed the connection (or its sending side)
  // and sent nothing more: a waiting request's answer has no reader.
  bool PeerClosed() const {
    if (pos_ < len_) return false;  // a pipelined request is waiting
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if ((p.revents & (POLLERR | POLLHUP | POLLRDHUP)) != 0) return true;
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
  }

  // True if the request was refused (an error response or a cut): its
  // client may still be sending what will never be read.
  bool Refused() const { return cut_ != nullptr || error_response_; }

  // True once anything was written for the current request.
  bool wrote() const { return wrote_; }

  // Set once the request broke a limit; the connection then closes.
  const Cut* cut() const { return cut_; }

  bool is_readable() const override {
    if (pos_ < len_) return true;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(read_timeout_.count() * 1000)) > 0;
  }

  bool is_writable() const override {
    pollfd p{fd_, POLLOUT, 0};
    return ::poll(&p, 1, static_cast<int>(write_timeout_.count() * 1000)) > 0 &&
           (p.revents & (POLLERR | POLLHUP)) == 0;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (cut_ != nullptr) return -1;
    if (pos_ == len_ && !Fill()) return -1;
    size_t n = std::min(size, len_ - pos_);
    if (phase_ == Phase::kHead) {
      if (head_bytes_ + n > kMaxHeadBytes) {
        cut_ = lines_ == 0 ? &kRequestLineTooLong : &kHeadTooLarge;
        return -1;
      }
      head_bytes_ += n;
      // httplib refuses a header line over kMaxHeaderLineBytes as a bare
      // 400; the request line (its first) is refused here as 414 past
      // kMaxRequestLineBytes.
      // Header lines that httplib would misread are refused (RFC 9112
      // 5.1, 5.2): a line without a colon, whitespace before the colon
      // ("Content-Length : 7"), a folded line (starting with whitespace).
      for (size_t i = 0; i < n; ++i) {
        const char ch = buf_[pos_ + i];
        if (ch == '\n') {
          const bool blank = line_bytes_ == 0 || (line_bytes_ == 1 && prev_ == '\r');
          if (lines_ > 0 && !blank && (!colon_ || space_before_colon_ || folded_)) {
            cut_ = folded_ ? &kFoldedHeader : &kMalformedHeader;
            return -1;
          }
          line_bytes_ = 0;
          colon_ = space_before_colon_ = folded_ = false;
          ++lines_;
        } else {
          if (line_bytes_ == 0 && (ch == ' ' || ch == '\t')) folded_ = true;
          if (!colon_ && ch == ':') {
            colon_ = true;
            space_before_colon_ = prev_ == ' ' || prev_ == '\t';
          }
          ++line_bytes_;
          if (lines_ == 0 && line_bytes_ + 1 > kMaxRequestLineBytes) {
            cut_ = &kRequestLineTooLong;
            return -1;
          }
          if (line_bytes_ + 1 > kMaxHeaderLineBytes && lines_ > 0) {
            cut_ = &kHeaderLineTooLong;
            return -1;
          }
        }
        prev_ = ch;
      }
    } else {
      body_bytes_ += n;
    }
    std::memcpy(ptr, buf_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    wrote_ = true;
    if (!is_writable()) return -1;
    ssize_t n;
    do {
      n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      Describe(addr, len, ip, port);
  }

  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      Describe(addr, len, ip, port);
  }

  socket_t socket() const override { return fd_; }

 private:
  enum class Phase { kHead, kBody };

  bool Pressure() const { return server_.waiting() > 0; }

  // When the bytes read so far stop being enough.
  Clock::time_point Deadline() const {
    if (phase_ == Phase::kHead) return phase_start_ + (Pressure() ? kUnderPressure : kHeadTimeout);
    // Each byte buys 1/kMinBodyRate s beyond the grace.
    const auto earned = std::chrono::microseconds(body_bytes_ * 1000000 / kMinBodyRate);
    return phase_start_ + (Pressure() ? kUnderPressure : kBodyGrace) + earned;
  }

  // Refills the buffer: waits for bytes within httplib's read timeout and
  // the phase's deadline, re-checked every 100 ms since pressure may come.
  bool Fill() {
    const auto read_start = Clock::now();
    for (;;) {
      const auto now = Clock::now();
      if (now >= Deadline()) {
        cut_ = phase_ == Phase::kHead ? &kHeadTooSlow : &kBodyTooSlow;
        return false;
      }
      const auto timeout = read_start + read_timeout_;
      if (now >= timeout) {  // a pause mid-request: as slow as a trickle
        cut_ = phase_ == Phase::kHead ? &kHeadTooSlow : &kBodyTooSlow;
        return false;
      }
      pollfd p{fd_, POLLIN, 0};
      const int rc = ::poll(&p, 1, std::min({100, MsLeft(Deadline(), now), MsLeft(timeout, now)}));
      if (rc < 0 && errno != EINTR) return false;
      if (rc <= 0) continue;
      ssize_t n;
      do {
        n = ::recv(fd_, buf_, sizeof(buf_), 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return false;  // closed by the client, or an error
      pos_ = 0;
      len_ = static_cast<size_t>(n);
      return true;
    }
  }

  static void Describe(const sockaddr_storage& addr, socklen_t len, std::string& ip, int& port) {
    char host[NI_MAXHOST], service[NI_MAXSERV];
    if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof(host), service,
                      sizeof(service), NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
      ip = host;
      port = std::atoi(service);
    }
  }

  const int fd_;
  const GuardedServer& server_;
  const std::chrono::seconds read_timeout_;
  const std::chrono::seconds write_timeout_;
  char buf_[16 * 1024];
  size_t pos_ = 0;
  size_t len_ = 0;
  Phase phase_ = Phase::kHead;
  Clock::time_point phase_start_;
  size_t head_bytes_ = 0;
  size_t line_bytes_ = 0;  // of the head line being read, without its '\n'
  size_t lines_ = 0;       // head lines read
  char prev_ = 0;          // the byte before, in the head
  bool colon_ = false;     // the line being read has a colon
  bool space_before_colon_ = false;
  bool folded_ = false;  // it starts with whitespace
  size_t body_bytes_ = 0;
  bool wrote_ = false;        // a response to this request was begun
  bool close_after_ = false;  // HTTP/1.0: the connection ends with the response
  bool head_parsed_ = false;
  bool chunked_ = false;
  uint64_t expected_body_ = 0;  // Content-Length
  bool error_response_ = false;
  const Cut* cut_ = nullptr;
};

thread_local ConnectionStream* tls_stream = nullptr;

// Brings a parsed head into the one form the handlers and httplib's body
// reader expect:
//  - Content-Encoding names are case-insensitive (RFC 9110 8.4.1), x-gzip
//    is gzip and identity is no coding at all; httplib only knows "gzip"
//    and "deflate" spelled so, and took any other name as no coding.
//  - Accept-Encoding loses "br" (see below).
//  - A request with neither Content-Length nor Transfer-Encoding has no
//    body (RFC 9112 6.3); httplib read one until the read timed out (5 s).
void NormalizeRequest(httplib::Request& req) {
  if (req.has_header("Content-Encoding")) {
    std::string codings;
    for (std::string name : HeaderListItems(req.get_header_value("Content-Encoding"))) {
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (name == "x-gzip") name = "gzip";
      if (name != "identity") codings += (codings.empty() ? "" : ", ") + name;
    }
    req.headers.erase("Content-Encoding");
    if (!codings.empty()) req.headers.emplace("Content-Encoding", codings);
  }
  // Brotli in httplib compresses at its slowest level (5 MB took 11.5 s);
  // without "br" httplib answers gzip or identity.
  if (req.has_header("Accept-Encoding")) {
    std::string kept;
    for (const std::string& token : HeaderListItems(req.get_header_value("Accept-Encoding"))) {
      if (token.find("br") != std::string::npos || token.find("BR") != std::string::npos) continue;
      kept += (kept.empty() ? "" : ",") + token;
    }
    req.headers.erase("Accept-Encoding");
    if (!kept.empty()) req.headers.emplace("Accept-Encoding", kept);
  }
  if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
    req.headers.emplace("Content-Length", "0");
  }
}

// httplib gives no response at all when the request line itself cannot
// be read; a request cut there (trickled, or paused past the read timeout)
// is answered here, in the error body's shape.
void WriteCut(ConnectionStream& stream, const Cut& cut) {
  const char* reason = cut.status == 408   ? "Request Timeout"
                       : cut.status == 431 ? "Request Header Fields Too Large"
                       : cut.status == 414 ? "URI Too Long"
                                           : "Bad Request";
  const std::string body = ErrorBody(CodeForRefusal(cut.status), cut.message);
  const std::string response =
      "HTTP/1.1 " + std::to_string(cut.status) + " " + reason +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  stream.write(response.data(), response.size());
}

// A refused request's client may still be sending its body (a chunked
// upload refused at the limit). Closing a socket with unread bytes sends a
// reset, and a reset can make the client's system drop the response it has
// not read yet; so the response is followed by our end of the stream, and
// what the client still sends is read and thrown away until it closes,
// for at most kLinger.
void LingerAndDrain(int sock) {
  ::shutdown(sock, SHUT_WR);
  const auto deadline = Clock::now() + kLinger;
  char buf[16 * 1024];
  for (;;) {
    const auto now = Clock::now();
    if (now >= deadline) return;
    pollfd p{sock, POLLIN, 0};
    const int rc = ::poll(&p, 1, MsLeft(deadline, now));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return;
    const ssize_t n = ::recv(sock, buf, sizeof(buf), 0);
    if (n == 0 || (n < 0 && errno != EINTR)) return;
  }
}

}  // namespace

GuardedServer::GuardedServer(size_t threads) {
  new_task_queue = [this, threads] {
    auto* pool = new WaitCountingPool(threads);
    pool_ = pool;
    return pool;
  };
}

const Cut* GuardedServer::CurrentCut() {
  return tls_stream != nullptr ? tls_stream->cut() : nullptr;
}

bool GuardedServer::NoteErrorResponse() {
  if (tls_stream != nullptr) tls_stream->NoteErrorResponse();
  return WillClose();
}

bool GuardedServer::ClientGone() { return tls_stream != nullptr && tls_stream->PeerClosed(); }

bool GuardedServer::WillClose() { return tls_stream != nullptr && tls_stream->FramingLost(); }

size_t GuardedServer::waiting() const {
  WaitCountingPool* pool = pool_;
  return pool != nullptr ? pool->waiting() : 0;
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  int yes = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  ConnectionStream stream(sock, *this, std::chrono::seconds(read_timeout_sec_),
                          std::chrono::seconds(write_timeout_sec_));
  tls_stream = &stream;
  bool ret = false;
  bool linger = false;
  for (size_t left = keep_alive_max_count_; left > 0; --left) {
    if (!stream.WaitForRequest(std::chrono::seconds(keep_alive_timeout_sec_), svr_sock_)) break;
    bool connection_closed = false;
    ret = process_request(stream, left == 1, connection_closed, [&stream](httplib::Request& req) {
      // pdfs serves no byte ranges (its ranges are locations in the path),
      // but httplib would cut every response, errors and JSON answers
      // included, to a Range header: ignore it, as RFC 9110 allows.
      req.ranges.clear();
      NormalizeRequest(req);
      stream.BeginBody(req);
    });
    if (stream.cut() != nullptr && !stream.wrote()) WriteCut(stream, *stream.cut());
    if (!ret || connection_closed || stream.FramingLost()) {
      linger = stream.FramingLost() && stream.Refused();
      break;
    }
  }
  tls_stream = nullptr;
  if (linger) LingerAndDrain(sock);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ret;
}

}  // namespace pdfs::http
