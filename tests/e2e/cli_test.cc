// End to end: the client tools of the real `pdfs` program (topics, stat, get,
// write, truncate, delete, follow) against the real `pdfs serve`.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "cli_fixture.h"
#include "support/proc_stats.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace pdfs {
namespace {

using pdfs::testing::PeakResidentBytes;

TEST_F(CliTest, WriteJsonLinesThenGetReturnsExactMinifiedBytes) {
  // Key order, number text and string escapes are kept; only insignificant
  // whitespace goes.
  const std::string input =
      "{ \"b\": 1, \"a\" : [ 1.50, -0, 2e+10 ] }\n"
      "{\"s\": \"tab\\there \\u00e9 \\\"q\\\" /\", \"nested\": {\"x\": null, \"y\": true}}\n"
      "\n"
      "   {\"z\":false}   \n";
  RunResult w = Pdfs("write", {"t"}, input);
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_EQ(w.out, "0\n1\n2\n");
  EXPECT_EQ(w.err, "");

  const std::string expected =
      "{\"b\":1,\"a\":[1.50,-0,2e+10]}\n"
      "{\"s\":\"tab\\there \\u00e9 \\\"q\\\" /\",\"nested\":{\"x\":null,\"y\":true}}\n"
      "{\"z\":false}\n";
  EXPECT_EQ(GetAll("t"), expected);
  RunResult one = Pdfs("get", {"t", "1"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, Lines(expected)[1] + "\n");
}

TEST_F(CliTest, WritePrettyPrintedObjectsSplitsThemByJsonNotByLines) {
  RunResult w = Pdfs("write", {"t"},
                     "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": [\n      2\n    ]\n  }\n}\n"
                     "{\"d\":3}{\"e\":4}\n{\n\"f\": 5}");
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_EQ(w.out, "0\n1\n2\n3\n");
  EXPECT_EQ(GetAll("t"), "{\"a\":1,\"b\":{\"c\":[2]}}\n{\"d\":3}\n{\"e\":4}\n{\"f\":5}\n");
}

TEST_F(CliTest, WriteArrayStoresEachElementAsADocument) {
  RunResult w = Pdfs("write", {"t"}, "\n  [ {\"a\": 1},\n {\"b\": [ ]} , {\"c\":{}} ]\n");
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_EQ(w.out, "0\n1\n2\n");
  EXPECT_EQ(GetAll("t"), "{\"a\":1}\n{\"b\":[]}\n{\"c\":{}}\n");
}

TEST_F(CliTest, WriteInvalidJsonStoresOnlyTheDocumentsBeforeIt) {
  const std::string input = "{\"a\":1}\n{\"b\":2}\n{\"c\": tru}\n{\"d\":4}\n";
  RunResult w = Pdfs("write", {"t"}, input);
  EXPECT_EQ(w.exit_code, 1);
  EXPECT_EQ(w.out, "0\n1\n");
  // The byte position of the bad token, counted from the start of stdin.
  const size_t bad = input.find("tru}") + 3;
  EXPECT_NE(w.err.find("pdfs write: invalid JSON at byte " + std::to_string(bad)),
            std::string::npos)
      << w.err;
  EXPECT_NE(
      w.err.find("the first 2 documents from stdin were stored (locations 0-1), none after them"),
      std::string::npos)
      << w.err;
  EXPECT_EQ(Lines(w.err).size(), 1u) << w.err;
  EXPECT_EQ(GetAll("t"), "{\"a\":1}\n{\"b\":2}\n");
}

TEST_F(CliTest, WriteInvalidFirstDocumentStoresNothing) {
  const std::string input = "\n\n  {\"a\" 1}\n{\"b\":2}\n";
  RunResult w = Pdfs("write", {"t"}, input);
  EXPECT_EQ(w.exit_code, 1);
  EXPECT_EQ(w.out, "");
  EXPECT_NE(w.err.find("invalid JSON at byte " + std::to_string(input.find("1}"))),
            std::string::npos)
      << w.err;
  EXPECT_NE(w.err.find("no document from stdin was stored"), std::string::npos) << w.err;
  EXPECT_EQ(Pdfs("stat", {"t"}).exit_code, 1);  // the topic was never created
}

TEST_F(CliTest, WriteIncompleteLastDocumentStoresTheCompleteOnes) {
  RunResult w = Pdfs("write", {"t"}, "{\"a\":1}{\"b\":[1,");
  EXPECT_EQ(w.exit_code, 1);
  EXPECT_EQ(w.out, "0\n");
  EXPECT_NE(w.err.find("the first document from stdin was stored (location 0), none after it"),
            std::string::npos)
      << w.err;
  EXPECT_EQ(GetAll("t"), "{\"a\":1}\n");
}

TEST_F(CliTest, WriteOfNonObjectIsRefused) {
  RunResult w = Pdfs("write", {"t"}, "{\"a\":1}\n42\n");
  EXPECT_EQ(w.exit_code, 1);
  EXPECT_NE(w.err.find("a document must be a JSON object"), std::string::npos) << w.err;
  EXPECT_EQ(GetAll("t"), "{\"a\":1}\n");
}

TEST_F(CliTest, WriteOfEmptyInputStoresNothingAndSucceeds) {
  RunResult w = Pdfs("write", {"t"}, " \n\n");
  EXPECT_EQ(w.exit_code, 0) << w.err;
  EXPECT_EQ(w.out, "");
  EXPECT_EQ(Pdfs("stat", {"t"}).exit_code, 1);
}

TEST_F(CliTest, WriteBatchesManyDocumentsInOrder) {
  std::string input;
  for (int i = 0; i < 2500; ++i) input += "{\"i\":" + std::to_string(i) + "}\n";
  RunResult w = Pdfs("write", {"t", "--batch", "7"}, input);
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_EQ(w.out, LocationLines(0, 2500));
  EXPECT_EQ(GetAll("t"), input);
}

TEST_F(CliTest, WriteKeepsEachRequestUnderTheBodyLimitOfAStrictServer) {
  // 1000 documents of 3 KiB (3 MB) against a server that takes at most
  // 2 MiB per request: one request for all would be refused.
  StopServer();
  StartServer({"--max-body", std::to_string(2 << 20)});
  const std::string pad(3000, 'x');
  std::string input;
  for (int i = 0; i < 1000; ++i)
    input += "{\"i\":" + std::to_string(i) + ",\"p\":\"" + pad + "\"}\n";
  RunResult w = Pdfs("write", {"t"}, input);
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_EQ(w.out, LocationLines(0, 1000));
  EXPECT_EQ(GetAll("t"), input);
}

TEST_F(CliTest, WriteRefusedByServerReportsItsSentenceAndWhatWasStored) {
  StopServer();
  StartServer({"--max-body", "1000"});
  // The second document alone is larger than the server accepts.
  RunResult w = Pdfs("write", {"t", "--batch", "1"},
                     "{\"a\":1}\n{\"big\":\"" + std::string(2000, 'x') + "\"}\n{\"c\":3}\n");
  EXPECT_EQ(w.exit_code, 1);
  EXPECT_EQ(w.out, "0\n");
  EXPECT_NE(w.err.find("the first document from stdin was stored (location 0), none after it"),
            std::string::npos)
      << w.err;
  EXPECT_EQ(GetAll("t"), "{\"a\":1}\n");
}

TEST_F(CliTest, GetRangeIsInclusiveClampedAndLimited) {
  std::string input;
  for (int i = 0; i < 10; ++i) input += "{\"i\":" + std::to_string(i) + "}\n";
  Write("t", input);
  const std::vector<std::string> docs = Lines(input);

  RunResult r = Pdfs("get", {"t", "2-4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, docs[2] + "\n" + docs[3] + "\n" + docs[4] + "\n");

  r = Pdfs("get", {"t", "8-100"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, docs[8] + "\n" + docs[9] + "\n");

  r = Pdfs("get", {"t", "3-", "--limit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, docs[3] + "\n" + docs[4] + "\n");

  r = Pdfs("get", {"t", "20-"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");

  r = Pdfs("get", {"t", "5-2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "pdfs get: " + ServerSentence("/stream/t/5-2") + "\n");

  r = Pdfs("get", {"t", "10"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "pdfs get: " + ServerSentence("/stream/t/10") + "\n");
}

TEST_F(CliTest, GetOfA100kDocumentRangeStreamsWithFlatMemory) {
  constexpr int kDocs = 100000;
  const std::string pad(500, 'p');
  std::string input;
  input.reserve(kDocs * 520);
  for (int i = 0; i < kDocs; ++i)
    input += "{\"i\":" + std::to_string(i) + ",\"p\":\"" + pad + "\"}\n";
  Write("t", input);  // about 50 MB

  // Peak memory of `pdfs get` while it prints `range`, and its line count.
  auto measure = [&](const std::string& range, uint64_t* lines) {
    Subprocess get({PDFS_BINARY, "get", "--url", server_->url(), "t", range});
    uint64_t peak = 0;
    std::string line, last;
    *lines = 0;
    while (get.ReadLine(&line, kLineTimeout)) {
      if (++*lines % 1000 == 0) peak = std::max(peak, PeakResidentBytes(get.pid()));
      last.swap(line);
    }
    EXPECT_TRUE(ExitedWith(get.Wait(kLineTimeout), 0)) << get.stderr_text();
    EXPECT_EQ(last, Lines(input)[*lines - 1]);
    return peak;
  };
  uint64_t small_lines = 0, large_lines = 0;
  const uint64_t small_peak = measure("0-1999", &small_lines);
  const uint64_t large_peak = measure("0-", &large_lines);
  EXPECT_EQ(small_lines, 2000u);
  EXPECT_EQ(large_lines, static_cast<uint64_t>(kDocs));
  ASSERT_GT(small_peak, 0u);
  // 50 MB went through; a client holding the range would grow by that much.
  EXPECT_LT(large_peak, small_peak + (uint64_t{16} << 20))
      << "small range peak " << small_peak << ", large range peak " << large_peak;
}

TEST_F(CliTest, TruncateThenGetShowsOnlyTheEarlierDocuments) {
  Write("t", "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n{\"d\":4}\n");
  RunResult r = Pdfs("truncate", {"t", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "TOPIC  COUNT  SIZE\n"
            "t          2    14\n");
  EXPECT_EQ(GetAll("t"), "{\"a\":1}\n{\"b\":2}\n");
  RunResult gone = Pdfs("get", {"t", "2"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_EQ(gone.err, "pdfs get: " + ServerSentence("/stream/t/2") + "\n");

  // The next append re-uses the location.
  RunResult w = Pdfs("write", {"t"}, "{\"e\":5}");
  EXPECT_EQ(w.out, "2\n");

  r = Pdfs("truncate", {"t", "0", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"topic\":\"t\",\"size\":0,\"count\":0}\n");
}

TEST_F(CliTest, DeleteRemovesTheTopic) {
  Write("t", "{\"a\":1}\n");
  Write("u", "{\"b\":1}\n");
  RunResult r = Pdfs("delete", {"t"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  RunResult stat = Pdfs("stat", {"t"});
  EXPECT_EQ(stat.exit_code, 1);
  EXPECT_EQ(stat.err, "pdfs stat: " + ServerSentence("/stream/t") + "\n");
  EXPECT_EQ(Pdfs("topics", {}).out, "TOPIC  COUNT  SIZE\nu          1     7\n");

  RunResult again = Pdfs("delete", {"u", "--json"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "{\"topic\":\"u\",\"deleted\":true}\n");
}

TEST_F(CliTest, TopicsAndStatShowCountAndSize) {
  EXPECT_EQ(Pdfs("topics", {}).out, "TOPIC  COUNT  SIZE\n");
  Write("metrics", "{\"v\":1}\n{\"v\":22}\n");
  std::string many;
  for (int i = 0; i < 12; ++i) many += "{\"long_field_name\":" + std::to_string(i) + "}\n";
  Write("a", many);

  RunResult topics = Pdfs("topics", {});
  ASSERT_EQ(topics.exit_code, 0) << topics.err;
  EXPECT_EQ(topics.out,
            "TOPIC    COUNT  SIZE\n"
            "a           12   254\n"
            "metrics      2    15\n");
  RunResult json = Pdfs("topics", {"--json"});
  EXPECT_EQ(json.out,
            "[{\"topic\":\"a\",\"size\":254,\"count\":12},"
            "{\"topic\":\"metrics\",\"size\":15,\"count\":2}]\n");

  RunResult stat = Pdfs("stat", {"metrics"});
  ASSERT_EQ(stat.exit_code, 0) << stat.err;
  EXPECT_EQ(stat.out,
            "TOPIC    COUNT  SIZE\n"
            "metrics      2    15\n");
  EXPECT_EQ(Pdfs("stat", {"metrics", "--json"}).out,
            "[{\"topic\":\"metrics\",\"size\":15,\"count\":2}]\n");
}

TEST_F(CliTest, UnknownTopicFailsWithTheServersSentence) {
  const std::string sentence = ServerSentence("/stream/nope");
  ASSERT_NE(sentence.find("nope"), std::string::npos);
  for (const auto& [cmd, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"stat", {"nope"}},
           {"get", {"nope", "0-"}},
           {"truncate", {"nope", "0"}},
           {"delete", {"nope"}},
           {"follow", {"nope"}},
       }) {
    RunResult r = Pdfs(cmd, args);
    EXPECT_EQ(r.exit_code, 1) << cmd;
    EXPECT_EQ(r.err, "pdfs " + cmd + ": " + sentence + "\n") << cmd;
    EXPECT_EQ(r.out, "") << cmd;
  }
}

TEST_F(CliTest, ServerDownFailsWithAConnectionMessage) {
  const std::string url = server_->url();
  StopServer();
  const std::string expected = "cannot connect to " + url + ": connection refused";
  for (const auto& [cmd, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"topics", {}},
           {"get", {"t", "0-"}},
           {"write", {"t"}},
           {"follow", {"t"}},
       }) {
    RunResult r = RunAt(url, cmd, args, "{\"a\":1}\n");
    EXPECT_EQ(r.exit_code, 1) << cmd;
    EXPECT_EQ(r.err.substr(0, r.err.find(": ") + 2), "pdfs " + cmd + ": ") << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
  }
}

TEST_F(CliTest, BadUsageExitsWithTwoAndShowsTheCommandsUsage) {
  const std::vector<std::vector<std::string>> cases = {
      {"get", "t"},                        // LOCATION missing
      {"get", "t", "abc"},                 // not a location
      {"get", "t", "-5"},                  // no start
      {"get", "t", "3", "--limit", "2"},   // --limit on one document
      {"get", "t", "0-", "--limit", "x"},  // not a number
      {"stat"},                            // TOPIC missing
      {"stat", "t", "extra"},              // too many
      {"topics", "--bogus"},               // unknown option
      {"truncate", "t", "1-2"},            // a range is not a location
      {"write", "t", "--batch", "0"},      // empty batches
      {"follow", "t", "--from", "1", "--from-end"},
      {"follow", "t", "--wait", "0"},
      {"delete", "a/b"},                         // would change the path
      {"stat", ".."},                            // a dot segment
      {"topics", "--url", "ftp://example.com"},  // not http
  };
  for (const std::vector<std::string>& args : cases) {
    std::vector<std::string> argv = {PDFS_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    if (std::find(args.begin(), args.end(), "--url") == args.end()) {
      argv.insert(argv.end(), {"--url", server_->url()});
    }
    RunResult r = pdfs::testing::Run(argv);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << (args.size() > 1 ? args[1] : "");
    EXPECT_EQ(r.err.rfind("pdfs " + args[0] + ": ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("usage:\n  pdfs " + args[0] + " "), std::string::npos) << r.err;
  }
  RunResult help = pdfs::testing::Run({PDFS_BINARY, "get", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("pdfs get TOPIC"), std::string::npos);
}

TEST_F(CliTest, HostileTopicNamesCannotReachAnotherPath) {
  Write("a", "{\"x\":1}\n{\"x\":2}\n{\"x\":3}\n");
  // Sent percent-encoded, the server sees the whole name and refuses it.
  for (const std::string name : {"a?x=1", "a%2F0", "a#0", "a 0", "%2E%2E"}) {
    RunResult r = Pdfs("truncate", {name, "0"});
    EXPECT_EQ(r.exit_code, 1) << name;
    EXPECT_NE(r.err.find("pdfs truncate: "), std::string::npos) << r.err;
  }
  EXPECT_EQ(Pdfs("stat", {"a", "--json"}).out, "[{\"topic\":\"a\",\"size\":21,\"count\":3}]\n");
}

TEST_F(CliTest, UrlComesFromTheFlagThenPdfsUrlThenTheDefault) {
  Write("t", "{\"a\":1}\n");
  {
    Subprocess env_only(
        {PDFS_BINARY, "topics"},
        Subprocess::Options{.capture_stderr = true, .env = {"PDFS_URL=" + server_->url()}});
    std::string line;
    ASSERT_TRUE(env_only.ReadLine(&line, kLineTimeout));
    ASSERT_TRUE(env_only.ReadLine(&line, kLineTimeout)) << env_only.stderr_text();
    EXPECT_EQ(line, "t          1     7");
    EXPECT_TRUE(ExitedWith(env_only.Wait(kLineTimeout), 0));
  }
  {
    Subprocess flag_wins(
        {PDFS_BINARY, "topics", "--url", server_->url()},
        Subprocess::Options{.capture_stderr = true, .env = {"PDFS_URL=http://127.0.0.1:1"}});
    EXPECT_TRUE(flag_wins.WaitForLine("t          1     7", kLineTimeout));
    EXPECT_TRUE(ExitedWith(flag_wins.Wait(kLineTimeout), 0)) << flag_wins.stderr_text();
  }
  {
    Subprocess env_used(
        {PDFS_BINARY, "topics"},
        Subprocess::Options{.capture_stderr = true, .env = {"PDFS_URL=http://127.0.0.1:1"}});
    EXPECT_TRUE(ExitedWith(env_used.Wait(kLineTimeout), 1));
    EXPECT_NE(env_used.stderr_text().find("cannot connect to http://127.0.0.1:1"),
              std::string::npos)
        << env_used.stderr_text();
  }
}

TEST_F(CliTest, FollowPrintsDocumentsAppendedAfterItStarted) {
  Write("t", "{\"before\":0}\n{\"before\":1}\n");
  std::unique_ptr<Subprocess> follow = Follow({"t"});
  // follow starts at the end it finds, which this test cannot observe: append
  // until the first document shows up, then every later one must follow it
  // in order, and nothing from before the start may appear.
  std::string line;
  int first = -1;
  for (int k = 0; k < 300 && first < 0; ++k) {
    Write("t", "{\"after\":" + std::to_string(k) + "}\n");
    if (follow->ReadLine(&line, milliseconds(100))) {
      ASSERT_EQ(line.rfind("{\"after\":", 0), 0u) << line;
      first = std::stoi(line.substr(9));
    }
  }
  ASSERT_GE(first, 0) << follow->stderr_text();
  Write("t", "{\"last\":1}\n");
  std::vector<std::string> seen;
  while (follow->ReadLine(&line, kLineTimeout) && line != "{\"last\":1}") seen.push_back(line);
  EXPECT_EQ(line, "{\"last\":1}");
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i], "{\"after\":" + std::to_string(first + 1 + static_cast<int>(i)) + "}");
  }
  follow->Signal(SIGTERM);
  EXPECT_TRUE(ExitedWith(follow->Wait(kLineTimeout), 0)) << follow->stderr_text();
  EXPECT_EQ(follow->stderr_text(), "");
}

TEST_F(CliTest, FollowFromZeroPrintsExistingThenNewDocuments) {
  Write("t", "{\"a\":1}\n{\"b\":2}\n");
  std::unique_ptr<Subprocess> follow = Follow({"t", "--from", "0"});
  std::string line;
  ASSERT_TRUE(follow->ReadLine(&line, kLineTimeout)) << follow->stderr_text();
  EXPECT_EQ(line, "{\"a\":1}");
  ASSERT_TRUE(follow->ReadLine(&line, kLineTimeout));
  EXPECT_EQ(line, "{\"b\":2}");
  Write("t", "{\"c\":3}\n{\"d\":4}\n");
  ASSERT_TRUE(follow->ReadLine(&line, kLineTimeout));
  EXPECT_EQ(line, "{\"c\":3}");
  ASSERT_TRUE(follow->ReadLine(&line, kLineTimeout));
  EXPECT_EQ(line, "{\"d\":4}");
  follow->Signal(SIGINT);
  EXPECT_TRUE(ExitedWith(follow->Wait(kLineTimeout), 0)) << follow->stderr_text();
}

TEST_F(CliTest, FollowFromTheMiddleStartsThere) {
  Write("t", "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
  std::unique_ptr<Subprocess> follow = Follow({"t", "--from", "2"});
  std::string line;
  ASSERT_TRUE(follow->ReadLine(&line, kLineTimeout)) << follow->stderr_text();
  EXPECT_EQ(line, "{\"c\":3}");
  follow->Signal(SIGTERM);
  EXPECT_TRUE(ExitedWith(follow->Wait(kLineTimeout), 0));
}

TEST_F(CliTest, FollowAfterTruncationContinuesFromTheNewEnd) {
  Write("t", "{\"i\":0}\n{\"i\":1}\n{\"i\":2}\n{\"i\":3}\n");
  std::unique_ptr<Subprocess> follow = Follow({"t", "--from", "0", "--wait", "1"});
  std::string line;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(follow->ReadLine(&line, kLineTimeout)) << follow->stderr_text();
    EXPECT_EQ(line, "{\"i\":" + std::to_string(i) + "}");
  }
  ASSERT_EQ(Pdfs("truncate", {"t", "1"}).exit_code, 0);
  std::vector<std::string> lines;
  ASSERT_TRUE(WaitForStderr(*follow, "truncated to 1 documents", &lines)) << follow->stderr_text();
  EXPECT_TRUE(lines.empty());
  // Location 1 again: a follower still waiting for location 4 would miss it.
  Write("t", "{\"new\":1}\n");
  ASSERT_TRUE(follow->ReadLine(&line, kLineTimeout)) << follow->stderr_text();
  EXPECT_EQ(line, "{\"new\":1}");
  follow->Signal(SIGTERM);
  EXPECT_TRUE(ExitedWith(follow->Wait(kLineTimeout), 0));
  EXPECT_EQ(follow->stderr_text(),
            "pdfs follow: topic \"t\" was truncated to 1 documents; continuing from there\n");
}

TEST_F(CliTest, FollowReconnectsAfterTheServerRestarts) {
  Write("t", "{\"a\":1}\n");
  const std::string port = std::to_string(server_->port());
  std::unique_ptr<Subprocess> follow = Follow({"t", "--from", "0", "--wait", "2"});
  std::string line;
  ASSERT_TRUE(follow->ReadLine(&line, kLineTimeout)) << follow->stderr_text();
  EXPECT_EQ(line, "{\"a\":1}");

  StopServer();
  std::vector<std::string> lines;
  ASSERT_TRUE(WaitForStderr(*follow, "retrying in", &lines)) << follow->stderr_text();
  StartServer({"--listen", "127.0.0.1:" + port});  // same data, same port
  Write("t", "{\"b\":2}\n");
  ASSERT_TRUE(follow->ReadLine(&line, kLineTimeout)) << follow->stderr_text();
  EXPECT_EQ(line, "{\"b\":2}");
  EXPECT_TRUE(WaitForStderr(*follow, "pdfs follow: reconnected to " + server_->url(), &lines))
      << follow->stderr_text();
  EXPECT_TRUE(lines.empty());
  follow->Signal(SIGTERM);
  EXPECT_TRUE(ExitedWith(follow->Wait(kLineTimeout), 0));
}

TEST_F(CliTest, FollowEndsWithTheServersSentenceWhenTheTopicIsDeleted) {
  Write("t", "{\"a\":1}\n");
  std::unique_ptr<Subprocess> follow = Follow({"t", "--from", "0"});
  std::string line;
  ASSERT_TRUE(follow->ReadLine(&line, kLineTimeout)) << follow->stderr_text();
  ASSERT_EQ(Pdfs("delete", {"t"}).exit_code, 0);
  EXPECT_TRUE(ExitedWith(follow->Wait(kLineTimeout), 1)) << follow->stderr_text();
  // The long-poll says "was deleted", a later stat "does not exist": either
  // way the server's sentence, on one line.
  const std::string err = follow->stderr_text();
  EXPECT_EQ(err.rfind("pdfs follow: topic \"t\" ", 0), 0u) << err;
  EXPECT_EQ(Lines(err).size(), 1u) << err;
}

// A server that implements only the seed's stream API: ranges are JSON
// arrays whatever the Accept header says.
TEST(CliSeedServerTest, GetSplitsAJsonArrayRangeIntoLines) {
  httplib::Server server;
  server.Get(R"(/stream/t/0-)", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("[{\"a\":1},{\"b\":[1,2]}]", "application/json");
  });
  server.Get(R"(/stream/t/5-)", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("[]", "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread thread([&] { server.listen_after_bind(); });
  const std::string url = "http://127.0.0.1:" + std::to_string(port);

  RunResult r = pdfs::testing::Run({PDFS_BINARY, "get", "--url", url, "t", "0-"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"a\":1}\n{\"b\":[1,2]}\n");
  r = pdfs::testing::Run({PDFS_BINARY, "get", "--url", url, "t", "5-"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  r = pdfs::testing::Run({PDFS_BINARY, "get", "--url", url, "t", "0-", "--limit", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"a\":1}\n");

  server.stop();
  thread.join();
}

}  // namespace
}  // namespace pdfs
