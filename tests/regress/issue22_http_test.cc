// Issue 22: the HTTP face under real and hostile clients. A chunked POST was
// buffered whole before the 64 MiB limit applied (1 GiB -> 2.2 GB of RSS),
// a gzip body was inflated in full, 64 long-polls starved every other
// request and a long-poll held its thread after its client left, HTTP/1.0
// clients got chunked responses, unknown Content-Encodings were ignored, a
// POST without a length waited 5 s, a long header line was "malformed",
// TRACE/CONNECT/OPTIONS were mishandled and `curl -T` uploaded everything
// before its 405. One test per row, against an in-process server; the
// memory and thread-count soak tests are in issue22_http_soak_test.cc.
#include <zlib.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "pdfs/http/server.h"
#include "pdfs/store.h"
#include "support/docs.h"
#include "support/proc_stats.h"
#include "support/raw_http.h"
#include "support/temp_dir.h"

namespace pdfs {
namespace {

using pdfs::testing::RawConnection;
using pdfs::testing::StatusOf;
using std::chrono::milliseconds;
using std::chrono::seconds;

// `plain` compressed as a gzip member.
std::string Gzip(const std::string& plain) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_RLE), Z_OK);
  std::string out(deflateBound(&z, plain.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// The value of header `name` in a raw response, "" if absent.
std::string HeaderOf(const std::string& response, const std::string& name) {
  const size_t head_end = response.find("\r\n\r\n");
  const size_t at = response.find("\r\n" + name + ": ");
  if (at == std::string::npos || at > head_end) return "";
  const size_t start = at + name.size() + 4;
  return response.substr(start, response.find("\r\n", start) - start);
}

std::string BodyOf(const std::string& response) {
  const size_t head_end = response.find("\r\n\r\n");
  return head_end == std::string::npos ? "" : response.substr(head_end + 4);
}

class Issue22HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::Open(Options(), dir_.Sub("data"));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }
  void Serve(http::ServerOptions options = {}) {
    options.port = 0;
    server_ = std::make_unique<http::Server>(store_.get(), options);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_.reset();
    store_.reset();
  }
  int port() const { return server_->port(); }
  std::string Raw(const std::string& request, milliseconds timeout = seconds(20)) {
    RawConnection c(port());
    EXPECT_TRUE(c.Send(request));
    return c.ReadResponse(timeout);
  }
  int Health(seconds wait = seconds(30)) {
    return pdfs::testing::RawStatus(port(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", wait);
  }
  uint64_t Count(const std::string& topic) {
    auto meta = store_->Stat(topic);
    return meta.ok() ? meta->count : 0;
  }
  static std::string GzipPost(const std::string& coding, const std::string& body) {
    return "POST /stream/z HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Content-Encoding: " +
           coding + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  pdfs::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<http::Server> server_;
};

// Row 1: the limit is applied while a chunked body arrives, not after.
TEST_F(Issue22HttpTest, AChunkedBodyIsRefusedWith413AsSoonAsItPassesTheLimit) {
  http::ServerOptions options;
  options.max_body_bytes = 1 << 20;
  Serve(options);
  RawConnection c(port());
  ASSERT_TRUE(
      c.Send("POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Transfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
  // 2 MiB of a body that never ends: the answer must not wait for its end.
  for (int i = 0; i < 32 && !c.Readable(milliseconds(0)); ++i) {
    if (!c.Send(chunk)) break;  // the server may close as soon as it refused
  }
  const std::string response = c.ReadResponse(seconds(5));
  EXPECT_EQ(StatusOf(response), 413) << response;
  EXPECT_NE(response.find("1048576"), std::string::npos) << response;
  EXPECT_EQ(Count("t"), 0u);
}

// Row 2: the limit applies to the decoded size, checked while inflating.
TEST_F(Issue22HttpTest, AGzipBombIsRefusedWhileInflatingInBoundedMemory) {
  http::ServerOptions options;
  options.max_body_bytes = 1 << 20;
  Serve(options);
  const std::string bomb = Gzip("[" + std::string(size_t{128} << 20, ' ') + "]");
  ASSERT_LT(bomb.size(), size_t{1} << 20) << "the bomb itself is under the limit";
  const uint64_t before = pdfs::testing::PeakResidentBytes();
  const std::string response = Raw(GzipPost("gzip", bomb));
  const uint64_t after = pdfs::testing::PeakResidentBytes();
  EXPECT_EQ(StatusOf(response), 413) << response;
  EXPECT_LT(after - before, uint64_t{64} << 20) << "the 128 MiB were inflated in memory";
  EXPECT_EQ(Count("z"), 0u);
}

// Row 3: waiting requests never block others.
TEST_F(Issue22HttpTest, LongPollsDoNotStarveOtherRequests) {
  Serve();
  ASSERT_TRUE(store_->Append("t", pdfs::testing::Batch({"{\"n\":0}"})).ok());
  std::vector<std::unique_ptr<RawConnection>> polls;
  for (int i = 0; i < 100; ++i) {
    polls.push_back(std::make_unique<RawConnection>(port()));
    ASSERT_TRUE(polls.back()->Send("GET /stream/t/1?wait=20 HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  EXPECT_EQ(Health(seconds(10)), 200);
  const std::string post =
      Raw("POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          "Content-Length: 7\r\n\r\n{\"n\":1}",
          seconds(10));
  EXPECT_EQ(StatusOf(post), 200) << post;
  for (auto& p : polls) {
    const std::string r = p->ReadResponse(seconds(10));
    EXPECT_EQ(StatusOf(r), 200) << r;
    EXPECT_EQ(BodyOf(r), "{\"n\":1}");
  }
}

// Row 4: a long-poll whose client left frees its thread.
TEST_F(Issue22HttpTest, ALongPollEndsWhenItsClientLeaves) {
  http::ServerOptions options;
  options.threads = 4;
  Serve(options);
  ASSERT_TRUE(store_->Append("t", pdfs::testing::Batch({"{\"n\":0}"})).ok());
  for (int i = 0; i < 4; ++i) {
    RawConnection c(port());
    ASSERT_TRUE(c.Send("GET /stream/t/1?wait=60 HTTP/1.1\r\nHost: x\r\n\r\n"));
  }  // closed at once
  // With the four threads still waiting, /health would wait a minute.
  EXPECT_EQ(Health(seconds(10)), 200);
}

// Row 7: no chunked encoding for an HTTP/1.0 client; the body ends at close.
TEST_F(Issue22HttpTest, AnHttp10ClientGetsACloseDelimitedBody) {
  Serve();
  ASSERT_TRUE(store_->Append("t", pdfs::testing::Batch({"{\"n\":0}", "{\"n\":1}"})).ok());
  RawConnection c(port());
  ASSERT_TRUE(c.Send("GET /stream/t/0-1 HTTP/1.0\r\n\r\n"));
  bool closed = false;
  const std::string response = c.ReadUntilClose(seconds(10), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(StatusOf(response), 200) << response;
  EXPECT_EQ(HeaderOf(response, "Transfer-Encoding"), "") << response;
  EXPECT_EQ(BodyOf(response), "[{\"n\":0},{\"n\":1}]");

  // ab -k: HTTP/1.0 with Keep-Alive still gets a body it can delimit.
  RawConnection k(port());
  ASSERT_TRUE(k.Send("GET /stream/t/0-1 HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
  const std::string kept = k.ReadUntilClose(seconds(10), &closed);
  EXPECT_TRUE(closed) << kept;
  EXPECT_EQ(HeaderOf(kept, "Transfer-Encoding"), "") << kept;
  EXPECT_EQ(BodyOf(kept), "[{\"n\":0},{\"n\":1}]");
}

// Row 8: Content-Encoding names are case-insensitive; the unknown ones are 415.
TEST_F(Issue22HttpTest, UnknownContentEncodingsAre415AndNamesAreCaseInsensitive) {
  Serve();
  const std::string doc = "{\"a\":1}";
  for (const char* coding : {"foo", "zstd", "gzip, gzip", "br"}) {
    const std::string r = Raw(GzipPost(coding, Gzip(doc)));
    EXPECT_EQ(StatusOf(r), 415) << coding << ": " << r;
    EXPECT_NE(r.find("gzip"), std::string::npos) << r;
    EXPECT_NE(r.find("identity"), std::string::npos) << r;
  }
  EXPECT_EQ(Count("z"), 0u);
  for (const char* coding : {"gzip", "GZIP", "x-gzip", "gzip, identity", "Identity"}) {
    const bool plain = std::string(coding) == "Identity";
    const std::string r = Raw(GzipPost(coding, plain ? doc : Gzip(doc)));
    EXPECT_EQ(StatusOf(r), 200) << coding << ": " << r;
  }
  EXPECT_EQ(Count("z"), 5u);
  auto stored = store_->Get("z", 1);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->data, doc);
  // Corrupt gzip is said to be so, not "malformed".
  const std::string corrupt = Raw(GzipPost("gzip", "\x1f\x8b\x08\x00garbage-not-deflate"));
  EXPECT_EQ(StatusOf(corrupt), 400) << corrupt;
  EXPECT_NE(corrupt.find("gzip"), std::string::npos) << corrupt;
}

// Row 9: a POST with neither a body nor a length is answered at once.
TEST_F(Issue22HttpTest, APostWithoutBodyOrLengthIsAnsweredAtOnce) {
  Serve();
  // httplib waited 5 s for a body that ends at close; 2 s is far more than
  // an answer needs.
  const std::string r = Raw("POST /stream/e HTTP/1.1\r\nHost: x\r\n\r\n", seconds(2));
  EXPECT_EQ(StatusOf(r), 400) << r;
  EXPECT_NE(r.find("the input is empty"), std::string::npos) << r;
}

// Row 11: one header line over 8 KiB is 431 with a sentence.
TEST_F(Issue22HttpTest, AHeaderLineOver8KiBIs431) {
  Serve();
  const std::string r =
      Raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(9000, 'a') + "\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 431) << r;
  EXPECT_NE(r.find("8192"), std::string::npos) << r;
  // One just under the limit is fine.
  const std::string ok =
      Raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(8000, 'a') + "\r\n\r\n");
  EXPECT_EQ(StatusOf(ok), 200) << ok;
}

// Row 13: TRACE, CONNECT and unknown methods; OPTIONS; CORS is off.
TEST_F(Issue22HttpTest, MethodsPdfsDoesNotServeAreRefusedWithAllow) {
  Serve();
  for (const char* line :
       {"TRACE /stream/t HTTP/1.1", "CONNECT /stream/t HTTP/1.1", "FOO /stream/t HTTP/1.1"}) {
    const std::string r = Raw(std::string(line) + "\r\nHost: x\r\n\r\n");
    EXPECT_EQ(StatusOf(r), 501) << line << ": " << r;
    EXPECT_EQ(HeaderOf(r, "Allow"), "GET, HEAD, POST, DELETE, OPTIONS") << r;
  }
  const std::string options =
      Raw("OPTIONS /stream/t HTTP/1.1\r\nHost: x\r\nOrigin: http://example.com\r\n"
          "Access-Control-Request-Method: POST\r\n\r\n");
  EXPECT_EQ(StatusOf(options), 204) << options;
  EXPECT_EQ(HeaderOf(options, "Allow"), "GET, HEAD, POST, DELETE, OPTIONS") << options;
  EXPECT_EQ(HeaderOf(options, "Access-Control-Allow-Origin"), "") << "CORS is off";
  EXPECT_EQ(HeaderOf(options, "Content-Length"), "") << "a 204 has no length";
  const std::string star = Raw("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(star), 204) << star;
  EXPECT_NE(HeaderOf(star, "Allow"), "") << star;
}

// Row 17: `curl -T` (PUT with Expect: 100-continue) is refused before the upload.
TEST_F(Issue22HttpTest, APutIsRefusedBeforeItsBodyIsSent) {
  Serve();
  RawConnection c(port());
  ASSERT_TRUE(
      c.Send("PUT /stream/t HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n"
             "Expect: 100-continue\r\n\r\n"));
  const std::string r = c.ReadResponse(seconds(5));
  EXPECT_EQ(StatusOf(r), 405) << r;
  EXPECT_EQ(HeaderOf(r, "Allow"), "GET, HEAD, POST, DELETE, OPTIONS") << r;
}

// Row 5: no brotli (httplib's is at its slowest level); gzip still works.
TEST_F(Issue22HttpTest, BrotliIsNotOfferedAndGzipIs) {
  Serve();
  std::vector<std::string> docs;
  for (int i = 0; i < 200; ++i) docs.push_back("{\"n\":" + std::to_string(i) + "}");
  ASSERT_TRUE(store_->Append("t", pdfs::testing::Batch(docs)).ok());
  const std::string br =
      Raw("GET /stream/t/0-199 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br\r\n\r\n");
  EXPECT_EQ(StatusOf(br), 200) << br;
  EXPECT_EQ(HeaderOf(br, "Content-Encoding"), "") << br;
  const std::string both =
      Raw("GET /stream/t/0-199 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br, gzip\r\n\r\n");
  EXPECT_EQ(HeaderOf(both, "Content-Encoding"), "gzip") << both;
}

// Row 12 (and the Date of row 18): HEAD does not offer byte ranges.
TEST_F(Issue22HttpTest, HeadDoesNotOfferByteRangesAndResponsesHaveADate) {
  Serve();
  const std::string r = Raw("HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 200) << r;
  EXPECT_NE(HeaderOf(r, "Accept-Ranges"), "bytes") << r;
  const std::string get = Raw("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(HeaderOf(get, "Date").find(" GMT"), std::string::npos) << get;
  const std::string error = Raw("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(HeaderOf(error, "Date").find(" GMT"), std::string::npos) << error;
}

// Row 14: multipart (curl -F) is refused with a sentence saying so.
TEST_F(Issue22HttpTest, AMultipartBodyIsRefusedWithASentence) {
  Serve();
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"d.json\"\r\n\r\n"
      "{\"a\":1}\r\n--b--\r\n";
  const std::string r =
      Raw("POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
          "Content-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(StatusOf(r), 415) << r;
  EXPECT_NE(r.find("multipart"), std::string::npos) << r;
  EXPECT_EQ(Count("t"), 0u);
}

// Row 15: a bad ?limit on one location and repeated parameters are 400;
// Accept q=0 is honoured.
TEST_F(Issue22HttpTest, QueryParametersAndAcceptAreCheckedConsistently) {
  Serve();
  ASSERT_TRUE(store_->Append("t", pdfs::testing::Batch({"{\"n\":0}", "{\"n\":1}"})).ok());
  EXPECT_EQ(StatusOf(Raw("GET /stream/t/0?limit=abc HTTP/1.1\r\nHost: x\r\n\r\n")), 400);
  const std::string twice = Raw("GET /stream/t/0-1?limit=1&limit=2 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(twice), 400) << twice;
  EXPECT_NE(twice.find("more than once"), std::string::npos) << twice;
  RawConnection c(port());
  ASSERT_TRUE(c.Send(
      "GET /stream/t/0-1 HTTP/1.0\r\nAccept: application/x-ndjson;q=0, application/json\r\n\r\n"));
  const std::string q0 = c.ReadUntilClose(seconds(10));
  EXPECT_EQ(BodyOf(q0), "[{\"n\":0},{\"n\":1}]") << q0;
  RawConnection n(port());
  ASSERT_TRUE(n.Send("GET /stream/t/0-1 HTTP/1.0\r\nAccept: application/x-ndjson; q=0.5\r\n\r\n"));
  const std::string nd = n.ReadUntilClose(seconds(10));
  EXPECT_EQ(BodyOf(nd), "{\"n\":0}\n{\"n\":1}\n") << nd;
}

// Row 10: a pause over httplib's 5 s read timeout mid-head or mid-body,
// and a request line trickled past the 10 s head limit, are answered 408
// (they were 400 "malformed", and no answer at all). Run side by side.
TEST_F(Issue22HttpTest, PausedAndTrickledRequestsAre408) {
  Serve();
  std::string head_pause, body_pause;
  std::thread head([&] {
    RawConnection c(port());
    ASSERT_TRUE(c.Send("GET /health HTTP/1.1\r\nHost: x\r\n"));
    head_pause = c.ReadResponse(seconds(20));  // nothing more is sent
  });
  std::thread body([&] {
    RawConnection c(port());
    ASSERT_TRUE(
        c.Send("POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Content-Length: 10\r\n\r\n{\"a\""));
    body_pause = c.ReadResponse(seconds(20));
  });
  RawConnection c(port());
  bool closed = false;
  const std::string trickled = c.Trickle("G", seconds(20), &closed);
  head.join();
  body.join();
  EXPECT_EQ(StatusOf(head_pause), 408) << head_pause;
  EXPECT_EQ(StatusOf(body_pause), 408) << body_pause;
  EXPECT_TRUE(closed);
  EXPECT_EQ(StatusOf(trickled), 408) << trickled;
  EXPECT_EQ(Count("t"), 0u);
}

// Row 18: head framing per RFC 9110/9112.
TEST_F(Issue22HttpTest, HeadsThatParsersReadDifferentlyAre400) {
  Serve();
  for (const char* head : {
           "GET /health HTTP/1.1\r\n\r\n",                                  // no Host
           "GET /health HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n",  // obs-fold
           "GET /health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
           "POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Length : 7\r\n\r\n{\"a\":1}",
       }) {
    RawConnection c(port());
    ASSERT_TRUE(c.Send(head));
    const std::string r = c.ReadResponse(seconds(3));
    EXPECT_EQ(StatusOf(r), 400) << head << r;
    EXPECT_NE(r.find("{\"error\""), std::string::npos) << r;
    // Where the head ends is in doubt after the bad lines: no next request.
    if (std::string(head).find("Host: x") != std::string::npos) {
      EXPECT_TRUE(c.PeerClosed(seconds(3))) << head;
    }
  }
  EXPECT_EQ(Count("t"), 0u);
  // HTTP/1.0 needs no Host; a response that closes does not offer keep-alive.
  const std::string old = Raw("GET /health HTTP/1.0\r\n\r\n");
  EXPECT_EQ(StatusOf(old), 200) << old;
  EXPECT_EQ(HeaderOf(old, "Connection"), "close") << old;
  EXPECT_EQ(HeaderOf(old, "Keep-Alive"), "") << old;
}

}  // namespace
}  // namespace pdfs
