// The hostile-input catalogue: one row per input, sent to the real
// `pdfs mount MNT --data DIR --listen 127.0.0.1:0 -f` (default limits)
// over HTTP or through the mount. Each row names what it sends, the answer
// it expects (an HTTP status or an errno) and what it observed; after each
// one the store must be unchanged — topics, counts, sizes and bytes over
// HTTP, the listing and sample documents through the mount — and the server
// must answer GET /health on a fresh connection.
//
// Rows whose input is accepted by design (duplicate keys, a number of
// 100,000 digits) check what was stored, then remove it again. Rows that
// stress memory read the daemon's resident set from /proc.
//
// Every row prints a Markdown table line ("| … |"); docs/RELIABILITY.md
// holds the table from a run:
//   reliability_hostile_input_test | grep '^| '
// The name-, number- and body-validation cases of the API itself are
// tests/http/stream_api_test.cc; the connection limits are
// tests/http/connection_guard_test.cc. This catalogue runs the real
// program, both faces, and checks the whole store after every input.
#include <errno.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <thread>

#include <zlib.h>
#include <nlohmann/json.hpp>

#include "fs/mount_fixture.h"
#include "reliability/reliability_support.h"
#include "support/proc_stats.h"

namespace pdfs {
namespace {

using json = nlohmann::json;
using namespace pdfs::testing;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kMaxBody = 64 * kMiB;  // pdfs's default --max-body

// The daemon and the state every row must leave as it found it.
struct Daemon {
  TempDir dir;
  std::string mnt;
  std::unique_ptr<MountedPdfs> pdfs;
  std::string topics;  // GET /stream/
  std::map<std::string, std::vector<std::string>> docs;
  std::string channels;   // GET /channel
  std::string channel_t;  // GET /channel/t: t's Hub config
  pid_t pid() { return pdfs->process().pid(); }
  int port() const { return pdfs->port(); }
};
Daemon* g_daemon = nullptr;

// ---------------------------------------------------------------------------
// What a row does.

std::string Errno(int err) {
  if (err == 0) return "success";
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : std::to_string(err);
}

// The status of the answer to `request` on a fresh connection, or why
// there was none.
std::string Send(const std::string& request,
                 std::chrono::milliseconds wait = std::chrono::seconds(30)) {
  RawConnection c(g_daemon->port());
  if (!c.ok()) return "no connection";
  const bool sent = c.Send(request);
  const std::string response = c.ReadResponse(wait);
  if (StatusOf(response) != 0) return std::to_string(StatusOf(response));
  return sent ? "no answer" : "reset";
}

std::string Request(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& headers = "") {
  return method + " " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
         headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string Get(const std::string& target) { return Send(Request("GET", target)); }
std::string Post(const std::string& target, const std::string& body) {
  return Send(Request("POST", target, body));
}

std::string Nested(size_t depth) {
  return "{\"a\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
}

std::string Mount(const std::string& rel) { return g_daemon->mnt + "/" + rel; }

// A request with a Content-Type of its own (Request's is JSON).
std::string Typed(const std::string& method, const std::string& target, const std::string& type,
                  const std::string& body) {
  return method + " " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The status of the answer to `request` on a fresh connection and, for an
// error, its Content-Type: the Hub face answers errors in plain text
// (docs/HUB.md), so a JSON error there is a row that fails.
std::string SendHub(const std::string& request) {
  RawConnection c(g_daemon->port());
  if (!c.ok()) return "no connection";
  const bool sent = c.Send(request);
  const std::string response = c.ReadResponse(std::chrono::seconds(60));
  const int status = StatusOf(response);
  if (status == 0) return sent ? "no answer" : "reset";
  std::string out = std::to_string(status);
  if (status < 400) return out;
  std::string type = "no Content-Type";
  const std::string head = response.substr(0, response.find("\r\n\r\n"));
  for (size_t at = head.find("\r\n"); at != std::string::npos; at = head.find("\r\n", at + 2)) {
    const std::string line = head.substr(at + 2, head.find("\r\n", at + 2) - at - 2);
    const size_t colon = line.find(':');
    if (colon != std::string::npos && strncasecmp(line.c_str(), "content-type", colon) == 0 &&
        colon == 12) {
      type = line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return out + " " + type;
}

// A multipart/mixed body of the parts given (each: its data, type text/plain).
std::string Multipart(const std::vector<std::string>& parts) {
  std::string body;
  for (const std::string& p : parts) body += "--b\r\nContent-Type: text/plain\r\n\r\n" + p + "\r\n";
  return body + "--b--\r\n";
}
const std::string kMixed = "multipart/mixed; boundary=b";

// A key of a location that was cut and re-used: the old key names the
// location, but the item there now was appended later (docs/HUB.md, Keys).
// Made in a scratch channel that is deleted again.
std::string KeyOfCutLocation() {
  auto http = LoopbackClient(g_daemon->port());
  if (auto r = http->Put("/channel/cutc", "", "application/json"); !r || r->status != 201) {
    return "PUT /channel/cutc failed";
  }
  auto first = http->Post("/channel/cutc", "first", "text/plain");
  const std::string url = first ? first->get_header_value("Location") : "";
  std::string out;
  auto cut = http->Delete("/stream/cutc/0");
  // A later millisecond, so that the item re-using location 0 has another key.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto second = http->Post("/channel/cutc", "second", "text/plain");
  if (url.empty() || !cut || cut->status != 200 || !second || second->status != 201 ||
      second->get_header_value("Location") == url) {
    out = "setup failed";
  } else {
    const std::string path = url.substr(url.find('/', url.find("://") + 3));
    out = SendHub(Typed("GET", path, "text/plain", ""));
  }
  auto gone = http->Delete("/channel/cutc");
  if (!gone || gone->status != 202) out += ", DELETE /channel/cutc failed";
  return out;
}

// A historical insert after the channel's mutableTime, into a scratch
// historical channel that is deleted again: the answer, or what went wrong.
std::string HistoricalInsertAfterMutableTime() {
  auto http = LoopbackClient(g_daemon->port());
  if (auto r = http->Put("/channel/histc", R"({"mutableTime":"2020-01-01T00:00:00.000Z"})",
                         "application/json");
      !r || r->status != 201) {
    return "PUT /channel/histc failed";
  }
  std::string out =
      SendHub(Typed("POST", "/channel/histc/2021/01/01/00/00/00/000/late", "text/plain", "x"));
  auto count = http->Get("/stream/histc");
  if (!count || count->body.find("\"count\":0") == std::string::npos) out += ", stored";
  auto gone = http->Delete("/channel/histc");
  if (!gone || gone->status != 202) out += ", DELETE /channel/histc failed";
  return out;
}

// Writes `bytes` to a new name in topic t (one write() per MiB), then
// closes; "write: E…" or "close: E…" for the first failure.
std::string AppendThroughMount(const std::string& bytes, const std::string& name = "x") {
  std::vector<std::string> pieces;
  for (size_t at = 0; at < bytes.size(); at += kMiB) pieces.push_back(bytes.substr(at, kMiB));
  AppendOutcome out = AppendFile(Mount("t/" + name), pieces);
  for (const Sys& w : out.writes) {
    if (!w.ok()) return "write " + Errno(w.err);
  }
  return out.close.ok() ? "success" : "close " + Errno(out.close.err);
}

std::string Syscall(long result) { return result == 0 ? "success" : Errno(errno); }

// Removes a topic a row created on purpose.
void Remove(const std::string& topic) {
  EXPECT_EQ(Send(Request("DELETE", "/stream/" + topic)), "200") << topic;
}

// The only document of `topic`, over HTTP.
std::string OnlyDocument(const std::string& topic) {
  auto http = LoopbackClient(g_daemon->port());
  TopicReadback got;
  std::string error;
  if (!ReadBack(*http, topic, &got, &error) || got.docs.size() != 1) return "";
  return got.docs[0];
}

// The daemon's largest resident set while it runs, sampled every 5 ms,
// above what it was when the sampler started. (Its lifetime peak, VmHWM,
// would hide a row's growth behind an earlier row's.)
class RssGrowth {
 public:
  RssGrowth() : start_(ResidentBytes(g_daemon->pid())), peak_(start_) {
    thread_ = std::thread([this] {
      while (!stop_) {
        peak_ = std::max<uint64_t>(peak_, ResidentBytes(g_daemon->pid()));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  ~RssGrowth() { Stop(); }
  // Stops sampling; the growth in bytes (also printed).
  uint64_t Stop() {
    if (thread_.joinable()) {
      stop_ = true;
      thread_.join();
      std::printf("    resident set grew by up to %llu MiB\n",
                  static_cast<unsigned long long>((peak_ - start_) / kMiB));
    }
    return peak_ - start_;
  }
  // Stops sampling; ", <within>" if the growth stayed under `bound` bytes,
  // else ", <beyond>". In a sanitizer build the daemon's resident set says
  // nothing about pdfs (ASan keeps freed blocks in a quarantine of up to
  // 256 MiB, both sanitizers add shadow memory): the growth is printed but
  // not judged there; the ordinary build judges it.
  std::string Judge(uint64_t bound, const std::string& within, const std::string& beyond) {
    const uint64_t grew = Stop();
    if (kSanitizerBuild && grew >= bound) std::printf("    (not judged: a sanitizer build)\n");
    return ", " + (grew < bound || kSanitizerBuild ? within : beyond);
  }

 private:
  const uint64_t start_;
  std::atomic<uint64_t> peak_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// ---------------------------------------------------------------------------
// The rows.

struct Row {
  std::string id;                     // test name
  std::string face;                   // HTTP or mount
  std::string input;                  // what is sent, for the table
  std::vector<std::string> expected;  // any of these
  std::function<std::string()> run;   // returns what was observed
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.id; }

std::vector<Row> Rows() {
  std::vector<Row> rows;
  auto add = [&rows](std::string id, std::string face, std::string input,
                     std::vector<std::string> expected, std::function<std::string()> run) {
    rows.push_back(
        Row{std::move(id), std::move(face), std::move(input), std::move(expected), std::move(run)});
  };
  const std::string h = "HTTP", m = "mount";

  // --- names -----------------------------------------------------------
  add("NameDotDot", h, "`POST /stream/..`", {"400"}, [] { return Post("/stream/..", "{}"); });
  add("NameEncodedDotDot", h, "`POST /stream/%2E%2E`", {"400"},
      [] { return Post("/stream/%2E%2E", "{}"); });
  add("NamePathTraversal", h, "`POST /stream/../../etc/passwd`", {"404"},
      [] { return Post("/stream/../../etc/passwd", "{}"); });
  add("NameEncodedSlash", h, "`DELETE /stream/t%2F0` (decoded: truncate t at 0)", {"400"},
      [] { return Send(Request("DELETE", "/stream/t%2F0")); });
  add("NameNul", h, "`POST /stream/a%00b`", {"400"}, [] { return Post("/stream/a%00b", "{}"); });
  add("NameNotUtf8", h, "`POST /stream/%FF%FE`", {"400"},
      [] { return Post("/stream/%FF%FE", "{}"); });
  add("NameLeadingDot", h, "`POST /stream/.hidden`", {"400"},
      [] { return Post("/stream/.hidden", "{}"); });
  add("NameEncodedSpace", h, "`POST /stream/a%20b`", {"400"},
      [] { return Post("/stream/a%20b", "{}"); });
  add("NameRawSpace", h, "`POST /stream/a b` (a space in the request line)", {"400"},
      [] { return Post("/stream/a b", "{}"); });
  add("Name129Bytes", h, "`POST /stream/` + 129 × `x`", {"400"},
      [] { return Post("/stream/" + std::string(129, 'x'), "{}"); });
  add("NameCrLf", h, "`GET /stream/t%0D%0AX:y` (header injection)", {"400"},
      [] { return Get("/stream/t%0D%0AX:y"); });
  add("Name10MB", h, "`POST /stream/` + 10 MB name", {"414", "reset"},
      [] { return Post("/stream/" + std::string(10 * kMiB, 'x'), "{}"); });

  // --- locations, ranges, numbers -----------------------------------------
  add("NumberOverflow", h, "`GET /stream/t/18446744073709551616` (2^64)", {"400"},
      [] { return Get("/stream/t/18446744073709551616"); });
  add("NumberNegative", h, "`GET /stream/t/-1`", {"400"}, [] { return Get("/stream/t/-1"); });
  add("NumberPlusSign", h, "`GET /stream/t/%2B1`", {"400"}, [] { return Get("/stream/t/%2B1"); });
  add("NumberHex", h, "`GET /stream/t/0x10`", {"400"}, [] { return Get("/stream/t/0x10"); });
  add("NumberLeadingZeros", h, "`GET /stream/t/` + 1000 zeros + `1`", {"200"},
      [] { return Get("/stream/t/" + std::string(1000, '0') + "1"); });
  add("RangeEndBeforeStart", h, "`GET /stream/t/5-1`", {"400"},
      [] { return Get("/stream/t/5-1"); });
  add("LocationMax", h, "`GET /stream/t/18446744073709551615`", {"404"},
      [] { return Get("/stream/t/18446744073709551615"); });
  add("RangeToMax", h, "`GET /stream/t/0-18446744073709551615`", {"200"},
      [] { return Get("/stream/t/0-18446744073709551615"); });
  add("LimitOverflow", h, "`GET /stream/t/0-?limit=99999999999999999999`", {"400"},
      [] { return Get("/stream/t/0-?limit=99999999999999999999"); });
  add("LimitNegative", h, "`GET /stream/t/0-?limit=-1`", {"400"},
      [] { return Get("/stream/t/0-?limit=-1"); });
  add("WaitOverMax", h, "`GET /stream/t/100-?wait=301` (max 300)", {"400"},
      [] { return Get("/stream/t/100-?wait=301"); });
  add("WaitOverflow", h, "`GET /stream/t/100-?wait=18446744073709551616`", {"400"},
      [] { return Get("/stream/t/100-?wait=18446744073709551616"); });
  add("DeleteRange", h, "`DELETE /stream/t/0-5`", {"400"},
      [] { return Send(Request("DELETE", "/stream/t/0-5")); });
  add("DeleteNegative", h, "`DELETE /stream/t/-0`", {"400"},
      [] { return Send(Request("DELETE", "/stream/t/-0")); });

  // --- bodies --------------------------------------------------------------
  add("BodyEmpty", h, "`POST /stream/t`, empty body", {"400"},
      [] { return Post("/stream/t", ""); });
  add("BodyEmptyArray", h, "`[]`", {"400"}, [] { return Post("/stream/t", "[]"); });
  add("BodyTwoObjects", h, "`{}{}`", {"400"}, [] { return Post("/stream/t", "{}{}"); });
  add("BodyTrailingJunk", h, "`{} x`", {"400"}, [] { return Post("/stream/t", "{} x"); });
  add("BodyByteOrderMark", h, "UTF-8 byte order mark + `{}`", {"400"},
      [] { return Post("/stream/t", "\xEF\xBB\xBF{}"); });
  add("BodyNested100kArrays", h, "`{\"a\":[[[…]]]}`, 100,000 levels", {"400"},
      [] { return Post("/stream/t", Nested(100000)); });
  add("BodyNested100kObjects", h, "`{\"a\":{\"a\":…}}`, 100,000 levels", {"400"}, [] {
    std::string body;
    for (int i = 0; i < 100000; ++i) body += "{\"a\":";
    return Post("/stream/t", body + "1" + std::string(100000, '}'));
  });
  add("BodyInvalidUtf8", h, "`{\"a\":\"\\xFF\"}` (a raw 0xFF byte)", {"400"},
      [] { return Post("/stream/t", "{\"a\":\"\xFF\"}"); });
  add("BodyLoneSurrogate", h, "`{\"a\":\"\\ud800\"}`", {"400"},
      [] { return Post("/stream/t", "{\"a\":\"\\ud800\"}"); });
  add("BodyRawNul", h, "`{\"a\":\"` NUL `\"}`", {"400"},
      [] { return Post("/stream/t", std::string("{\"a\":\"\0\"}", 9)); });
  add("BodyDuplicateKeys", h, "`{\"a\":1,\"a\":2}` (accepted, stored as sent)", {"200 as sent"},
      [] {
        std::string status = Post("/stream/dup", "{\"a\": 1, \"a\": 2}");
        if (status == "200")
          status += OnlyDocument("dup") == "{\"a\":1,\"a\":2}" ? " as sent" : " altered";
        Remove("dup");
        return status;
      });
  add("BodyHugeNumber", h, "a number of 100,000 digits (accepted, stored as sent)", {"200 as sent"},
      [] {
        const std::string doc = "{\"n\":" + std::string(100000, '7') + "}";
        std::string status = Post("/stream/big", doc);
        if (status == "200") status += OnlyDocument("big") == doc ? " as sent" : " altered";
        Remove("big");
        return status;
      });
  add("Body100MBString", h, "a 100 MB string, Content-Length (server memory measured)",
      {"413, memory flat"}, [] {
        RssGrowth rss;
        std::string status = Post("/stream/t", "{\"a\":\"" + std::string(100 * kMiB, 'x') + "\"}");
        return status + rss.Judge(16 * kMiB, "memory flat", "memory grew");
      });
  add("Body100MBStringChunked", h,
      "a 100 MB string, chunked (no length up front; server memory measured)",
      {"413, memory bounded"}, [] {
        RssGrowth rss;
        RawConnection c(g_daemon->port());
        c.Send(
            "POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n6\r\n{\"a\":\"\r\n");
        const std::string chunk = "100000\r\n" + std::string(kMiB, 'x') + "\r\n";
        for (int i = 0; i < 100 && c.Send(chunk); ++i) {
        }
        c.Send("2\r\n\"}\r\n0\r\n\r\n");
        const int status = StatusOf(c.ReadResponse(std::chrono::seconds(60)));
        // httplib gathers a chunked body up to the limit before refusing it.
        return std::to_string(status) +
               rss.Judge(4 * kMaxBody + 1, "memory bounded", "memory grew without bound");
      });
  add("BodyTruncated", h, "`Content-Length: 100`, 10 bytes sent, then the client closes",
      {"400, nothing stored", "no answer, nothing stored"}, [] {
        RawConnection c(g_daemon->port());
        c.Send(
            "POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 100\r\n\r\n{\"a\":\"xxx");
        c.ShutdownWrite();
        const std::string response = c.ReadUntilClose(std::chrono::seconds(30));
        return (response.empty() ? std::string("no answer") : std::to_string(StatusOf(response))) +
               ", nothing stored";  // the check after the row says whether that is so
      });
  add("BodySlowLoris", h, "a body trickled at 1 byte/s (others served meanwhile)",
      {"408, closed, others served"}, [] {
        RawConnection c(g_daemon->port());
        c.Send(
            "POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 1000\r\n\r\n{\"a\":\"");
        const auto start = Clock::now();
        bool closed = false, others = true;
        const std::string response = c.Trickle("x", std::chrono::seconds(120), &closed,
                                               [&] { others = others && Get("/health") == "200"; });
        std::printf(
            "    closed after %lld s\n",
            static_cast<long long>(
                std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count()));
        return std::to_string(StatusOf(response)) + (closed ? ", closed" : ", still open") +
               (others ? ", others served" : ", others NOT served");
      });
  add("HeadSlowLoris", h, "a header line every second, never ending", {"408, closed"}, [] {
    RawConnection c(g_daemon->port());
    c.Send("GET /health HTTP/1.1\r\n");
    bool closed = false;
    const std::string response = c.Trickle("X-Slow: 1\r\n", std::chrono::seconds(120), &closed);
    return std::to_string(StatusOf(response)) + (closed ? ", closed" : ", still open");
  });
  add("ThousandConnections", h,
      "1000 connections opened at once, sending nothing; then GET /health on a new one",
      {"200, then recovered"}, [] {
        std::vector<std::unique_ptr<RawConnection>> idle;
        for (int i = 0; i < 1000; ++i)
          idle.push_back(std::make_unique<RawConnection>(g_daemon->port()));
        const auto start = Clock::now();
        const std::string status = Send(Request("GET", "/health"), std::chrono::seconds(120));
        std::printf("    /health answered after %lld ms behind 1000 idle sockets\n",
                    static_cast<long long>(
                        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start)
                            .count()));
        idle.clear();
        return status + (Get("/health") == "200" ? ", then recovered" : ", then NOT recovered");
      });
  add("ContentLengthAndChunked", h,
      "`Content-Length` and `Transfer-Encoding: chunked`, a DELETE smuggled after the chunks",
      {"400, closed"}, [] {
        const std::string body =
            "7\r\n{\"a\":1}\r\n0\r\n\r\nDELETE /stream/t HTTP/1.1\r\nHost: x\r\n\r\n";
        RawConnection c(g_daemon->port());
        c.Send(
            "POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: " +
            std::to_string(body.size()) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
        bool closed = false;
        const std::string response = c.ReadUntilClose(std::chrono::seconds(30), &closed);
        return std::to_string(StatusOf(response)) + (closed ? ", closed" : ", kept open");
      });
  add("ContentLengthNegative", h, "`Content-Length: -1`", {"400"},
      [] { return Send("POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}"); });
  add("TransferEncodingGzip", h, "`Transfer-Encoding: gzip`", {"400"}, [] {
    return Send("POST /stream/t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n{}");
  });
  add("ChunkSizeJunk", h, "a chunk size of `zz`", {"400"}, [] {
    return Send("POST /stream/t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  });
  add("Expect100Huge", h,
      "`Expect: 100-continue` with `Content-Length: 104857600` (over the limit), no body yet",
      {"413 at once, closed"}, [] {
        RawConnection c(g_daemon->port());
        c.Send(
            "POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Expect: 100-continue\r\nContent-Length: 104857600\r\n\r\n");
        bool closed = false;
        const std::string response = c.ReadUntilClose(std::chrono::seconds(30), &closed);
        return std::to_string(StatusOf(response)) +
               (response.find(" 100 ") == std::string::npos ? " at once" : " after 100 Continue") +
               (closed ? ", closed" : ", kept open");
      });
  add("UnknownMethod", h, "`FOO /stream/t` (issue 22: was 400)", {"501"},
      [] { return Send("FOO /stream/t HTTP/1.1\r\nHost: x\r\n\r\n"); });
  add("Http09", h, "`GET /health` without a version", {"400"},
      [] { return Send("GET /health\r\n\r\n"); });
  add("HugeHeader", h, "one 100 KB header line", {"431"}, [] {
    return Send("GET /health HTTP/1.1\r\nHost: x\r\nX-A: " + std::string(100000, 'a') + "\r\n\r\n");
  });
  add("MillionHeaders", h, "1,000,000 header lines (server memory measured)", {"431, memory flat"},
      [] {
        RssGrowth rss;
        RawConnection c(g_daemon->port());
        c.Send("GET /health HTTP/1.1\r\nHost: x\r\n");
        std::string lines;
        for (int i = 0; i < 10000; ++i) lines += "X-" + std::to_string(i) + ": a\r\n";
        for (int i = 0; i < 100 && c.Send(lines); ++i) {
        }
        const int status = StatusOf(c.ReadResponse(std::chrono::seconds(30)));
        return std::to_string(status) + rss.Judge(16 * kMiB, "memory flat", "memory grew");
      });

  // --- issue 22: real and hostile clients -------------------------------------
  add("Issue22GzipBomb", h, "256 KiB of gzip that inflates to 256 MiB (server memory measured)",
      {"413, memory flat"}, [] {
        z_stream z{};
        deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_RLE);
        const std::string spaces(kMiB, ' ');
        std::string bomb(16 * kMiB, '\0');
        z.next_out = reinterpret_cast<Bytef*>(bomb.data());
        z.avail_out = static_cast<uInt>(bomb.size());
        for (int i = 0; i < 256; ++i) {
          z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(spaces.data()));
          z.avail_in = static_cast<uInt>(spaces.size());
          deflate(&z, i == 255 ? Z_FINISH : Z_NO_FLUSH);
        }
        bomb.resize(z.total_out);
        deflateEnd(&z);
        RssGrowth rss;
        const std::string status =
            Send(Request("POST", "/stream/t", bomb, "Content-Encoding: gzip\r\n"));
        return status + rss.Judge(16 * kMiB, "memory flat", "memory grew");
      });
  add("Issue22LongPolls", h, "100 long-polls (`?wait=30`), then `GET /health`", {"200"}, [] {
    std::vector<std::unique_ptr<RawConnection>> polls;
    for (int i = 0; i < 100; ++i) {
      polls.push_back(std::make_unique<RawConnection>(g_daemon->port()));
      polls.back()->Send("GET /stream/t/100000?wait=30 HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    return Send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::seconds(10));
  });
  add("Issue22ContentEncodingZstd", h, "`Content-Encoding: zstd`", {"415"},
      [] { return Send(Request("POST", "/stream/t", "{}", "Content-Encoding: zstd\r\n")); });
  add("Issue22PostWithoutLength", h, "`POST` with no length and no body", {"400"},
      [] { return Send("POST /stream/t HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::seconds(2)); });
  add("Issue22HeaderLine9KB", h, "one 9 KB header line", {"431"}, [] {
    return Send("GET /health HTTP/1.1\r\nHost: x\r\nX-A: " + std::string(9000, 'a') + "\r\n\r\n");
  });
  add("Issue22Trace", h, "`TRACE /stream/t`", {"501"},
      [] { return Send("TRACE /stream/t HTTP/1.1\r\nHost: x\r\n\r\n"); });
  add("Issue22PutExpect", h, "`curl -T`: PUT, `Expect: 100-continue`, 10 MB announced", {"405"},
      [] {
        return Send(
            "PUT /stream/t HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            "Content-Length: 10000000\r\n\r\n",
            std::chrono::seconds(5));
      });
  add("Issue22Multipart", h, "`curl -F` (multipart/form-data)", {"415"}, [] {
    const std::string body = "--b\r\n\r\n{}\r\n--b--\r\n";
    return Send(
        "POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  add("Issue22NoHost", h, "HTTP/1.1 without `Host`", {"400"},
      [] { return Send("GET /health HTTP/1.1\r\n\r\n"); });
  add("Issue22ObsFold", h, "a folded header line", {"400"},
      [] { return Send("GET /health HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n"); });
  add("Issue22SpaceBeforeColon", h, "`Content-Length : 2`", {"400"},
      [] { return Send("POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Length : 2\r\n\r\n{}"); });

  // --- issue 13: the Katar face (docs/KATAR.md) --------------------------------
  add("KatarCreateNameSlash", h, "`POST /topic {\"name\":\"a/b\"}`", {"400"},
      [] { return Post("/topic", R"({"name":"a/b"})"); });
  add("KatarCreateNameDotDot", h, "`POST /topic/..`", {"400"},
      [] { return Post("/topic/..", ""); });
  add("KatarCreateNameSystem", h, "`POST /topic {\"name\":\".katar.offsets\"}`", {"400"},
      [] { return Post("/topic", R"({"name":".katar.offsets"})"); });
  add("KatarCreateName10MB", h, "`POST /topic` with a 10 MB name", {"400"},
      [] { return Post("/topic", "{\"name\":\"" + std::string(10 * kMiB, 'n') + "\"}"); });
  add("KatarConfigNegative", h, "`PATCH /topic/t {\"retention_ms\":-1}`", {"400"},
      [] { return Send(Request("PATCH", "/topic/t", R"({"retention_ms":-1})")); });
  add("KatarConfigWrongType", h, "`PUT /topic/t {\"retention_messages\":\"10\"}`", {"400"},
      [] { return Send(Request("PUT", "/topic/t", R"({"retention_messages":"10"})")); });
  add("KatarConfigAbsurd", h, "`PATCH /topic/t {\"max_message_bytes\":1e300}`", {"400"},
      [] { return Send(Request("PATCH", "/topic/t", R"({"max_message_bytes":1e300})")); });
  add("KatarConfigUnknown", h, "`PATCH /topic/t {\"segment_bytes\":1}`", {"400"},
      [] { return Send(Request("PATCH", "/topic/t", R"({"segment_bytes":1})")); });
  add("KatarPublishNotJson", h, "`POST /publish {\"topic\":\"t\",\"messages\":[1,}`", {"400"},
      [] { return Post("/publish", R"({"topic":"t","messages":[1,})"); });
  add("KatarPublishEmpty", h, "`POST /publish {\"topic\":\"t\",\"messages\":[]}`", {"400"},
      [] { return Post("/publish", R"({"topic":"t","messages":[]})"); });
  add("KatarPublishOneBadTopic", h,
      "`POST /publish {\"topics\":[\"t\",\"a/b\"],…}` (nothing stored in t)", {"400"},
      [] { return Post("/publish", R"({"topics":["t","a/b"],"messages":[{"x":1}]})"); });
  add("KatarPublishNested100k", h, "`POST /publish` with a message of 100,000 levels", {"400"},
      [] { return Post("/publish", R"({"topic":"t","message":)" + Nested(100000) + "}"); });
  add("KatarPublishRawNotJson", h, "`POST /publish/t` body `{\"a\":`", {"400"},
      [] { return Post("/publish/t", R"({"a":)"); });
  add("KatarPullNegativeOffset", h, "`POST /subscribe {\"topic\":\"t\",\"offset\":-1}`", {"400"},
      [] { return Post("/subscribe", R"({"topic":"t","offset":-1})"); });
  add("KatarPullOffset2To64", h, "`POST /subscribe` with offset 2^64", {"400"},
      [] { return Post("/subscribe", R"({"topic":"t","offset":18446744073709551616})"); });
  add("KatarPullPastEnd", h, "`POST /subscribe` with offset 11 (t holds 0..9)", {"400"},
      [] { return Post("/subscribe", R"({"topic":"t","offset":11})"); });
  add("KatarPullUnknownGroup", h,
      "`POST /subscribe` as a group that never committed (reads from the start)", {"200"},
      [] { return Post("/subscribe", R"({"topic":"t","group":"never","max":1})"); });
  add("KatarPullBadGroup", h, "`POST /subscribe` as group `a b`", {"400"},
      [] { return Post("/subscribe", R"({"topic":"t","group":"a b"})"); });
  add("KatarPullWaitOverMax", h, "`POST /subscribe` with wait 61 (max 60)", {"400"},
      [] { return Post("/subscribe", R"({"topic":"t","offset":0,"wait":61})"); });
  add("KatarCommitPastEnd", h, "`POST /subscribe/commit` of offset 999 in t", {"400"},
      [] { return Post("/subscribe/commit", R"({"topic":"t","group":"g","offset":999})"); });
  add("KatarCommitMissingTopic", h, "`POST /subscribe/commit` to a missing topic", {"404"},
      [] { return Post("/subscribe/commit", R"({"topic":"nope","group":"g","offset":0})"); });

  // --- the Hub face (docs/HUB.md); t and u are channels too ----------------
  const std::string bad = "400 text/plain";
  add("HubTimeMonth13Day40", h, "`GET /channel/t/2026/13/40`", {bad},
      [] { return SendHub(Request("GET", "/channel/t/2026/13/40")); });
  add("HubTimeHour24", h, "`GET /channel/t/2026/01/01/24`", {bad},
      [] { return SendHub(Request("GET", "/channel/t/2026/01/01/24")); });
  add("HubHashPast2To64", h,
      "`GET /channel/t/2026/01/01/00/00/00/000/zzzzzzzzzzz` (the hash decodes past 2^64)",
      {"404 text/plain"},
      [] { return SendHub(Request("GET", "/channel/t/2026/01/01/00/00/00/000/zzzzzzzzzzz")); });
  add("HubHashOfCutLocation", h,
      "`GET` of an item's key after its location was cut and re-used (scratch channel)",
      {"404 text/plain"}, [] { return KeyOfCutLocation(); });
  add("HubName10MB", h, "`PUT /channel/` + 10 MB name", {"414", "reset"},
      [] { return Send(Request("PUT", "/channel/" + std::string(10 * kMiB, 'x'))); });
  add("HubNameDotDot", h, "`PUT /channel/a..b`", {bad},
      [] { return SendHub(Request("PUT", "/channel/a..b")); });
  add("HubNameEncodedDotDot", h, "`PUT /channel/%2E%2E`", {bad},
      [] { return SendHub(Request("PUT", "/channel/%2E%2E")); });
  add("HubNameNul", h, "`PUT /channel/a%00b`", {bad},
      [] { return SendHub(Request("PUT", "/channel/a%00b")); });
  add("HubCreateCaseOfTopic", h, "`POST /channel {\"name\":\"T\"}` (the topic t exists)",
      {"409 text/plain"}, [] { return SendHub(Request("POST", "/channel", R"({"name":"T"})")); });
  add("HubPutCaseOfTopic", h,
      "`PUT /channel/T`, no body (names t: lookups ignore case; nothing named, nothing changed)",
      {"201"}, [] { return SendHub(Request("PUT", "/channel/T")); });
  add("HubBulkNoBoundary", h, "`POST /channel/t/bulk`, `Content-Type: multipart/mixed`", {bad}, [] {
    return SendHub(Typed("POST", "/channel/t/bulk", "multipart/mixed", Multipart({"x"})));
  });
  add("HubBulkTruncated", h, "`POST /channel/t/bulk`, the body cut before its close delimiter",
      {bad}, [] {
        return SendHub(Typed("POST", "/channel/t/bulk", kMixed, "--b\r\n\r\nx\r\n--b\r\n\r\ny"));
      });
  add("HubBulkHeaderNoColon", h, "`POST /channel/t/bulk`, a part header without a colon", {bad},
      [] {
        return SendHub(Typed("POST", "/channel/t/bulk", kMixed,
                             "--b\r\nContent-Type text/plain\r\n\r\nx\r\n--b--\r\n"));
      });
  add("HubBulk20000Parts", h, "`POST /channel/t/bulk` with 20,000 parts (max 10,000)",
      {"413 text/plain"}, [] {
        return SendHub(Typed("POST", "/channel/t/bulk", kMixed,
                             Multipart(std::vector<std::string>(20000, "x"))));
      });
  add("HubBulkPartOverLimit", h,
      "`POST /channel/t/bulk`, a small part then one of 64 MiB + 1 (the item limit)",
      {"413 text/plain"}, [] {
        return SendHub(Typed("POST", "/channel/t/bulk", kMixed,
                             Multipart({"small", std::string(kMaxBody + 1, 'x')})));
      });
  add("HubConfigTtlAbsurd", h, "`PATCH /channel/t {\"ttlDays\":1e300}`", {bad},
      [] { return SendHub(Request("PATCH", "/channel/t", R"({"ttlDays":1e300})")); });
  add("HubConfigTtlNegative", h, "`PATCH /channel/t {\"ttlDays\":-1}`", {bad},
      [] { return SendHub(Request("PATCH", "/channel/t", R"({"ttlDays":-1})")); });
  add("HubConfigTtlString", h, "`PATCH /channel/t {\"ttlDays\":\"x\"}`", {bad},
      [] { return SendHub(Request("PATCH", "/channel/t", R"({"ttlDays":"x"})")); });
  add("HubConfigTags100k", h, "`PUT /channel/t` with 100,000 tags (max 20)", {bad}, [] {
    std::string tags;
    for (int i = 0; i < 100000; ++i) tags += (i ? ",\"t" : "\"t") + std::to_string(i) + "\"";
    return SendHub(Request("PUT", "/channel/t", "{\"tags\":[" + tags + "]}"));
  });
  add("HubConfigNested100k", h, "`PUT /channel/t` with a config nested 100,000 levels", {bad},
      [] { return SendHub(Request("PUT", "/channel/t", Nested(100000))); });
  add("HubNextHugeCount", h,
      "`GET /channel/t/2026/01/01/00/00/00/000/A/next/99999999999999999999` (served as 10,000)",
      {"200"}, [] {
        return SendHub(
            Request("GET", "/channel/t/2026/01/01/00/00/00/000/A/next/99999999999999999999"));
      });
  add("HubInsertMissingChannel", h, "`POST /channel/nope`", {"404 text/plain"},
      [] { return SendHub(Typed("POST", "/channel/nope", "text/plain", "x")); });
  add("HubBulkMissingChannel", h, "`POST /channel/nope/bulk`", {"404 text/plain"},
      [] { return SendHub(Typed("POST", "/channel/nope/bulk", kMixed, Multipart({"x"}))); });
  add("HubEncodedSlashLatest", h, "`GET /channel/t%2Flatest?stable=false`", {bad},
      [] { return SendHub(Request("GET", "/channel/t%2Flatest?stable=false")); });
  add("HubEncodedSlashList", h, "`GET /channel/t%2flatest%2f1?stable=false`", {bad},
      [] { return SendHub(Request("GET", "/channel/t%2flatest%2f1?stable=false")); });
  add("HubEncodedSlashPut", h, "`PUT /channel/a%2Fb`", {bad},
      [] { return SendHub(Request("PUT", "/channel/a%2Fb", "{}")); });
  add("HubEncodedSlashPost", h, "`POST /channel/t%2F0`", {bad},
      [] { return SendHub(Typed("POST", "/channel/t%2F0", "text/plain", "x")); });
  add("HubHistoricalInsertNotHistorical", h,
      "`POST /channel/t/2019/06/01/12/00/00/000/abc` (t has no mutableTime)", {"403 text/plain"},
      [] {
        return SendHub(Typed("POST", "/channel/t/2019/06/01/12/00/00/000/abc", "text/plain", "x"));
      });
  add("HubHistoricalInsertAfterMutableTime", h,
      "a historical insert at 2021 into a channel whose mutableTime is 2020 (scratch channel)",
      {bad}, [] { return HistoricalInsertAfterMutableTime(); });
  add("HubMutableTimeInTheFuture", h,
      "`PATCH /channel/t {\"mutableTime\":\"2999-01-01T00:00:00.000Z\"}`", {bad}, [] {
        return SendHub(
            Request("PATCH", "/channel/t", R"({"mutableTime":"2999-01-01T00:00:00.000Z"})"));
      });
  add("HubMutableTimeFeb30", h, "`PATCH /channel/t {\"mutableTime\":\"2019-02-30T00:00:00Z\"}`",
      {bad}, [] {
        return SendHub(Request("PATCH", "/channel/t", R"({"mutableTime":"2019-02-30T00:00:00Z"})"));
      });

  // --- through the mount ------------------------------------------------------
  add("MkdirName255", m, "`mkdir` of a 255-byte name", {"EINVAL"},
      [] { return Syscall(::mkdir(Mount(std::string(255, 'n')).c_str(), 0755)); });
  add("MkdirName256", m, "`mkdir` of a 256-byte name (FUSE passes long names on; Linux 6.18)",
      {"EINVAL"}, [] { return Syscall(::mkdir(Mount(std::string(256, 'n')).c_str(), 0755)); });
  add("MkdirName4096", m, "`mkdir` of a 4096-byte name (a path over PATH_MAX)", {"ENAMETOOLONG"},
      [] { return Syscall(::mkdir(Mount(std::string(4096, 'n')).c_str(), 0755)); });
  add("MkdirLeadingDot", m, "`mkdir .hidden`", {"EINVAL"},
      [] { return Syscall(::mkdir(Mount(".hidden").c_str(), 0755)); });
  add("MkdirSpace", m, "`mkdir 'a b'`", {"EINVAL"},
      [] { return Syscall(::mkdir(Mount("a b").c_str(), 0755)); });
  add("MkdirNotUtf8", m, "`mkdir` of bytes FF FE", {"EINVAL"},
      [] { return Syscall(::mkdir(Mount("\xFF\xFE").c_str(), 0755)); });
  add("MkdirNewline", m, "`mkdir` of `a` newline `b`", {"EINVAL"},
      [] { return Syscall(::mkdir(Mount("a\nb").c_str(), 0755)); });
  add("MkdirInTopic", m, "`mkdir t/sub`", {"EPERM"},
      [] { return Syscall(::mkdir(Mount("t/sub").c_str(), 0755)); });
  add("CreateInRoot", m, "`echo {} > MNT/file` (a file in the root)", {"EPERM"}, [] {
    int fd = ::open(Mount("file").c_str(), O_WRONLY | O_CREAT, 0644);
    if (fd >= 0) ::close(fd);
    return fd >= 0 ? std::string("success") : Errno(errno);
  });
  add("CreateName1000", m,
      "`touch t/` + 1000-byte name (an appender: any new name; it appends nothing)", {"success"},
      [] {
        int fd = ::open(Mount("t/" + std::string(1000, 'n')).c_str(), O_WRONLY | O_CREAT, 0644);
        if (fd >= 0) ::close(fd);
        return fd >= 0 ? std::string("success") : Errno(errno);
      });
  add("CreateName4096", m, "`touch t/` + 4096-byte name", {"ENAMETOOLONG"}, [] {
    int fd = ::open(Mount("t/" + std::string(4096, 'n')).c_str(), O_WRONLY | O_CREAT, 0644);
    if (fd >= 0) ::close(fd);
    return fd >= 0 ? std::string("success") : Errno(errno);
  });
  add("WriteInvalidJson", m, "write `{oops}`", {"write EINVAL"},
      [] { return AppendThroughMount("{oops}\n"); });
  add("WriteArray", m, "write `[1,2]` (not an object)", {"write EINVAL"},
      [] { return AppendThroughMount("[1,2]\n"); });
  add("WriteNumber", m, "write `42`", {"write EINVAL"}, [] { return AppendThroughMount("42\n"); });
  add("WriteNested100k", m, "write an object nested 100,000 levels", {"write EINVAL"},
      [] { return AppendThroughMount(Nested(100000)); });
  add("WriteInvalidUtf8", m, "write `{\"a\":\"\\xFF\"}` (a raw 0xFF byte)", {"write EINVAL"},
      [] { return AppendThroughMount("{\"a\":\"\xFF\"}\n"); });
  add("WriteLoneSurrogate", m, "write `{\"a\":\"\\udc00\"}`", {"write EINVAL"},
      [] { return AppendThroughMount("{\"a\":\"\\udc00\"}\n"); });
  add("WriteNul", m, "write NUL bytes", {"write EINVAL"},
      [] { return AppendThroughMount(std::string(16, '\0')); });
  add("WriteOverLimit", m, "write one object of 65 MiB (limit 64 MiB; memory measured)",
      {"write EFBIG, memory bounded"}, [] {
        RssGrowth rss;
        std::string r = AppendThroughMount("{\"a\":\"" + std::string(65 * kMiB, 'x') + "\"}\n");
        return r + rss.Judge(3 * kMaxBody + 1, "memory bounded", "memory grew");
      });
  add("WriteWhitespace100MB", m, "write 100 MB of spaces (memory measured)",
      {"success, memory flat"}, [] {
        RssGrowth rss;
        std::string r = AppendThroughMount(std::string(100 * kMiB, ' '));
        return r + rss.Judge(16 * kMiB, "memory flat", "memory grew");
      });
  add("WriteIncompleteThenClose", m, "write `{\"a\":` and close", {"close EINVAL"},
      [] { return AppendThroughMount("{\"a\":"); });
  add("WriteDuplicateKeys", m, "write `{\"a\":1,\"a\":2}` (accepted, stored as sent)",
      {"success as sent"}, [] {
        if (::mkdir(Mount("dupm").c_str(), 0755) != 0) return Errno(errno);
        AppendOutcome out = AppendFile(Mount("dupm/x"), {"{\"a\": 1, \"a\": 2}\n"});
        std::string r = out.close.ok() ? "success" : Errno(out.close.err);
        r += OnlyDocument("dupm") == "{\"a\":1,\"a\":2}" ? " as sent" : " altered";
        Remove("dupm");
        return r;
      });
  add("WriteIntoDocument", m, "write into `t/000000.json`", {"EPERM"}, [] {
    int fd = ::open(Mount("t/000000.json").c_str(), O_WRONLY);
    if (fd < 0) return Errno(errno);
    const ssize_t n = ::write(fd, "{}", 2);
    const int err = errno;
    ::close(fd);
    return n < 0 ? Errno(err) : "success";
  });
  add("OpenDocumentOTrunc", m, "`echo {} > t/000000.json` (O_TRUNC)", {"EPERM"}, [] {
    int fd = ::open(Mount("t/000000.json").c_str(), O_WRONLY | O_TRUNC);
    if (fd >= 0) ::close(fd);
    return fd >= 0 ? std::string("success") : Errno(errno);
  });
  add("TruncateDocumentTo5", m, "`truncate -s 5 t/000000.json`", {"EPERM"},
      [] { return Syscall(::truncate(Mount("t/000000.json").c_str(), 5)); });
  add("RenameDocument", m, "`mv t/000000.json t/x`", {"EPERM"},
      [] { return Syscall(::rename(Mount("t/000000.json").c_str(), Mount("t/x").c_str())); });
  add("SymlinkInTopic", m, "`ln -s /etc/passwd t/link`", {"EPERM"},
      [] { return Syscall(::symlink("/etc/passwd", Mount("t/link").c_str())); });
  add("SetXattr", m, "`setfattr -n user.pdfs.count -v 0 t` (ENOTSUP is EOPNOTSUPP on Linux)",
      {"EOPNOTSUPP"},
      [] { return Syscall(::setxattr(Mount("t").c_str(), "user.pdfs.count", "0", 1, 0)); });
  add("UnlinkHugeLocation", m, "`rm t/99999999999999999999999.json`", {"ENOENT"},
      [] { return Syscall(::unlink(Mount("t/99999999999999999999999.json").c_str())); });
  add("OpenLocationPast2To64", m, "`cat t/18446744073709551616.json`", {"ENOENT"}, [] {
    int error = 0;
    ReadAll(Mount("t/18446744073709551616.json"), &error);
    return Errno(error);
  });
  add("RmdirNonEmpty", m, "`rmdir t` (10 documents)", {"ENOTEMPTY"},
      [] { return Syscall(::rmdir(Mount("t").c_str())); });
  add("ChmodTopic", m, "`chmod 777 t`", {"EPERM"},
      [] { return Syscall(::chmod(Mount("t").c_str(), 0777)); });
  return rows;
}

// ---------------------------------------------------------------------------

class HostileInputTest : public ::testing::TestWithParam<Row> {
 public:
  static void SetUpTestSuite() {
    if (!HaveFuse()) return;
    // A thousand sockets at once, on both ends.
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < 8192) {
      files.rlim_cur = std::min<rlim_t>(8192, files.rlim_max);
      ::setrlimit(RLIMIT_NOFILE, &files);
    }
    g_daemon = new Daemon;
    g_daemon->mnt = g_daemon->dir.Sub("mnt");
    ::mkdir(g_daemon->mnt.c_str(), 0755);
    g_daemon->pdfs = std::make_unique<MountedPdfs>(g_daemon->dir.Sub("data"), g_daemon->mnt);
    if (!g_daemon->pdfs->ok()) return;
    auto http = LoopbackClient(g_daemon->port());
    std::string t = "[";
    for (int i = 0; i < 10; ++i) {
      t += std::string(i ? "," : "") + "{\"i\":" + std::to_string(i) + ",\"pad\":\"" +
           std::string(i == 3 ? 100000 : 10, 'p') + "\"}";
    }
    http->Post("/stream/t", t + "]", "application/json");
    http->Post("/stream/u", "[{\"u\":1},{\"u\":2},{\"u\":3}]", "application/json");
    g_daemon->topics = http->Get("/stream/")->body;
    g_daemon->channels = http->Get("/channel")->body;
    g_daemon->channel_t = http->Get("/channel/t")->body;
    for (const char* topic : {"t", "u"}) {
      TopicReadback got;
      std::string error;
      ReadBack(*http, topic, &got, &error);
      g_daemon->docs[topic] = got.docs;
    }
    std::printf("| face | input | expected | observed | store unchanged, server answers |\n");
    std::printf("|---|---|---|---|---|\n");
  }
  static void TearDownTestSuite() {
    if (g_daemon != nullptr && g_daemon->pdfs != nullptr) {
      const int status = g_daemon->pdfs->Stop();
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << g_daemon->pdfs->process().stderr_text();
    }
    delete g_daemon;
    g_daemon = nullptr;
  }

 protected:
  void SetUp() override {
    PDFS_REQUIRE_FUSE();
    ASSERT_TRUE(g_daemon != nullptr && g_daemon->pdfs->ok());
  }

  // The store is as it was, on both faces, and the server answers; "" if
  // so, else what differs.
  std::string Unchanged() {
    // After connection-heavy rows the server may take a moment to drain.
    if (!Eventually([] { return Get("/health") == "200"; }, std::chrono::seconds(60))) {
      return "GET /health is not answered";
    }
    auto http = LoopbackClient(g_daemon->port());
    auto list = http->Get("/stream/");
    if (!list || list->body != g_daemon->topics) {
      return "GET /stream/ is " + (list ? list->body : std::string("not answered"));
    }
    // The Hub's view: the channel list and t's config (retention, tags...).
    for (const auto& [path, want] :
         {std::pair{"/channel", g_daemon->channels}, {"/channel/t", g_daemon->channel_t}}) {
      auto got = http->Get(path);
      if (!got || got->body != want) {
        return std::string("GET ") + path + " is " + (got ? got->body : "not answered");
      }
    }
    for (const auto& [topic, want] : g_daemon->docs) {
      TopicReadback got;
      std::string error;
      if (!ReadBack(*http, topic, &got, &error)) return error;
      if (got.docs != want || !got.Consistent()) return "topic " + topic + " changed";
    }
    std::vector<std::string> names = ListDir(g_daemon->mnt);
    std::sort(names.begin(), names.end());
    if (names != std::vector<std::string>{"t", "u"}) return "ls of the mount changed";
    if (ListDir(Mount("t")).size() != 10) return "ls t changed";
    if (ReadAll(Mount("t/000003.json")) != g_daemon->docs["t"][3])
      return "cat t/000003.json changed";
    return "";
  }
};

TEST_P(HostileInputTest, IsRefusedAsDocumentedAndChangesNothing) {
  const Row& row = GetParam();
  const std::string observed = row.run();
  const std::string changed = Unchanged();
  const bool as_expected =
      std::find(row.expected.begin(), row.expected.end(), observed) != row.expected.end();
  std::string expected;
  for (const std::string& e : row.expected) expected += (expected.empty() ? "" : " or ") + e;
  std::printf("| %s | %s | %s | %s | %s |\n", row.face.c_str(), row.input.c_str(), expected.c_str(),
              observed.c_str(), changed.empty() ? "yes" : changed.c_str());
  std::fflush(stdout);
  EXPECT_TRUE(as_expected) << row.input << ": expected " << expected << ", observed " << observed;
  EXPECT_EQ(changed, "") << row.input;
  EXPECT_TRUE(g_daemon->pdfs->process().running()) << g_daemon->pdfs->process().stderr_text();
}

INSTANTIATE_TEST_SUITE_P(Catalogue, HostileInputTest, ::testing::ValuesIn(Rows()),
                         [](const ::testing::TestParamInfo<Row>& info) { return info.param.id; });

}  // namespace
}  // namespace pdfs
