// End to end: `pdfs publish` and `pdfs subscribe` (mountd/client_publish.cc,
// client_subscribe.cc) and the retention pass of `pdfs serve`
// (--retention-period), the real program against the real server.
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace pdfs {
namespace {

using json = nlohmann::json;

class KatarCliTest : public CliTest {
 protected:
  // Publishes through the CLI; fails the test if that fails.
  void Publish(const std::string& topic, const std::string& input) {
    RunResult r = Pdfs("publish", {topic}, input);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // "{\"n\":first}\n..." for n = first..first+count-1.
  static std::string Messages(int first, int count) {
    std::string out;
    for (int i = first; i < first + count; ++i) out += "{\"n\":" + std::to_string(i) + "}\n";
    return out;
  }

  // GET /subscribe/commit: the group's committed offset, -1 if none.
  int64_t Committed(const std::string& topic, const std::string& group) {
    httplib::Client http("127.0.0.1", server_->port());
    httplib::Result r = http.Get("/subscribe/commit?topic=" + topic + "&group=" + group);
    if (!r || r->status != 200) return -1;
    return json::parse(r->body)["offset"].get<int64_t>();
  }

  // A request to the Katar API; the answer's JSON (null if none).
  json Call(const std::string& method, const std::string& path, const std::string& body = "") {
    httplib::Client http("127.0.0.1", server_->port());
    httplib::Result r = method == "GET"   ? http.Get(path)
                        : method == "PUT" ? http.Put(path, body, "application/json")
                                          : http.Post(path, body, "application/json");
    if (!r) return nullptr;
    return json::parse(r->body, nullptr, false);
  }

  std::unique_ptr<Subprocess> Subscribe(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {PDFS_BINARY, "subscribe", "--url", server_->url()};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<Subprocess>(argv);
  }
};

TEST_F(KatarCliTest, PublishPrintsOffsetsAndAnyJsonValueIsAMessage) {
  RunResult p = Pdfs("publish", {"t"}, "{\"a\": 1}\n\n  \"text\"  \n42\r\n[1, 2]\nnull");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(p.out, "0\n1\n2\n3\n4\n");
  EXPECT_EQ(p.err, "");
  RunResult s = Pdfs("subscribe", {"t", "--from", "0", "--count", "5"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(s.out, "{\"a\":1}\n\"text\"\n42\n[1,2]\nnull\n");
  // The object is a document of the stream API too.
  EXPECT_EQ(GetAll("t").substr(0, 8), "{\"a\":1}\n");
}

TEST_F(KatarCliTest, PublishStopsAtTheFirstLineThatIsNotJson) {
  RunResult p = Pdfs("publish", {"t"}, "{\"a\":1}\n2\n{\"b\": tru}\n{\"c\":3}\n");
  EXPECT_EQ(p.exit_code, 1);
  EXPECT_EQ(p.out, "0\n1\n");
  EXPECT_NE(p.err.find("pdfs publish: line 3 of stdin is not a JSON value; the first 2 messages "
                       "from stdin were stored (offsets 0-1), none after them"),
            std::string::npos)
      << p.err;
  RunResult s = Pdfs("subscribe", {"t", "--from", "0", "--count", "2"});
  EXPECT_EQ(s.out, "{\"a\":1}\n2\n");
  RunResult nothing = Pdfs("publish", {"u"}, "oops\n");
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_NE(nothing.err.find("line 1 of stdin is not a JSON value; no message from stdin was "
                             "stored"),
            std::string::npos)
      << nothing.err;
}

TEST_F(KatarCliTest, PublishBatchesManyMessagesInOrder) {
  RunResult p = Pdfs("publish", {"t", "--batch", "700"}, Messages(0, 5000));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(p.out, LocationLines(0, 5000));
  RunResult s = Pdfs("subscribe", {"t", "--from", "0", "--count", "5000", "--max", "999"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(s.out, Messages(0, 5000));
}

TEST_F(KatarCliTest, PublishRefusedByTheServerSaysSoAndStoresNothing) {
  ASSERT_EQ(
      Call("POST", "/topic", R"({"name":"small","config":{"max_message_bytes":10}})")["topic"],
      "small");
  RunResult p = Pdfs("publish", {"small"}, "1\n\"far more than ten bytes\"\n");
  EXPECT_EQ(p.exit_code, 1);
  EXPECT_EQ(p.out, "");
  EXPECT_NE(p.err.find("no message from stdin was stored"), std::string::npos) << p.err;
  EXPECT_EQ(Call("GET", "/topic/small")["count"], 0);
}

TEST_F(KatarCliTest, SubscribeWithAGroupCommitsWhatItPrintedAndResumesThere) {
  Publish("t", Messages(0, 10));
  EXPECT_EQ(Committed("t", "g"), -1);
  RunResult first = Pdfs("subscribe", {"t", "--group", "g", "--count", "4", "--max", "3"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, Messages(0, 4));
  EXPECT_EQ(Committed("t", "g"), 4);
  RunResult second = Pdfs("subscribe", {"t", "--group", "g", "--count", "6"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, Messages(4, 6));
  EXPECT_EQ(Committed("t", "g"), 10);
  // Another group starts at the beginning; the first is not moved.
  RunResult other = Pdfs("subscribe", {"t", "--group", "h", "--count", "1"});
  EXPECT_EQ(other.out, Messages(0, 1));
  EXPECT_EQ(Committed("t", "g"), 10);
  EXPECT_EQ(Committed("t", "h"), 1);
}

TEST_F(KatarCliTest, SubscribeFromAnOffsetWithoutAGroupCommitsNothing) {
  Publish("t", Messages(0, 5));
  RunResult s = Pdfs("subscribe", {"t", "--from", "3", "--count", "2", "--envelope"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  std::vector<std::string> lines = Lines(s.out);
  ASSERT_EQ(lines.size(), 2u) << s.out;
  json first = json::parse(lines[0]);
  EXPECT_EQ(first["offset"], 3);
  EXPECT_EQ(first["value"], json::parse("{\"n\":3}"));
  EXPECT_TRUE(first["timestamp"].is_number_unsigned());
  EXPECT_EQ(json::parse(lines[1])["offset"], 4);
  // A group with --from starts there and commits from there.
  RunResult g = Pdfs("subscribe", {"t", "--group", "g", "--from", "2", "--count", "1"});
  EXPECT_EQ(g.out, Messages(2, 1));
  EXPECT_EQ(Committed("t", "g"), 3);
}

TEST_F(KatarCliTest, SubscribeFollowsNewMessagesAndCommitsWhenStopped) {
  Publish("t", Messages(0, 2));
  std::unique_ptr<Subprocess> sub = Subscribe({"t", "--group", "g", "--wait", "1"});
  std::string line;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(sub->ReadLine(&line, kLineTimeout)) << sub->stderr_text();
    EXPECT_EQ(line + "\n", Messages(i, 1));
  }
  Publish("t", Messages(2, 3));
  for (int i = 2; i < 5; ++i) {
    ASSERT_TRUE(sub->ReadLine(&line, kLineTimeout)) << sub->stderr_text();
    EXPECT_EQ(line + "\n", Messages(i, 1));
  }
  sub->Signal(SIGTERM);
  EXPECT_TRUE(ExitedWith(sub->Wait(kLineTimeout), 0)) << sub->stderr_text();
  EXPECT_EQ(sub->stderr_text(), "");
  // Everything printed is committed: a new consumer of the group gets only
  // what comes next.
  EXPECT_EQ(Committed("t", "g"), 5);
  Publish("t", Messages(5, 1));
  RunResult next = Pdfs("subscribe", {"t", "--group", "g", "--count", "1"});
  EXPECT_EQ(next.out, Messages(5, 1));
}

TEST_F(KatarCliTest, SubscribeReconnectsAfterTheServerRestartsAndLosesNoMessage) {
  Publish("t", Messages(0, 1));
  const std::string port = std::to_string(server_->port());
  std::unique_ptr<Subprocess> sub = Subscribe({"t", "--group", "g", "--wait", "1"});
  std::string line;
  ASSERT_TRUE(sub->ReadLine(&line, kLineTimeout)) << sub->stderr_text();
  EXPECT_EQ(line + "\n", Messages(0, 1));

  server_->Kill();  // a crash: whatever the subscriber committed is durable
  std::vector<std::string> lines;
  ASSERT_TRUE(WaitForStderr(*sub, "retrying in", &lines)) << sub->stderr_text();
  StartServer({"--listen", "127.0.0.1:" + port});  // same data, same port
  Publish("t", Messages(1, 2));
  for (int i = 1; i < 3; ++i) {
    ASSERT_TRUE(sub->ReadLine(&line, kLineTimeout)) << sub->stderr_text();
    EXPECT_EQ(line + "\n", Messages(i, 1));
  }
  EXPECT_TRUE(WaitForStderr(*sub, "pdfs subscribe: reconnected to " + server_->url(), &lines))
      << sub->stderr_text();
  EXPECT_TRUE(lines.empty());
  sub->Signal(SIGTERM);
  EXPECT_TRUE(ExitedWith(sub->Wait(kLineTimeout), 0));
  EXPECT_EQ(Committed("t", "g"), 3);
}

TEST_F(KatarCliTest, SubscribeToATopicThatDoesNotExistFailsWithTheServersSentence) {
  RunResult s = Pdfs("subscribe", {"nope", "--group", "g", "--wait", "1"});
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_EQ(s.out, "");
  EXPECT_NE(s.err.find("pdfs subscribe: "), std::string::npos) << s.err;
  EXPECT_NE(s.err.find("nope"), std::string::npos) << s.err;
  EXPECT_EQ(Lines(s.err).size(), 1u) << s.err;
}

TEST_F(KatarCliTest, BadUsageExitsWithTwoAndShowsTheUsage) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"subscribe", "t"}, "say where to start"},
      {{"subscribe", "t", "--group", ""}, "the group name is empty"},
      {{"subscribe", "t", "--from", "-1"}, "--from"},
      {{"subscribe", "t", "--group", "g", "--max", "0"}, "--max must be from 1 to 10000"},
      {{"subscribe", "t", "--group", "g", "--max", "10001"}, "--max must be from 1 to 10000"},
      {{"subscribe", "t", "--group", "g", "--wait", "0"}, "--wait must be from 1 to 60"},
      {{"subscribe", "t", "--group", "g", "--wait", "61"}, "--wait must be from 1 to 60"},
      {{"subscribe", "t", "--group", "g", "--count", "0"}, "--count must be at least 1"},
      {{"subscribe", "t", "--group", "g", "--count", "99999999999999999999999"}, "--count"},
      {{"publish", "t", "--batch", "0"}, "--batch must be from 1 to"},
      {{"publish"}, "TOPIC is missing"},
      {{"publish", ".."}, "is not a topic name"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args(c.args.begin() + 1, c.args.end());
    RunResult r = Pdfs(c.args[0], args);
    EXPECT_EQ(r.exit_code, 2) << c.says;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("usage:\n  pdfs " + c.args[0] + " TOPIC"), std::string::npos) << r.err;
  }
}

// --retention-period: the running server applies each topic's retention
// settings by itself, and a group whose offset went with them is told so.
TEST_F(KatarCliTest, TheServerEnforcesRetentionAndAGroupBehindItIsReset) {
  ASSERT_EQ(server_->Stop(), 0);
  StartServer({"--retention-period", "1"});
  ASSERT_EQ(Call("POST", "/topic", R"({"name":"r","config":{"retention_messages":3}})")["topic"],
            "r");
  Publish("r", Messages(0, 2));
  RunResult first = Pdfs("subscribe", {"r", "--group", "g", "--count", "1"});
  EXPECT_EQ(first.out, Messages(0, 1));
  Publish("r", Messages(2, 8));
  json topic;
  const auto deadline = std::chrono::steady_clock::now() + seconds(20);
  do {
    std::this_thread::sleep_for(milliseconds(100));
    topic = Call("GET", "/topic/r");
  } while (topic["first"] != 7 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(topic["first"], 7) << topic.dump();
  EXPECT_EQ(topic["count"], 10) << topic.dump();
  httplib::Client http("127.0.0.1", server_->port());
  httplib::Result metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("\npdfs_retention_removed_items_total 7\n"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("\npdfs_retention_errors_total 0\n"), std::string::npos);

  RunResult rest = Pdfs("subscribe", {"r", "--group", "g", "--count", "3"});
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_EQ(rest.out, Messages(7, 3));
  EXPECT_NE(rest.err.find("offset 1 of topic \"r\" is no longer stored; continuing from the "
                          "first message"),
            std::string::npos)
      << rest.err;
  EXPECT_EQ(Committed("r", "g"), 10);
}

TEST_F(KatarCliTest, RetentionPeriodOutOfRangeIsAUsageError) {
  for (const char* bad : {"0", "604801", "x"}) {
    RunResult r = pdfs::testing::Run(
        {PDFS_BINARY, "serve", "--data", dir_.Sub("other"), "--retention-period", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("retention-period"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace pdfs
