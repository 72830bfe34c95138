// fuzz_http: HTTP requests end to end. Each input becomes the raw bytes of
// one connection to an http::Server in this process (started once, on port
// 0, over a Store in a temporary directory), sent over real loopback TCP.
//
// Input: one mode byte, then the request.
//   mode bit 0 set: the rest is sent verbatim (any bytes, pipelined
//                   requests, broken framing), followed by
//                   "GET /health ... Connection: close", which ends the
//                   exchange at once if the fuzzed bytes left the connection
//                   between two requests.
//   mode bit 0 clear: the rest is lines separated by '\n':
//       METHOD
//       TARGET                 (path and query, e.g. /stream/t/0-?limit=2)
//       Header: value          (zero or more)
//       <empty line>
//       BODY                   (everything after the empty line)
//     sent as "METHOD TARGET HTTP/1.1\r\n" + "Host: fuzz\r\n" + the headers +
//     "Content-Length: <body size>\r\n" (unless the input names
//     Content-Length or Transfer-Encoding itself) + "\r\n" + BODY.
//     Mode bit 1 set: "HTTP/1.0" instead of "HTTP/1.1".
// The client reads what the server sends. cpp-httplib answers nothing to a
// client that has half-closed, so the client keeps its side open until one
// complete final response has come (structured mode), or until the server
// closes, or until the connection has been silent for 50 ms (structured) or
// 20 ms (verbatim); only then does it half-close, so that a server waiting
// for more body meets EOF and closes.
//
// Invariants:
//  - the server never crashes or trips ASan/UBSan (its threads run in this
//    process, so a finding there aborts with this input saved);
//  - it answers or closes the connection within 10 s;
//  - what it sent is empty or a sequence of well-formed HTTP/1.1 responses:
//    a status line with a status 100..599, header lines with a ':', a body
//    framed by Content-Length or valid chunked encoding;
//  - no 500 (an exception or an internal error: always a bug here; the
//    store is on a healthy disk);
//  - a JSON response to a structured request is valid JSON, and an error
//    response is {"error": "<sentence>"};
//  - every 64 inputs (and after any input that got no response at all)
//    GET /health on a new connection answers 200 {"status":"ok",…}.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_support.h"
#include "pdfs/http/server.h"
#include "pdfs/store.h"

namespace pdfs::fuzz {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kResponseDeadline = std::chrono::seconds(10);
constexpr uint64_t kHealthEvery = 64;
// How long a connection may be silent before the client half-closes it:
// longer for one structured request, where silence means the server waits
// for more body, than for verbatim bytes, where it usually means the server
// waits for a next request.
constexpr char kLastRequest[] = "GET /health HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n";
constexpr auto kIdleStructured = std::chrono::milliseconds(50);
constexpr auto kIdleVerbatim = std::chrono::milliseconds(20);

// One server for the whole process. Never destroyed: libFuzzer ends the
// process with exit(), and tearing down a server whose threads may still be
// finishing a connection would only add noise; the directory is removed
// atexit.
struct Fixture {
  std::string dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<http::Server> server;
  int port = 0;
};

std::string g_dir_to_remove;

Fixture* GetFixture() {
  static Fixture* fixture = [] {
    auto* f = new Fixture;
    // Under $TMPDIR, which scripts/ci-fuzz.sh points into its build dir: a
    // crash aborts without atexit, and the directory must not pile up in /tmp.
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/pdfs-fuzz-http-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) Fail(__FILE__, __LINE__, "mkdtemp", tmpl);
    f->dir = tmpl;
    g_dir_to_remove = f->dir;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(g_dir_to_remove, ec);
    });
    Options options;
    // Fuzzing appends thousands of documents; fsync is not what is tested.
    options.sync = false;
    // The disk-free reserve would refuse appends on a nearly full /tmp.
    options.min_free_disk_bytes = 0;
    Result<std::unique_ptr<Store>> store = Store::Open(options, f->dir + "/data");
    if (!store.ok()) Fail(__FILE__, __LINE__, "Store::Open", store.status().ToString());
    f->store = std::move(store).value();
    http::ServerOptions so;
    so.host = "127.0.0.1";
    so.port = 0;
    // Small, so that the fuzzer reaches 413 with small inputs.
    so.max_body_bytes = 2048;
    so.threads = 8;
    // A long-poll would make an input take seconds; 0 refuses every wait
    // above 0 with 400 and still runs the code that parses it.
    so.max_wait_seconds = 0;
    f->server = std::make_unique<http::Server>(f->store.get(), so);
    if (Status s = f->server->Start(); !s.ok()) Fail(__FILE__, __LINE__, "Start", s.ToString());
    f->port = f->server->port();
    return f;
  }();
  return fixture;
}

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return v;
      }
    }
    return "";
  }
};

// Parses one response at `*pos` of `raw`; false (with `*why`) if malformed,
// or if `raw` ends before the response does (then `*incomplete` too).
// `head_only`: the request was HEAD, so a Content-Length frames no body.
bool ParseResponse(std::string_view raw, size_t* pos, bool head_only, Response* out,
                   std::string* why, bool* incomplete) {
  *incomplete = false;
  auto cut = [&](const char* what) {
    *incomplete = true;
    *why = what;
    return false;
  };
  const size_t head_end = raw.find("\r\n\r\n", *pos);
  if (head_end == std::string_view::npos) return cut("no end of the header block");
  std::string_view head = raw.substr(*pos, head_end - *pos);
  size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() < 12 || status_line.substr(0, 9) != "HTTP/1.1 " ||
      !std::isdigit(static_cast<unsigned char>(status_line[9])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[10])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[11]))) {
    return *why = "bad status line " + Printable(status_line), false;
  }
  out->status = std::stoi(std::string(status_line.substr(9, 3)));
  if (out->status < 100 || out->status > 599) return *why = "bad status", false;
  while (line_end != std::string_view::npos) {
    const size_t next = head.find("\r\n", line_end + 2);
    std::string_view line =
        head.substr(line_end + 2,
                    next == std::string_view::npos ? std::string_view::npos : next - line_end - 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return *why = "bad header line " + Printable(line), false;
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    out->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    line_end = next;
  }
  size_t p = head_end + 4;
  const std::string te = out->Header("Transfer-Encoding");
  const std::string cl = out->Header("Content-Length");
  if (out->status < 200 || out->status == 204 || out->status == 304 || head_only) {
    // No body.
  } else if (te == "chunked") {
    for (;;) {
      const size_t size_end = raw.find("\r\n", p);
      if (size_end == std::string_view::npos) return cut("chunk size line unterminated");
      const std::string size_text(raw.substr(p, size_end - p));
      if (size_text.empty() || size_text.size() > 15 ||
          size_text.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
        return *why = "bad chunk size " + Printable(size_text), false;
      }
      const size_t n = std::stoul(size_text, nullptr, 16);
      p = size_end + 2;
      if (n == 0) {
        if (raw.size() < p + 2) return cut("no CRLF after the last chunk");
        if (raw.substr(p, 2) != "\r\n") return *why = "no CRLF after the last chunk", false;
        p += 2;
        break;
      }
      if (raw.size() < p + n + 2) return cut("chunk shorter than its size");
      if (raw.substr(p + n, 2) != "\r\n") return *why = "no CRLF after a chunk", false;
      out->body.append(raw.substr(p, n));
      p += n + 2;
    }
  } else if (!cl.empty()) {
    if (cl.find_first_not_of("0123456789") != std::string::npos || cl.size() > 12) {
      return *why = "bad Content-Length " + Printable(cl), false;
    }
    const size_t n = std::stoul(cl);
    if (raw.size() < p + n) return cut("body shorter than its Content-Length");
    out->body = std::string(raw.substr(p, n));
    p += n;
  } else {
    out->body = std::string(raw.substr(p));  // delimited by the close
    p = raw.size();
  }
  *pos = p;
  return true;
}

// True iff `raw` starts with one complete final (non-1xx) response, after
// any interim ones.
bool HasFinalResponse(std::string_view raw, bool head_only);

// Sends `request` on a new connection and returns what the server sent.
// cpp-httplib 0.11.4 writes no response to a client that has half-closed
// (it peeks, sees EOF and drops the connection), so the client keeps its side
// open while it waits: until a complete final response if `one_response`,
// and otherwise until nothing has moved for `idle`; only then does it
// half-close, so that a server waiting for more (a body shorter than its
// Content-Length) meets EOF and closes. Fails the run if the exchange takes
// over 10 s. Closes with RST (SO_LINGER 0), so that thousands of inputs
// leave no TIME_WAIT sockets behind.
struct Exchanged {
  std::string data;          // everything the server sent
  bool half_closed = false;  // the client half-closed before the server closed
};

Exchanged Exchange(int port, std::string_view request, bool one_response, bool head_only,
                   std::chrono::milliseconds idle) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) Fail(__FILE__, __LINE__, "socket", "");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    Fail(__FILE__, __LINE__, "connect to the server", std::strerror(errno));
  }
  int yes = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  const linger no_linger{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_linger, sizeof(no_linger));
  Exchanged ex;
  std::string& response = ex.data;
  size_t sent = 0;
  bool write_open = true;
  const auto deadline = Clock::now() + kResponseDeadline;
  auto last_activity = Clock::now();
  auto ms_until = [](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now()).count();
  };
  for (;;) {
    if (ms_until(deadline) <= 0) {
      Fail(__FILE__, __LINE__, "the server answers or closes within 10 s",
           "request: " + Printable(request) + "\nresponse so far: " + Printable(response));
    }
    long wait = ms_until(deadline);
    if (write_open && sent == request.size()) {
      wait = std::min<long>(wait, ms_until(last_activity + idle));
      if (wait <= 0) {
        shutdown(fd, SHUT_WR);
        write_open = false;
        ex.half_closed = true;
        continue;
      }
    }
    const bool want_write = write_open && sent < request.size();
    pollfd p{fd, static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0};
    if (poll(&p, 1, static_cast<int>(wait)) < 0) continue;
    if (want_write && (p.revents & POLLOUT) != 0) {
      const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        last_activity = Clock::now();
      } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
        // The server closed before reading everything (an error answered
        // early): read what it said.
        shutdown(fd, SHUT_WR);
        write_open = false;
        ex.half_closed = true;
      }
    }
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      char buf[16384];
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n > 0) {
        response.append(buf, static_cast<size_t>(n));
        last_activity = Clock::now();
        if (one_response && HasFinalResponse(response, head_only)) break;
      } else if (n == 0 || errno != EINTR) {
        break;  // closed (or reset after an early answer)
      }
    }
  }
  close(fd);
  return ex;
}

bool HasFinalResponse(std::string_view raw, bool head_only) {
  size_t pos = 0;
  while (pos < raw.size()) {
    Response r;
    std::string why;
    bool incomplete = false;
    if (!ParseResponse(raw, &pos, head_only, &r, &why, &incomplete)) return false;
    if (r.status >= 200) return true;
  }
  return false;
}

// Checks what the server sent. `method` is the request's method in the
// structured mode, empty in the verbatim mode (then only the framing of each
// response is checked). A response cut short is accepted only where the
// client stopped it: after the first final response of a structured request
// (the client stops reading there), or after the client half-closed (httplib
// then stops writing).
void CheckResponses(std::string_view request, const Exchanged& ex, const std::string& method) {
  const std::string_view raw = ex.data;
  size_t pos = 0;
  bool first = true;
  bool final_seen = false;
  while (pos < raw.size()) {
    Response r;
    std::string why;
    bool incomplete = false;
    size_t p = pos;
    bool ok = ParseResponse(raw, &p, first && method == "HEAD", &r, &why, &incomplete);
    if (!first || method.empty()) {
      // A response to bytes whose method the client does not know (a body
      // the server did not read and took for another request, or verbatim
      // input): it may have answered a HEAD, with a Content-Length but no
      // body. Framed as HEAD, it is right if what follows is the end or the
      // next response; framed with a body, that body would swallow the next
      // response's first bytes.
      auto next_is_response = [&](size_t at) {
        return at == raw.size() || raw.substr(at, 9) == "HTTP/1.1 ";
      };
      Response as_head;
      size_t q = pos;
      bool incomplete_too = false;
      std::string why_head;
      if (ParseResponse(raw, &q, true, &as_head, &why_head, &incomplete_too) &&
          (!ok || (!next_is_response(p) && next_is_response(q)))) {
        ok = true;
        p = q;
        r = as_head;
      }
    }
    if (!ok && incomplete && (ex.half_closed || (final_seen && !method.empty()))) return;
    FUZZ_CHECK(ok, "malformed response: " + why + "\nrequest: " + Printable(request) +
                       "\nresponse: " + Printable(raw.substr(pos)));
    FUZZ_CHECK(r.status != 500, "500 Internal Server Error\nrequest: " + Printable(request) +
                                    "\nresponse: " + Printable(raw.substr(pos)));
    if (!final_seen && !method.empty() && method != "HEAD" && r.status >= 200 &&
        r.Header("Content-Type").rfind("application/json", 0) == 0) {
      nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
      FUZZ_CHECK(!body.is_discarded(), "a JSON response is not JSON\nrequest: " +
                                           Printable(request) + "\nbody: " + Printable(r.body));
      if (r.status >= 400) {
        FUZZ_CHECK(
            body.is_object() && body.size() == 2 && body.contains("error") &&
                body["error"].is_string() && !body["error"].get<std::string>().empty() &&
                body.contains("code") && body["code"].is_string() &&
                pdfs::Status::CodeFromName(body["code"].get<std::string>()).has_value(),
            "an error body is not {\"error\": sentence, \"code\": name}: " + Printable(r.body));
      }
    }
    final_seen = final_seen || r.status >= 200;
    pos = p;
    first = false;
  }
}

void CheckHealth(int port, const std::string& after) {
  const std::string raw =
      Exchange(port, "GET /health HTTP/1.1\r\nHost: fuzz\r\n\r\n", true, false, kIdleStructured)
          .data;
  FUZZ_CHECK(
      raw.rfind("HTTP/1.1 200", 0) == 0 && raw.find("\"status\":\"ok\"") != std::string::npos,
      "GET /health failed after the request " + Printable(after) + ": " + Printable(raw));
}

bool HasHeader(const std::vector<std::string_view>& headers, std::string_view name) {
  for (std::string_view h : headers) {
    if (h.size() >= name.size() &&
        std::equal(name.begin(), name.end(), h.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return true;
    }
  }
  return false;
}

}  // namespace
}  // namespace pdfs::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pdfs::fuzz;
  static uint64_t inputs = 0;
  Fixture* f = GetFixture();
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string request;
  std::string method;
  if (mode & 1) {
    // The server keeps a connection open for a next request; a last request
    // that asks it to close ends the exchange without waiting for idleness
    // whenever the fuzzed bytes left the connection between requests.
    request = std::string(rest) + kLastRequest;
  } else {
    std::vector<std::string_view> lines;
    size_t pos = 0;
    std::string_view body;
    while (lines.size() < 2 || pos < rest.size()) {
      const size_t nl = rest.find('\n', pos);
      std::string_view line = rest.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
      pos = nl == std::string_view::npos ? rest.size() : nl + 1;
      if (lines.size() >= 2 && line.empty()) {
        body = rest.substr(pos);
        break;
      }
      lines.push_back(line);
      if (nl == std::string_view::npos) break;
    }
    while (lines.size() < 2) lines.push_back(lines.empty() ? "GET" : "/");
    method = std::string(lines[0]);
    request = method + " " + std::string(lines[1]) + ((mode & 2) ? " HTTP/1.0" : " HTTP/1.1") +
              "\r\nHost: fuzz\r\n";
    std::vector<std::string_view> headers(lines.begin() + 2, lines.end());
    for (std::string_view h : headers) request += std::string(h) + "\r\n";
    if (!HasHeader(headers, "content-length") && !HasHeader(headers, "transfer-encoding") &&
        !body.empty()) {
      request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    request += "\r\n";
    request += body;
  }
  // Structured: one request, so one response is all there is to wait for
  // (bytes the server reads as a second request are not waited for).
  const bool structured = (mode & 1) == 0;
  // The method as the server reads it: the request line's first token. A
  // fuzzed first line with spaces in it ("HEAD /x HTTP/0.1\r") is still a
  // HEAD to the server, which then answers without a body.
  method = method.substr(0, method.find(' '));
  const Exchanged ex = Exchange(f->port, request, structured, method == "HEAD",
                                structured ? kIdleStructured : kIdleVerbatim);
  CheckResponses(request, ex, method);
  if (++inputs % kHealthEvery == 1 || ex.data.empty()) {
    CheckHealth(f->port, request);
  }
  return 0;
}
