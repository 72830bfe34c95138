// The Katar face over HTTP (docs/KATAR.md), every row and its bad input.
// Each test runs twice: against an http::Server in this process, and
// black-box against the real `pdfs serve` program.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/api_fixture.h"

namespace pdfs {
namespace {

using json = nlohmann::json;
using pdfs::testing::Target;

class KatarApiTest : public testing::ApiTest {
 protected:
  httplib::Result Put(const std::string& path, const std::string& body) {
    return client_->Put(path.c_str(), body, "application/json");
  }
  httplib::Result Patch(const std::string& path, const std::string& body) {
    return client_->Patch(path.c_str(), body, "application/json");
  }
  // POSTs `body` and returns the JSON answer, expecting `status`.
  json PostOk(const std::string& path, const std::string& body, int status = 200) {
    auto r = Post(path, body);
    EXPECT_TRUE(r && r->status == status)
        << path << " " << body << " -> " << (r ? r->body : "no response");
    return Json(r);
  }
  json GetOk(const std::string& path) {
    auto r = Get(path);
    EXPECT_TRUE(r && r->status == 200) << path << " -> " << (r ? r->body : "no response");
    return Json(r);
  }
  json Pull(const json& request) { return PostOk("/subscribe", request.dump()); }
  // The values of a pull's messages, in order.
  static json Values(const json& pulled) {
    json out = json::array();
    for (const json& m : pulled["messages"]) out.push_back(m["value"]);
    return out;
  }
};

// --- topic configuration ---------------------------------------------------

TEST_P(KatarApiTest, TopicsOfEveryFaceAreListedAndTopicsMadeHereAreStreams) {
  ASSERT_EQ(Post("/stream/from-stream", R"({"a":1})")->status, 200);
  EXPECT_EQ(GetOk("/topic"), json::parse(R"({"topics":["from-stream"]})"));
  json made = PostOk("/topic", R"({"name":"orders"})", 201);
  EXPECT_EQ(made["topic"], "orders");
  EXPECT_EQ(made["created"], true);
  EXPECT_EQ(made["renamed"], false);
  EXPECT_EQ(GetOk("/topic")["topics"], json::parse(R"(["from-stream","orders"])"));
  // The same topic through the stream face: present and empty.
  EXPECT_EQ(GetOk("/stream/orders")[0]["count"], 0);
}

TEST_P(KatarApiTest, CreationIsNotIdempotentAndSaysWhichNameItMade) {
  EXPECT_EQ(PostOk("/topic", R"({"name":"sample"})", 201)["topic"], "sample");
  json second = PostOk("/topic", R"({"name":"sample"})", 201);
  EXPECT_EQ(second["topic"], "sample__0");
  EXPECT_EQ(second["renamed"], true);
  // The seed code's form: the name in the path, the config as the body.
  json third = PostOk("/topic/sample", R"({"description":"third"})", 201);
  EXPECT_EQ(third["topic"], "sample__1");
  EXPECT_EQ(third["config"]["description"], "third");
  EXPECT_EQ(GetOk("/topic")["topics"], json::parse(R"(["sample","sample__0","sample__1"])"));
}

TEST_P(KatarApiTest, NamesThatWouldGrowPastTheLimitAreRefused) {
  const std::string name(127, 'n');
  EXPECT_EQ(PostOk("/topic", json{{"name", name}}.dump(), 201)["topic"], name);
  // name__0 would be 130 bytes: refused, and nothing else is made.
  ExpectError(Post("/topic", json{{"name", name}}.dump()), 400, "128");
  EXPECT_EQ(GetOk("/topic")["topics"].size(), 1u);
  ExpectError(Post("/topic", R"({"name":".hidden"})"), 400, "");
  ExpectError(Post("/topic", R"({"name":"a/b"})"), 400, "");
  ExpectError(Post("/topic", R"({"name":".."})"), 400, "");
  ExpectError(Post("/topic", json{{"name", std::string(200000, 'x')}}.dump()), 400, "");
  ExpectError(Post("/topic", R"({"name":7})"), 400, "\"name\" must be a string");
  ExpectError(Post("/topic", R"({})"), 400, "\"name\" is required");
  EXPECT_EQ(GetOk("/topic")["topics"].size(), 1u);
}

TEST_P(KatarApiTest, GetShowsEverySettingAndTheTopicsExtent) {
  PostOk("/topic", R"({"name":"t","config":{"retention_messages":5,"description":"d"}})", 201);
  PostOk("/publish", R"({"topic":"t","messages":[1,2,3]})");
  json got = GetOk("/topic/t");
  EXPECT_EQ(got["topic"], "t");
  EXPECT_EQ(got["first"], 0);
  EXPECT_EQ(got["count"], 3);
  EXPECT_GT(got["size"].get<uint64_t>(), 0u);
  const json& c = got["config"];
  EXPECT_EQ(c["description"], "d");
  EXPECT_EQ(c["retention_messages"], 5);
  EXPECT_TRUE(c["retention_ms"].is_null());
  EXPECT_TRUE(c["retention_bytes"].is_null());
  EXPECT_EQ(c["max_message_bytes"], testing::kMaxBody);
  EXPECT_EQ(c["max_segment_size"], 1073741824);
  EXPECT_EQ(c["index_byte_gap"], 1024);
  EXPECT_EQ(c["serializer"], "JSONSerializer");
  ExpectError(Get("/topic/missing"), 404, "missing");
}

TEST_P(KatarApiTest, PutResetsWhatItOmitsAndPatchChangesOnlyWhatItNames) {
  PostOk("/topic", R"({"name":"t","config":{"description":"d","retention_ms":60000}})", 201);
  auto patched = Patch("/topic/t", R"({"retention_messages":10})");
  ASSERT_EQ(patched->status, 200) << patched->body;
  json c = Json(patched)["config"];
  EXPECT_EQ(c["description"], "d");
  EXPECT_EQ(c["retention_ms"], 60000);
  EXPECT_EQ(c["retention_messages"], 10);
  // null resets one setting.
  ASSERT_EQ(Patch("/topic/t", R"({"retention_ms":null})")->status, 200);
  EXPECT_TRUE(GetOk("/topic/t")["config"]["retention_ms"].is_null());
  auto put = Put("/topic/t", R"({"index_byte_gap":4096})");
  ASSERT_EQ(put->status, 200) << put->body;
  c = GetOk("/topic/t")["config"];
  EXPECT_EQ(c["index_byte_gap"], 4096);
  EXPECT_EQ(c["description"], "");
  EXPECT_TRUE(c["retention_messages"].is_null());
  ExpectError(Put("/topic/missing", "{}"), 404, "missing");
  ExpectError(Patch("/topic/missing", "{}"), 404, "missing");
}

TEST_P(KatarApiTest, BadSettingsAreRefusedAndChangeNothing) {
  PostOk("/topic", R"({"name":"t","config":{"description":"kept"}})", 201);
  const json before = GetOk("/topic/t");
  for (const char* body :
       {R"({"colour":"red"})", R"({"retention_ms":"soon"})", R"({"retention_messages":-1})",
        R"({"retention_bytes":0})", R"({"retention_ms":1e300})", R"({"max_message_bytes":1.5})",
        R"({"max_message_bytes":99999999999})", R"({"serializer":"Pickle"})", R"([1,2])",
        R"({"description":)", "not json"}) {
    SCOPED_TRACE(body);
    ExpectError(Patch("/topic/t", body), 400, "");
    ExpectError(Put("/topic/t", body), 400, "");
    ExpectError(Post("/topic/new", body), 400, "");
  }
  EXPECT_EQ(GetOk("/topic/t"), before);
  EXPECT_EQ(GetOk("/topic")["topics"], json::parse(R"(["t"])"));
}

TEST_P(KatarApiTest, DeleteRemovesTheTopicFromEveryFace) {
  PostOk("/publish", R"({"topic":"gone","messages":[{"a":1}]})");
  auto r = Delete("/topic/gone");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Json(r), json::parse(R"({"topic":"gone","deleted":true})"));
  ExpectError(Get("/stream/gone"), 404, "gone");
  ExpectError(Get("/topic/gone"), 404, "gone");
  ExpectError(Delete("/topic/gone"), 404, "gone");
}

// --- publish -----------------------------------------------------------------

TEST_P(KatarApiTest, AnyJsonValueIsAMessageAndComesBackExactly) {
  const json values = json::parse(R"([{"a":{"b":[1,2]}}, "text", 42, -1.5, true, null, [1,"x"]])");
  json published = PostOk("/publish", json{{"topic", "t"}, {"messages", values}}.dump());
  ASSERT_EQ(published["results"].size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(published["results"][i], (json{{"topic", "t"}, {"offset", i}}));
  }
  EXPECT_EQ(Values(Pull({{"topic", "t"}, {"offset", 0}})), values);
  // An object is a document to the stream face as well.
  EXPECT_EQ(Json(Get("/stream/t/0")), values[0]);
}

TEST_P(KatarApiTest, OneRequestToManyTopicsIsAtomic) {
  json published = PostOk("/publish", R"({"topics":["a","b"],"messages":[{"n":1},{"n":2}]})");
  EXPECT_EQ(published["results"], json::parse(R"([{"topic":"a","offset":0},{"topic":"a","offset":1},
                            {"topic":"b","offset":0},{"topic":"b","offset":1}])"));
  // One invalid name: nothing stored anywhere.
  ExpectError(Post("/publish", R"({"topics":["a","no/slash"],"messages":[{"n":3}]})"), 400, "");
  ExpectError(Post("/publish", R"({"topics":["a",".system"],"messages":[{"n":3}]})"), 400, "");
  EXPECT_EQ(GetOk("/stream/a")[0]["count"], 2);
  EXPECT_EQ(GetOk("/topic")["topics"], json::parse(R"(["a","b"])"));
}

TEST_P(KatarApiTest, BadPublishBodiesStoreNothing) {
  PostOk("/topic", R"({"name":"t","config":{"max_message_bytes":100}})", 201);
  const std::string big = "\"" + std::string(200, 'x') + "\"";
  ExpectError(Post("/publish", R"({"topic":"t","messages":[1,)" + big + "]}"), 413, "message 1");
  ExpectError(Post("/publish", "not json"), 400, "not valid JSON");
  ExpectError(Post("/publish", R"([{"topic":"t"}])"), 400, "object");
  ExpectError(Post("/publish", R"({"topic":"t","messages":[]})"), 400, "empty");
  ExpectError(Post("/publish", R"({"topic":"t"})"), 400, "\"message\"");
  ExpectError(Post("/publish", R"({"messages":[1]})"), 400, "\"topic\"");
  ExpectError(Post("/publish", R"({"topic":"t","topics":["u"],"messages":[1]})"), 400, "");
  ExpectError(Post("/publish", R"({"topic":"t","messages":[1],"key":"k"})"), 400, "\"key\"");
  ExpectError(Post("/publish", R"({"topic":"t","messages":7})"), 400, "array");
  ExpectError(Post("/publish", R"({"topics":[],"messages":[1]})"), 400, "non-empty");
  // What a splitter that skips inside messages must still refuse.
  for (const std::string body :
       {R"({"topic":"t","messages":[1]} x)", R"({"topic":"t","messages":[1]}{})",
        R"({"topic":"t","topic":"u","messages":[1]})", R"({"topic":"t" "messages":[1]})",
        R"({"topic":"t","messages":[tru]})", R"({"topic":"t","messages":[1,]})",
        R"({"topic":"t","messages":[{"a":1,}]})", R"({"topic":"t","messages":[{"a" 1}]})",
        R"({"topic":"t","messages":[[1 2]]})", "{\"topic\":\"t\",\"messages\":[\"\xFF\"]}",
        R"({"topic":"t","messages":[1])", R"({"topic":"t","messages":["x]})"}) {
    SCOPED_TRACE(body);
    ExpectError(Post("/publish", body), 400, "");
  }
  // Nesting that a recursive parser would die of.
  ExpectError(Post("/publish", R"({"topic":"t","message":)" + std::string(100000, '[') +
                                   std::string(100000, ']') + "}"),
              400, "deeper");
  ExpectError(Post("/publish/t", std::string(100000, '[') + std::string(100000, ']')), 400,
              "deeper");
  ExpectError(Post("/publish/t", "{\"a\":"), 400, "");
  ExpectError(Post("/publish/t", big), 413, "");
  EXPECT_EQ(GetOk("/topic/t")["count"], 0);
}

TEST_P(KatarApiTest, TheSeedCodesPublishFormTakesOneRawValue) {
  json one = PostOk("/publish/raw", R"({"x":1})");
  EXPECT_EQ(one, json::parse(R"({"topic":"raw","offset":0})"));
  EXPECT_EQ(PostOk("/publish/raw", "[1,2]")["offset"], 1);
  EXPECT_EQ(Values(Pull({{"topic", "raw"}, {"offset", 0}})), json::parse(R"([{"x":1},[1,2]])"));
}

// --- subscribe ---------------------------------------------------------------

TEST_P(KatarApiTest, AGroupResumesFromItsCommittedOffset) {
  PostOk("/publish", R"({"topic":"t","messages":[0,1,2,3,4]})");
  json first = Pull({{"topic", "t"}, {"group", "g"}, {"max", 2}});
  EXPECT_EQ(Values(first), json::parse("[0,1]"));
  EXPECT_EQ(first["next_offset"], 2);
  EXPECT_EQ(first["reset"], false);
  // A pull never moves the group: the same messages again until a commit.
  EXPECT_EQ(Values(Pull({{"topic", "t"}, {"group", "g"}, {"max", 2}})), json::parse("[0,1]"));
  ExpectError(Get("/subscribe/commit?topic=t&group=g"), 404, "");
  json committed = PostOk("/subscribe/commit", R"({"topic":"t","group":"g","offset":2})");
  EXPECT_EQ(committed, json::parse(R"({"topic":"t","group":"g","offset":2,"moved":true})"));
  EXPECT_EQ(GetOk("/subscribe/commit?topic=t&group=g")["offset"], 2);
  // Commit-and-pull in one request.
  json next = Pull({{"topic", "t"}, {"group", "g"}, {"max", 2}});
  EXPECT_EQ(Values(next), json::parse("[2,3]"));
  json last = Pull({{"topic", "t"}, {"group", "g"}, {"commit", 4}});
  EXPECT_EQ(Values(last), json::parse("[4]"));
  EXPECT_EQ(GetOk("/subscribe/commit?topic=t&group=g")["offset"], 4);
  // Never backwards.
  EXPECT_EQ(PostOk("/subscribe/commit", R"({"topic":"t","group":"g","offset":1})")["moved"], false);
  EXPECT_EQ(GetOk("/subscribe/commit?topic=t&group=g")["offset"], 4);
  // Another group starts at the beginning.
  EXPECT_EQ(Values(Pull({{"topic", "t"}, {"group", "other"}})), json::parse("[0,1,2,3,4]"));
}

TEST_P(KatarApiTest, APullIsBoundedByMaxAndMaxBytes) {
  PostOk("/publish", R"({"topic":"t","messages":["aaaaaaaaaa","bbbbbbbbbb","cccccccccc"]})");
  EXPECT_EQ(Pull({{"topic", "t"}, {"offset", 0}, {"max", 1}})["messages"].size(), 1u);
  // The first message comes whatever its size; then only what fits.
  EXPECT_EQ(Pull({{"topic", "t"}, {"offset", 0}, {"max_bytes", 1}})["messages"].size(), 1u);
  EXPECT_EQ(Pull({{"topic", "t"}, {"offset", 0}, {"max_bytes", 25}})["messages"].size(), 2u);
  json end = Pull({{"topic", "t"}, {"offset", 3}});
  EXPECT_TRUE(end["messages"].empty());
  EXPECT_EQ(end["next_offset"], 3);
  EXPECT_EQ(end["count"], 3);
}

TEST_P(KatarApiTest, WaitReturnsAsSoonAsAMessageArrives) {
  PostOk("/topic", R"({"name":"t"})", 201);
  std::thread producer([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto c = NewClient();
    auto r = c->Post("/publish/t", R"({"late":true})", "application/json");
    EXPECT_TRUE(r && r->status == 200);
  });
  json pulled = Pull({{"topic", "t"}, {"group", "g"}, {"wait", 10}});
  producer.join();
  EXPECT_EQ(Values(pulled), json::parse(R"([{"late":true}])"));
  // A wait that ends with nothing answers an empty pull.
  json none = Pull({{"topic", "t"}, {"offset", 1}, {"wait", 0.2}});
  EXPECT_TRUE(none["messages"].empty());
}

TEST_P(KatarApiTest, BadPullsAreRefused) {
  PostOk("/publish", R"({"topic":"t","messages":[1]})");
  for (const char* body : {R"({"topic":"t","offset":-1})",
                           R"({"topic":"t","offset":1.5})",
                           R"({"topic":"t","offset":"0"})",
                           R"({"topic":"t","offset":5})",
                           R"({"topic":"t","offset":1e30})",
                           R"({"topic":"t","offset":18446744073709551616})",
                           R"({"topic":"t","max":0,"offset":0})",
                           R"({"topic":"t","max":10001,"offset":0})",
                           R"({"topic":"t","max_bytes":0,"offset":0})",
                           R"({"topic":"t","group":"bad group"})",
                           R"({"topic":"t"})",
                           R"({"topic":"t","offset":0,"wait":-1})",
                           R"({"topic":"t","offset":0,"wait":61})",
                           R"({"topic":"t","offset":0,"wait":"1"})",
                           R"({"topic":"t","offset":0,"commit":1})",
                           R"({"topic":"t","offset":0,"from":"start"})",
                           R"({"offset":0})",
                           "[]",
                           "",
                           "{"}) {
    SCOPED_TRACE(body);
    ExpectError(Post("/subscribe", body), 400, "");
  }
  // The server's --max-wait (10 s here) bounds wait too.
  ExpectError(Post("/subscribe", R"({"topic":"t","offset":0,"wait":30})"), 400, "10 seconds");
  ExpectError(Post("/subscribe", R"({"topic":"missing","offset":0})"), 404, "missing");
  ExpectError(Post("/subscribe/commit", R"({"topic":"t","group":"g","offset":9})"), 400, "past");
  ExpectError(Post("/subscribe/commit", R"({"topic":"t","group":"g"})"), 400, "\"offset\"");
  ExpectError(Post("/subscribe/commit", R"({"topic":"missing","group":"g","offset":0})"), 404, "");
  ExpectError(Get("/subscribe/commit?topic=t"), 400, "group");
  ExpectError(Get("/subscribe/commit?topic=t&group=unknown"), 404, "");
}

TEST_P(KatarApiTest, TheSeedCodesSubscribeFormReadsOneMessage) {
  PostOk("/topic", R"({"name":"t"})", 201);
  ExpectError(Get("/subscribe/t"), 404, "no messages");
  PostOk("/publish", R"({"topic":"t","messages":[{"a":1},{"a":2}]})");
  json latest = GetOk("/subscribe/t");
  EXPECT_EQ(latest["offset"], 1);
  EXPECT_EQ(latest["value"], json::parse(R"({"a":2})"));
  EXPECT_GT(latest["timestamp"].get<int64_t>(), 1700000000000);
  EXPECT_EQ(GetOk("/subscribe/t?offset=0")["value"], json::parse(R"({"a":1})"));
  ExpectError(Get("/subscribe/t?offset=2"), 404, "offset 2");
  ExpectError(Get("/subscribe/t?offset=-1"), 400, "");
  ExpectError(Get("/subscribe/missing"), 404, "missing");
}

TEST_P(KatarApiTest, OtherMethodsGet405WithAllow) {
  for (auto [method, path, allow] :
       {std::tuple{"GET", "/publish", "POST, OPTIONS"},
        std::tuple{"DELETE", "/topic", "GET, HEAD, POST, OPTIONS"},
        std::tuple{"GET", "/subscribe", "POST, OPTIONS"},
        std::tuple{"DELETE", "/subscribe/commit", "GET, HEAD, POST, OPTIONS"},
        std::tuple{"POST", "/subscribe/t", "GET, HEAD, OPTIONS"}}) {
    SCOPED_TRACE(std::string(method) + " " + path);
    auto r = Method(method, path);
    ExpectError(r, 405, "not allowed");
    EXPECT_EQ(r->get_header_value("Allow"), allow);
  }
}

// GET /metrics counts what the Katar face did, beside the shared counters.
TEST_P(KatarApiTest, MetricsCountTopicsPublishesPullsAndCommits) {
  PostOk("/topic", R"({"name":"m"})", 201);
  PostOk("/publish", R"({"topics":["m","n"],"messages":[1,2,3]})");
  PostOk("/publish/m", "4");
  Pull({{"topic", "m"}, {"group", "g"}, {"max", 3}, {"commit", 0}});
  PostOk("/subscribe/commit", R"({"topic":"m","group":"g","offset":3})");
  ASSERT_EQ(Get("/subscribe/m")->status, 200);
  auto metrics = Get("/metrics");
  ASSERT_EQ(metrics->status, 200);
  for (const char* sample :
       {"\npdfs_katar_topics_created_total 1\n", "\npdfs_katar_published_messages_total 7\n",
        "\npdfs_katar_pulled_messages_total 4\n", "\npdfs_katar_commits_total 2\n",
        "\npdfs_http_appended_documents_total 7\n", "\npdfs_documents 7\n",
        "# TYPE pdfs_katar_commits_total counter\n"}) {
    EXPECT_NE(metrics->body.find(sample), std::string::npos) << sample << metrics->body;
  }
  // The real program runs the retention pass and reports it; a server on the
  // store alone has none to report.
  EXPECT_EQ(metrics->body.find("pdfs_retention_passes_total") != std::string::npos,
            GetParam() == Target::kRealProgram)
      << metrics->body;
}

INSTANTIATE_TEST_SUITE_P(Targets, KatarApiTest,
                         ::testing::Values(Target::kInProcess, Target::kRealProgram),
                         testing::TargetName);

// In-process only: retention needs a trim, which only the engine (or the
// server's background pass) makes.
class KatarResetTest : public KatarApiTest {};

TEST_P(KatarResetTest, AGroupBehindRetentionIsToldItWasReset) {
  PostOk("/publish", R"({"topic":"t","messages":[0,1,2,3]})");
  PostOk("/subscribe/commit", R"({"topic":"t","group":"g","offset":1})");
  ASSERT_TRUE(store_->TrimFront("t", 3).ok());
  json pulled = Pull({{"topic", "t"}, {"group", "g"}});
  EXPECT_EQ(pulled["reset"], true);
  EXPECT_EQ(pulled["reset_from"], 1);
  EXPECT_EQ(pulled["first"], 3);
  EXPECT_EQ(Values(pulled), json::parse("[3]"));
}

INSTANTIATE_TEST_SUITE_P(InProcess, KatarResetTest, ::testing::Values(Target::kInProcess),
                         testing::TargetName);

}  // namespace
}  // namespace pdfs
