// Support for the reliability suites; see reliability_support.h.
#include "reliability/reliability_support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace pdfs::testing {
namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v, &end, 10);
  return *end == '\0' ? n : fallback;
}

std::string DocFileName(uint64_t location) {
  char name[32];
  std::snprintf(name, sizeof(name), "%06llu.json", static_cast<unsigned long long>(location));
  return name;
}

std::vector<std::string> SplitLines(const std::string& body) {
  std::vector<std::string> lines;
  size_t pos = 0;
  for (;;) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string::npos) break;
    lines.push_back(body.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

std::unique_ptr<httplib::Client> LoopbackClient(int port, int read_timeout_seconds) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);
  c->set_url_encode(false);
  c->set_connection_timeout(10, 0);
  c->set_read_timeout(read_timeout_seconds, 0);
  c->set_write_timeout(30, 0);
  return c;
}

uint64_t TopicReadback::DocBytes() const {
  uint64_t n = 0;
  for (const std::string& d : docs) n += d.size();
  return n;
}

bool ReadBack(httplib::Client& http, const std::string& topic, TopicReadback* out,
              std::string* error) {
  *out = TopicReadback();
  auto meta = http.Get(("/stream/" + topic).c_str());
  if (!meta) {
    *error = "GET /stream/" + topic + ": " + httplib::to_string(meta.error());
    return false;
  }
  if (meta->status == 404) return true;
  auto j = nlohmann::json::parse(meta->body, nullptr, false);
  if (meta->status != 200 || !j.is_array() || j.size() != 1) {
    *error = "GET /stream/" + topic + ": " + std::to_string(meta->status) + " " + meta->body;
    return false;
  }
  out->exists = true;
  out->count = j[0]["count"].get<uint64_t>();
  out->size = j[0]["size"].get<uint64_t>();
  auto range = http.Get(("/stream/" + topic + "/0-").c_str(),
                        httplib::Headers{{"Accept", "application/x-ndjson"}});
  if (!range || range->status != 200) {
    *error = "GET /stream/" + topic +
             "/0-: " + (range ? std::to_string(range->status) : httplib::to_string(range.error()));
    return false;
  }
  out->docs = SplitLines(range->body);
  return true;
}

RawConnection::RawConnection(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return;
  }
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  fd_ = fd;
}

RawConnection::~RawConnection() { Close(); }

void RawConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawConnection::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

void RawConnection::ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

std::string RawConnection::ReadUntilClose(std::chrono::milliseconds timeout, bool* closed) {
  const auto deadline = Clock::now() + timeout;
  std::string out;
  if (closed != nullptr) *closed = false;
  char buf[65536];
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, RemainingMs(deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return out;  // timed out
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      if (closed != nullptr) *closed = true;
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string RawConnection::ReadResponse(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string out;
  char buf[65536];
  size_t want = std::string::npos;  // bytes of head plus body, once known
  while (out.size() < want) {
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, RemainingMs(deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return out;
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
    const size_t head_end = out.find("\r\n\r\n");
    if (want == std::string::npos && head_end != std::string::npos) {
      size_t length = 0;
      const size_t cl = out.find("Content-Length: ");
      if (cl != std::string::npos && cl < head_end) {
        length = std::strtoull(out.c_str() + cl + 16, nullptr, 10);
      }
      want = head_end + 4 + length;
    }
  }
  return out;
}

bool RawConnection::PeerClosed(std::chrono::milliseconds timeout) {
  bool closed = false;
  ReadUntilClose(timeout, &closed);
  return closed;
}

int StatusOf(const std::string& response) {
  if (response.compare(0, 5, "HTTP/") != 0) return 0;
  const size_t space = response.find(' ');
  if (space == std::string::npos) return 0;
  return std::atoi(response.c_str() + space + 1);
}

int RawStatus(int port, const std::string& request, std::chrono::milliseconds timeout) {
  RawConnection c(port);
  if (!c.ok() || !c.Send(request)) return 0;
  return StatusOf(c.ReadResponse(timeout));
}

}  // namespace pdfs::testing
