// The PhatData stream API (docs/PHATDATA.md, as README.md's HTTP API section pins it down), every
// row and error row. Each test runs twice: against an http::Server in this process, and black-box
// against the real `pdfs serve` program.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/api_fixture.h"

namespace pdfs {
namespace {

using json = nlohmann::json;
using pdfs::testing::kMaxBody;
using pdfs::testing::Target;

class StreamApiTest : public testing::ApiTest {
 protected:
  // Appends documents and returns the location list.
  std::vector<uint64_t> AppendMany(const std::string& topic, int n, int from = 0) {
    std::string body = "[";
    for (int i = 0; i < n; ++i) {
      if (i > 0) body += ",";
      body += "{\"i\":" + std::to_string(from + i) + "}";
    }
    body += "]";
    auto r = Post("/stream/" + topic, body);
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no response");
    return Json(r)["location_list"].get<std::vector<uint64_t>>();
  }
};

// --- GET /stream/ --------------------------------------------------------

TEST_P(StreamApiTest, ListTopicsIsEmptyAtFirst) {
  EXPECT_EQ(Json(Get("/stream/")), json::array());
  EXPECT_EQ(Json(Get("/stream")), json::array());
}

TEST_P(StreamApiTest, ListTopicsIsSortedWithSizeAndCount) {
  Post("/stream/zeta", R"({"z":1})");
  Post("/stream/alpha", R"([{"a":1},{"b":22}])");
  auto r = Get("/stream/");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body,
            R"([{"topic":"alpha","size":15,"count":2},{"topic":"zeta","size":7,"count":1}])");
  EXPECT_EQ(Get("/stream")->body, r->body);
}

// --- GET /stream/:topic ----------------------------------------------------

TEST_P(StreamApiTest, TopicMetadataIsAOneElementArray) {
  Post("/stream/log_data", R"({"foo":"bar"})");
  auto r = Get("/stream/log_data");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"([{"topic":"log_data","size":13,"count":1}])");
}

TEST_P(StreamApiTest, TopicMetadataOfAnUnknownTopicIs404) {
  ExpectError(Get("/stream/nope"), 404, "topic \"nope\" does not exist");
}

// --- POST /stream/:topic ---------------------------------------------------

TEST_P(StreamApiTest, PostOneObjectReturnsItsLocationAndCreatesTheTopic) {
  auto r = Post("/stream/metrics", R"({"foo":"bar"})");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"location":0})");
  EXPECT_EQ(Post("/stream/metrics", R"({"foo":"baz"})")->body, R"({"location":1})");
  EXPECT_EQ(Json(Get("/stream/metrics"))[0]["count"], 2);
}

TEST_P(StreamApiTest, PostArrayReturnsConsecutiveLocations) {
  Post("/stream/t", R"({"first":true})");
  auto r = Post("/stream/t", R"([{"a":1},{"b":2},{"c":3}])");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"location_list":[1,2,3]})");
}

TEST_P(StreamApiTest, PostStoresTheMinifiedTextByteForByte) {
  Post("/stream/t", "{ \"b\" : 1.50E+3,\n \"a\" : \"\\u00e9\\n\", \"u\": \"caf\xC3\xA9\" }");
  auto r = Get("/stream/t/0");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"b\":1.50E+3,\"a\":\"\\u00e9\\n\",\"u\":\"caf\xC3\xA9\"}");
}

TEST_P(StreamApiTest, PostEmptyArrayIs400) {
  ExpectError(Post("/stream/t", "[]"), 400, "empty");
  ExpectError(Get("/stream/t"), 404, "does not exist");  // nothing was created
}

TEST_P(StreamApiTest, PostInvalidJsonIs400AndStoresNothing) {
  Post("/stream/t", R"({"ok":1})");
  ExpectError(Post("/stream/t", R"({"a":)"), 400, "invalid JSON");
  ExpectError(Post("/stream/t", R"({"a" 1})"), 400, "invalid JSON at byte 5");
  ExpectError(Post("/stream/t", ""), 400, "empty");
  ExpectError(Post("/stream/t", "{\"a\":\"\xFF\"}"), 400, "UTF-8");
  EXPECT_EQ(Json(Get("/stream/t"))[0]["count"], 1);
}

TEST_P(StreamApiTest, PostOfSomethingOtherThanAnObjectIs400) {
  for (const char* body : {"42", "\"text\"", "null", "true", "[1,2]", "[{},3]", "[[{}]]"}) {
    ExpectError(Post("/stream/t", body), 400, "object");
  }
  ExpectError(Get("/stream/t"), 404, "does not exist");
}

TEST_P(StreamApiTest, PostArrayIsAtomicWhenOneElementIsBad) {
  Post("/stream/t", R"({"ok":1})");
  ExpectError(Post("/stream/t", R"([{"a":1},{"b":2},{"c":)"), 400, "invalid JSON");
  ExpectError(Post("/stream/t", R"([{"a":1},7])"), 400, "element 1");
  EXPECT_EQ(Get("/stream/t/0-")->body, R"([{"ok":1}])");
}

TEST_P(StreamApiTest, PostBodyOverTheLimitIs413AndStoresNothing) {
  std::string big = "{\"pad\":\"" + std::string(kMaxBody, 'x') + "\"}";
  ExpectError(Post("/stream/t", big), 413, "larger than the limit");
  ExpectError(Get("/stream/t"), 404, "does not exist");
  // The connection is still usable, or a new one is.
  client_ = NewClient();
  EXPECT_EQ(Post("/stream/t", "{}")->status, 200);
}

TEST_P(StreamApiTest, FormEncodedBodiesAreAcceptedWhateverTheirSize) {
  // curl -d sends application/x-www-form-urlencoded; the body is read as
  // JSON all the same (issue 22: no more httplib's 8 KiB form limit).
  auto small = Post("/stream/t", R"({"a":1})", "application/x-www-form-urlencoded");
  ASSERT_EQ(small->status, 200);
  EXPECT_EQ(Get("/stream/t/0")->body, R"({"a":1})");
  std::string big = "{\"pad\":\"" + std::string(10000, 'x') + "\"}";
  ASSERT_EQ(Post("/stream/t", big, "application/x-www-form-urlencoded")->status, 200);
  EXPECT_EQ(Get("/stream/t/1")->body, big);
}

TEST_P(StreamApiTest, PostWithAnEmptyBodyIs400) {
  ExpectError(Method("POST", "/stream/t"), 400, "empty");
  ExpectError(Get("/stream/t"), 404, "does not exist");
}

// --- GET /stream/:topic/:location -------------------------------------------

TEST_P(StreamApiTest, GetOneDocumentReturnsItsBytes) {
  AppendMany("t", 3);
  auto r = Get("/stream/t/1");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"i":1})");
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
}

TEST_P(StreamApiTest, GetPastTheEndIs404) {
  AppendMany("t", 3);
  ExpectError(Get("/stream/t/3"), 404, "location 3 does not exist");
  ExpectError(Get("/stream/t/18446744073709551615"), 404, "does not exist");
  ExpectError(Get("/stream/nope/0"), 404, "topic \"nope\" does not exist");
}

// --- ranges ----------------------------------------------------------------

TEST_P(StreamApiTest, ClosedRangeIsInclusive) {
  AppendMany("t", 5);
  EXPECT_EQ(Get("/stream/t/1-3")->body, R"([{"i":1},{"i":2},{"i":3}])");
  EXPECT_EQ(Get("/stream/t/2-2")->body, R"([{"i":2}])");
}

TEST_P(StreamApiTest, RangeEndIsClampedToTheLastDocument) {
  AppendMany("t", 3);
  EXPECT_EQ(Get("/stream/t/1-100")->body, R"([{"i":1},{"i":2}])");
  EXPECT_EQ(Get("/stream/t/0-18446744073709551615")->body, R"([{"i":0},{"i":1},{"i":2}])");
}

TEST_P(StreamApiTest, RangeStartingPastTheEndIsEmpty) {
  AppendMany("t", 3);
  auto r = Get("/stream/t/3-10");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "[]");
  EXPECT_EQ(Get("/stream/t/7-")->body, "[]");
}

TEST_P(StreamApiTest, RangeEndingBeforeItStartsIs400) {
  AppendMany("t", 3);
  ExpectError(Get("/stream/t/2-1"), 400, "ends before it starts");
}

TEST_P(StreamApiTest, RangeOfAnUnknownTopicIs404) {
  ExpectError(Get("/stream/nope/0-5"), 404, "does not exist");
  ExpectError(Get("/stream/nope/0-"), 404, "does not exist");
}

TEST_P(StreamApiTest, OpenRangeReturnsEverythingFromStart) {
  AppendMany("t", 4);
  EXPECT_EQ(Get("/stream/t/0-")->body, R"([{"i":0},{"i":1},{"i":2},{"i":3}])");
  EXPECT_EQ(Get("/stream/t/2-")->body, R"([{"i":2},{"i":3}])");
}

TEST_P(StreamApiTest, LimitCapsARange) {
  AppendMany("t", 10);
  EXPECT_EQ(Get("/stream/t/2-?limit=3")->body, R"([{"i":2},{"i":3},{"i":4}])");
  EXPECT_EQ(Get("/stream/t/2-8?limit=2")->body, R"([{"i":2},{"i":3}])");
  EXPECT_EQ(Get("/stream/t/8-9?limit=5")->body, R"([{"i":8},{"i":9}])");
  EXPECT_EQ(Get("/stream/t/0-?limit=0")->body, "[]");
  EXPECT_EQ(Get("/stream/t/0-?limit=18446744073709551615")->body.size(),
            Get("/stream/t/0-")->body.size());
  ExpectError(Get("/stream/t/0-?limit=-1"), 400, "limit");
  ExpectError(Get("/stream/t/0-?limit=99999999999999999999"), 400, "limit");
}

TEST_P(StreamApiTest, NdjsonRangesAreOneDocumentPerLine) {
  AppendMany("t", 3);
  auto r = Get("/stream/t/0-", {{"Accept", "application/x-ndjson"}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/x-ndjson");
  EXPECT_EQ(r->body, "{\"i\":0}\n{\"i\":1}\n{\"i\":2}\n");
  EXPECT_EQ(Get("/stream/t/5-", {{"Accept", "application/x-ndjson"}})->body, "");
}

TEST_P(StreamApiTest, RangesAreStreamedChunked) {
  AppendMany("t", 2000);
  auto r = Get("/stream/t/0-");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Transfer-Encoding"), "chunked");
  json docs = json::parse(r->body);
  ASSERT_EQ(docs.size(), 2000u);
  for (size_t i = 0; i < docs.size(); ++i) ASSERT_EQ(docs[i]["i"], i);
}

// --- numbers and names in paths ----------------------------------------------

TEST_P(StreamApiTest, NumbersThatAreNotUnsigned64BitDecimalsAre400) {
  AppendMany("t", 3);
  for (const char* spec :
       {"18446744073709551616", "99999999999999999999999999", "-1", "%2B1", "1e3", "0x10", "1.0",
        "abc", "1-2-3", "-", "1--", "1-18446744073709551616", "%201"}) {
    ExpectError(Get(std::string("/stream/t/") + spec), 400, "whole number");
  }
  ExpectError(Delete("/stream/t/18446744073709551616"), 400, "whole number");
}

TEST_P(StreamApiTest, HostileTopicNamesAre400AndCreateNothing) {
  for (std::string name :
       {std::string(".."), std::string("%2E%2E"), std::string(".hidden"), std::string("a%00b"),
        std::string("%FF%FE"), std::string("a%20b"), std::string("caf%C3%A9"),
        std::string(129, 'x'), std::string("a*b"), std::string("%3Cscript%3E")}) {
    auto r = Post("/stream/" + name, "{}");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << name << ": " << r->body;
    Json(r);  // a JSON error body, even for names that are not valid UTF-8
  }
  ExpectError(Post("/stream/a%2F..%2F..%2Fetc", "{}"), 400, "encoded '/'");
  EXPECT_EQ(Get("/stream/")->body, "[]");
}

TEST_P(StreamApiTest, AnEncodedSlashNeverReachesAnotherEndpoint) {
  AppendMany("a", 10);
  // Decoded, this would be DELETE /stream/a/5: a truncation of topic "a".
  ExpectError(Delete("/stream/a%2F5"), 400, "encoded '/'");
  ExpectError(Delete("/stream/a%2f5"), 400, "encoded '/'");
  ExpectError(Get("/stream/a%2F0-"), 400, "encoded '/'");
  EXPECT_EQ(Json(Get("/stream/a"))[0]["count"], 10);
}

TEST_P(StreamApiTest, EncodedCharactersInNamesAreDecodedBeforeValidation) {
  ASSERT_EQ(Post("/stream/m%65trics", "{}")->status, 200);  // %65 is 'e'
  EXPECT_EQ(Json(Get("/stream/metrics"))[0]["count"], 1);
}

TEST_P(StreamApiTest, AVeryLongPathIsRefusedCleanly) {
  // Longer than any request line the server accepts (2048 bytes): 414
  // before routing, whose std::regex recursion on an 8000-byte path once
  // overflowed a connection thread's stack and killed the server.
  for (size_t length : {2100, 8000, 20000}) {
    client_ = NewClient();  // each refusal closes its connection
    auto r = Post("/stream/" + std::string(length, 'x'), "{}");
    ASSERT_TRUE(r) << length << ": " << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 414) << length;
    EXPECT_NE(r->body.find("longer than 2048 bytes"), std::string::npos) << r->body;
  }
  // Just under the limit, the route answers: the name is too long.
  for (int i = 0; i < 50; ++i) {
    client_ = NewClient();
    auto near_limit = Post("/stream/" + std::string(2000, 'x'), "{}");
    ASSERT_TRUE(near_limit) << httplib::to_string(near_limit.error());
    EXPECT_EQ(near_limit->status, 400);
    EXPECT_NE(near_limit->body.find("at most 128 bytes"), std::string::npos) << near_limit->body;
  }
  client_ = NewClient();
  EXPECT_EQ(Get("/stream/")->body, "[]");
}

TEST_P(StreamApiTest, TopicNamesMayUseEveryAllowedCharacter) {
  const std::string name = "Az09_-.x" + std::string(120, 'n');
  ASSERT_EQ(Post("/stream/" + name, "{}")->status, 200);
  EXPECT_EQ(Json(Get("/stream/" + name))[0]["topic"], name);
}

// --- DELETE ------------------------------------------------------------------

TEST_P(StreamApiTest, DeleteLocationTruncatesAndReturnsTheNewMetadata) {
  AppendMany("t", 5);
  auto r = Delete("/stream/t/2");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"topic":"t","size":14,"count":2})");
  EXPECT_EQ(Get("/stream/t/0-")->body, R"([{"i":0},{"i":1}])");
  // The next append re-uses location 2, and a reader sees the new bytes.
  EXPECT_EQ(Post("/stream/t", R"({"new":2})")->body, R"({"location":2})");
  EXPECT_EQ(Get("/stream/t/2")->body, R"({"new":2})");
}

TEST_P(StreamApiTest, DeletePastTheEndChangesNothing) {
  AppendMany("t", 3);
  EXPECT_EQ(Delete("/stream/t/3")->body, R"({"topic":"t","size":21,"count":3})");
  EXPECT_EQ(Delete("/stream/t/1000")->body, R"({"topic":"t","size":21,"count":3})");
  ExpectError(Delete("/stream/nope/0"), 404, "does not exist");
}

TEST_P(StreamApiTest, DeleteOfARangeIs400) {
  AppendMany("t", 3);
  ExpectError(Delete("/stream/t/1-2"), 400, "one location");
  ExpectError(Delete("/stream/t/1-"), 400, "one location");
  EXPECT_EQ(Json(Get("/stream/t"))[0]["count"], 3);
}

TEST_P(StreamApiTest, DeleteTopicRemovesItAndItsDocuments) {
  AppendMany("t", 3);
  auto r = Delete("/stream/t");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(Json(r), json::parse(R"({"topic":"t","deleted":true})"));
  ExpectError(Get("/stream/t"), 404, "does not exist");
  ExpectError(Get("/stream/t/0"), 404, "does not exist");
  ExpectError(Delete("/stream/t"), 404, "does not exist");
  // A new topic of the same name starts empty.
  EXPECT_EQ(Post("/stream/t", "{}")->body, R"({"location":0})");
}

// --- methods and endpoints -----------------------------------------------------

TEST_P(StreamApiTest, WrongMethodsAre405WithAnAllowHeader) {
  AppendMany("t", 1);
  struct Case {
    const char* method;
    const char* path;
    const char* allow;
  };
  for (const Case& c : {Case{"PUT", "/stream/", "GET, HEAD, OPTIONS"},
                        Case{"POST", "/stream/", "GET, HEAD, OPTIONS"},
                        Case{"DELETE", "/stream", "GET, HEAD, OPTIONS"},
                        Case{"PUT", "/stream/t", "GET, HEAD, POST, DELETE, OPTIONS"},
                        Case{"PATCH", "/stream/t", "GET, HEAD, POST, DELETE, OPTIONS"},
                        Case{"POST", "/stream/t/0", "GET, HEAD, DELETE, OPTIONS"},
                        Case{"PUT", "/stream/t/0-", "GET, HEAD, DELETE, OPTIONS"},
                        Case{"POST", "/health", "GET, HEAD, OPTIONS"}}) {
    httplib::Request req;
    req.method = c.method;
    req.path = c.path;
    req.body = "{}";
    req.set_header("Content-Type", "application/json");
    auto r = client_->send(req);
    ASSERT_TRUE(r) << c.method << " " << c.path;
    EXPECT_EQ(r->status, 405) << c.method << " " << c.path;
    EXPECT_EQ(r->get_header_value("Allow"), c.allow) << c.method << " " << c.path;
    ExpectError(r, 405, "not allowed");
  }
  EXPECT_EQ(Json(Get("/stream/t"))[0]["count"], 1);
}

TEST_P(StreamApiTest, UnknownEndpointsAre404WithAJsonError) {
  ExpectError(Get("/nope"), 404, "no such endpoint");
  ExpectError(Get("/stream/t/0/extra"), 404, "no such endpoint");
}

TEST_P(StreamApiTest, HeadOfADocumentHasNoBody) {
  AppendMany("t", 1);
  httplib::Request req;
  req.method = "HEAD";
  req.path = "/stream/t/0";
  auto r = client_->send(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.empty());
}

TEST_P(StreamApiTest, HealthAndMetrics) {
  AppendMany("t", 3);
  auto health = Get("/health");
  ASSERT_EQ(health->status, 200);
  EXPECT_EQ(Json(health)["status"], "ok");
  auto metrics = Get("/metrics");
  ASSERT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4");
  EXPECT_NE(metrics->body.find("\npdfs_topics 1\n"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("\npdfs_documents 3\n"), std::string::npos);
  EXPECT_NE(metrics->body.find("\npdfs_http_appended_documents_total 3\n"), std::string::npos);
}

TEST_P(StreamApiTest, ManyRequestsShareOneKeepAliveConnection) {
  // cpp-httplib's default closes a connection after 5 requests.
  int connections = 0;
  client_->set_socket_options([&connections](int) { ++connections; });
  for (int i = 0; i < 50; ++i) ASSERT_EQ(Post("/stream/t", "{}")->status, 200);
  EXPECT_EQ(connections, 1);
}

// --- long-poll ------------------------------------------------------------------

TEST_P(StreamApiTest, LongPollReturnsAsSoonAsTheDocumentExists) {
  AppendMany("t", 2);
  std::thread appender([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto c = NewClient();
    c->Post("/stream/t", R"({"late":true})", "application/json");
  });
  auto r = Get("/stream/t/2-?wait=10");
  appender.join();
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"([{"late":true}])");
}

TEST_P(StreamApiTest, LongPollReturnsWhatExistsWithoutWaiting) {
  AppendMany("t", 3);
  EXPECT_EQ(Get("/stream/t/1-?wait=10")->body, R"([{"i":1},{"i":2}])");
  EXPECT_EQ(Get("/stream/t/1?wait=10")->body, R"({"i":1})");
}

TEST_P(StreamApiTest, LongPollTimesOutWithAnEmptyRange) {
  AppendMany("t", 1);
  auto r = Get("/stream/t/1-?wait=1");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "[]");
  ExpectError(Get("/stream/t/1?wait=1"), 404, "does not exist");
}

TEST_P(StreamApiTest, LongPollRejectsBadWaitsAndUnknownTopics) {
  AppendMany("t", 1);
  ExpectError(Get("/stream/t/1-?wait=11"), 400, "at most 10 seconds");
  ExpectError(Get("/stream/t/1-?wait=-1"), 400, "wait");
  ExpectError(Get("/stream/t/1-?wait=soon"), 400, "wait");
  ExpectError(Get("/stream/nope/0-?wait=1"), 404, "does not exist");
}

TEST_P(StreamApiTest, LongPollEndsWhenTheTopicIsDeleted) {
  AppendMany("t", 1);
  std::thread deleter([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    NewClient()->Delete("/stream/t");
  });
  auto r = Get("/stream/t/1-?wait=10");
  deleter.join();
  ExpectError(r, 404, "deleted");
}

TEST_P(StreamApiTest, ManyConcurrentClientsGetUniqueLocations) {
  constexpr int kClients = 8, kEach = 50;
  std::vector<std::vector<uint64_t>> got(kClients);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto client = NewClient();
      for (int i = 0; i < kEach; ++i) {
        auto r = client->Post("/stream/t", "{\"c\":" + std::to_string(c) + "}", "application/json");
        ASSERT_TRUE(r && r->status == 200);
        got[c].push_back(json::parse(r->body)["location"]);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<uint64_t> all;
  for (auto& v : got) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), size_t{kClients * kEach});
  EXPECT_EQ(*all.rbegin(), uint64_t{kClients * kEach - 1});
}

INSTANTIATE_TEST_SUITE_P(Targets, StreamApiTest,
                         ::testing::Values(Target::kInProcess, Target::kRealProgram),
                         testing::TargetName);

}  // namespace
}  // namespace pdfs
