// Regressions (issue 6, found by tests/reliability/hostile_input_test.cc):
// with cpp-httplib's own connection loop, a request trickled a byte at a
// time held a worker thread for ever (its read timeout restarts with every
// byte), so slow clients starved the server; headers were read without
// limit into memory; idle sockets held workers for 5 s each; and a request
// with both Content-Length and chunked encoding left the rest of its bytes
// to be read as a next request. http/connection_guard.h now bounds all of
// that; these tests run an in-process server with 4 worker threads.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

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

class ConnectionGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::Open(Options(), dir_.Sub("data"));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    http::ServerOptions options;
    options.port = 0;
    options.threads = kThreads;
    server_ = std::make_unique<http::Server>(store_.get(), options);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_.reset();
    store_.reset();
  }

  int port() const { return server_->port(); }
  // GET /health on a fresh connection; its status, 0 if none within `wait`.
  int Health(std::chrono::seconds wait = std::chrono::seconds(30)) {
    return pdfs::testing::RawStatus(port(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", wait);
  }
  uint64_t Count(const std::string& topic) {
    auto meta = store_->Stat(topic);
    return meta.ok() ? meta->count : 0;
  }

  static constexpr int kThreads = 4;
  pdfs::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(ConnectionGuardTest, AHeadTrickledAByteAtATimeIsCutWith408) {
  RawConnection c(port());
  ASSERT_TRUE(c.Send("GET /health HTTP/1.1\r\n"));
  bool closed = false;
  // A header line every second: each read is quick, the head never ends.
  const std::string response = c.Trickle("X-Slow: 1\r\n", std::chrono::seconds(60), &closed);
  EXPECT_TRUE(closed) << "the connection was never closed";
  EXPECT_EQ(StatusOf(response), 408) << response;
  EXPECT_EQ(Health(), 200);
}

TEST_F(ConnectionGuardTest, ABodyTrickledAByteAtATimeIsCutWith408AndStoresNothing) {
  RawConnection c(port());
  ASSERT_TRUE(
      c.Send("POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: 100\r\n\r\n{\"a\":\""));
  bool closed = false;
  const std::string response = c.Trickle("x", std::chrono::seconds(60), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(StatusOf(response), 408) << response;
  EXPECT_EQ(Count("t"), 0u);
  EXPECT_FALSE(store_->Stat("t").ok()) << "not even the topic";
}

TEST_F(ConnectionGuardTest, SlowClientsOnEveryWorkerDoNotStopTheServer) {
  // Twice as many trickling clients as workers: some wait for a worker,
  // which shortens everyone's grace; a fresh client gets through.
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 2 * kThreads; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port()));
    ASSERT_TRUE(slow.back()->Send("GET /health HTTP/1.1\r\n"));
  }
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    while (!stop) {
      for (auto& c : slow) c->Send("X-Slow: 1\r\n");
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  });
  EXPECT_EQ(Health(), 200);
  stop = true;
  trickle.join();
}

TEST_F(ConnectionGuardTest, IdleConnectionsMakeRoomForWaitingOnes) {
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 50 * kThreads; ++i) {
    idle.push_back(std::make_unique<RawConnection>(port()));
    ASSERT_TRUE(idle.back()->ok());
  }
  // Behind 200 silent sockets, 5 s each would be 250 s on 4 workers.
  EXPECT_EQ(Health(std::chrono::seconds(60)), 200);
}

TEST_F(ConnectionGuardTest, EndlessHeadersAreCutWith431InBoundedMemory) {
  const uint64_t before = pdfs::testing::ResidentBytes();
  RawConnection c(port());
  ASSERT_TRUE(c.Send("GET /health HTTP/1.1\r\nHost: x\r\n"));
  std::string headers;
  for (int i = 0; i < 10000; ++i) headers += "X-" + std::to_string(i) + ": a\r\n";
  // Up to a million header lines; the server stops reading long before.
  for (int i = 0; i < 100 && c.Send(headers); ++i) {
  }
  std::string response = c.ReadResponse(std::chrono::seconds(30));
  EXPECT_EQ(StatusOf(response), 431) << response;
  EXPECT_TRUE(c.PeerClosed(std::chrono::seconds(30)));
  EXPECT_LT(pdfs::testing::ResidentBytes(), before + (32u << 20))
      << "a million headers took 110 MB";
  EXPECT_EQ(Health(), 200);
}

TEST_F(ConnectionGuardTest, ContentLengthWithChunkedIsRefusedAndNothingIsSmuggled) {
  RawConnection c(port());
  // A front end that framed by Content-Length would see one request; read
  // as chunked, the rest is a second one: DELETE /stream/t.
  const std::string smuggled = "DELETE /stream/t HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string body = "7\r\n{\"a\":1}\r\n0\r\n\r\n" + smuggled;
  ASSERT_TRUE(
      c.Send("POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: " +
             std::to_string(body.size()) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body));
  bool closed = false;
  std::string response = c.ReadUntilClose(std::chrono::seconds(30), &closed);
  EXPECT_EQ(StatusOf(response), 400) << response;
  EXPECT_NE(response.find("both Content-Length and Transfer-Encoding"), std::string::npos);
  EXPECT_EQ(response.find("HTTP/1.1", 1), std::string::npos) << "one response only: " << response;
  EXPECT_TRUE(closed);
  EXPECT_EQ(Count("t"), 0u);
}

TEST_F(ConnectionGuardTest, ABodyThatFailsToParseClosesTheConnection) {
  RawConnection c(port());
  // A malformed chunk: what follows it cannot be told from a next request.
  ASSERT_TRUE(
      c.Send("POST /stream/t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "zz\r\nGET /health HTTP/1.1\r\n\r\n"));
  bool closed = false;
  std::string response = c.ReadUntilClose(std::chrono::seconds(30), &closed);
  EXPECT_EQ(StatusOf(response), 400) << response;
  EXPECT_EQ(response.find("HTTP/1.1", 1), std::string::npos) << "one response only: " << response;
  EXPECT_TRUE(closed);
}

TEST_F(ConnectionGuardTest, ABadContentLengthIs400AndCloses) {
  for (const char* length : {"-1", "abc", "99999999999999999999999", "1 2"}) {
    RawConnection c(port());
    ASSERT_TRUE(c.Send(std::string("POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Length: ") +
                       length + "\r\n\r\n{}"));
    bool closed = false;
    std::string response = c.ReadUntilClose(std::chrono::seconds(30), &closed);
    EXPECT_EQ(StatusOf(response), 400) << length << ": " << response;
    EXPECT_TRUE(closed) << length;
  }
  EXPECT_EQ(Count("t"), 0u);
}

TEST_F(ConnectionGuardTest, AGetWithABodyEndsItsConnectionSoTheBodyIsNeverARequest) {
  ASSERT_TRUE(store_->Append("t", pdfs::testing::Batch({"{}"})).ok());
  RawConnection c(port());
  // httplib does not read a GET's body; its bytes would be the next request.
  ASSERT_TRUE(
      c.Send("GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 38\r\n\r\n"
             "DELETE /stream/t HTTP/1.1\r\nHost: x\r\n\r\n"));
  bool closed = false;
  std::string response = c.ReadUntilClose(std::chrono::seconds(30), &closed);
  EXPECT_EQ(StatusOf(response), 200) << response;
  EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
  EXPECT_TRUE(closed);
  EXPECT_EQ(Count("t"), 1u) << "the body was not run as a DELETE";
}

// Issue 6: httplib answered "100 Continue" to a body over the limit, then
// read all of it only to refuse it.
TEST_F(ConnectionGuardTest, AnAnnouncedBodyOverTheLimitIsRefusedBeforeItIsSent) {
  RawConnection c(port());
  ASSERT_TRUE(
      c.Send("POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Expect: 100-continue\r\nContent-Length: 104857600\r\n\r\n"));
  bool closed = false;
  const std::string response = c.ReadUntilClose(std::chrono::seconds(30), &closed);
  EXPECT_EQ(StatusOf(response), 413) << response;
  EXPECT_EQ(response.find("100 Continue"), std::string::npos) << response;
  EXPECT_TRUE(closed);
  // A body within the limit is still invited.
  RawConnection ok(port());
  ASSERT_TRUE(
      ok.Send("POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
  EXPECT_EQ(StatusOf(ok.ReadResponse(std::chrono::seconds(30))), 100);
  ASSERT_TRUE(ok.Send("{}"));
  EXPECT_EQ(StatusOf(ok.ReadResponse(std::chrono::seconds(30))), 200);
  EXPECT_EQ(Count("t"), 1u);
}

TEST_F(ConnectionGuardTest, KeepAliveStillWorksForWellFormedRequests) {
  RawConnection c(port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        c.Send("POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Content-Length: 2\r\n\r\n{}"));
    EXPECT_EQ(StatusOf(c.ReadResponse(std::chrono::seconds(30))), 200);
  }
  // A refused body (invalid JSON) that was read to its end keeps the
  // connection too.
  ASSERT_TRUE(
      c.Send("POST /stream/t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: 2\r\n\r\n{]"));
  EXPECT_EQ(StatusOf(c.ReadResponse(std::chrono::seconds(30))), 400);
  ASSERT_TRUE(c.Send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(StatusOf(c.ReadResponse(std::chrono::seconds(30))), 200);
  EXPECT_EQ(Count("t"), 3u);
}

// Found by fuzz_http: httplib cut every response to a request's Range
// header — a POST's answer came back as `{"` with 206, a 404's error as
// `{"er`, and a streamed range claimed 206 while sending everything.
TEST_F(ConnectionGuardTest, ARangeHeaderIsIgnoredAndEveryAnswerIsWhole) {
  httplib::Client client("127.0.0.1", port());
  const httplib::Headers range = {{"Range", "bytes=0-1"}};
  auto posted = client.Post("/stream/t", range, "{\"a\":1}", "application/json");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 200);
  EXPECT_EQ(posted->body, "{\"location\":0}");
  EXPECT_FALSE(posted->has_header("Content-Range"));
  auto missing = client.Get("/stream/nope/0", range);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body,
            "{\"error\":\"topic \\\"nope\\\" does not exist\",\"code\":\"NotFound\"}\n");
  auto streamed = client.Get("/stream/t/0-", range);
  ASSERT_TRUE(streamed);
  EXPECT_EQ(streamed->status, 200);
  EXPECT_EQ(streamed->body, "[{\"a\":1}]");
  EXPECT_EQ(Count("t"), 1u);
  // One that cannot be parsed is refused (by httplib, before routing) with a sentence.
  auto malformed = client.Get("/health", {{"Range", "bytes=zz"}});
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 416);
  EXPECT_NE(malformed->body.find("the Range header is malformed"), std::string::npos)
      << malformed->body;
}

}  // namespace
}  // namespace pdfs
