// End to end: the real `pdfs serve` process — lifecycle, startup errors, and
// SIGKILL under concurrent appends from several connections.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "support/pdfs_process.h"
#include "support/proc_wait.h"
#include "support/raw_http.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace pdfs {
namespace {

using json = nlohmann::json;
using pdfs::testing::PdfsServe;
using pdfs::testing::Subprocess;
using pdfs::testing::TempDir;

std::unique_ptr<httplib::Client> Client(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);
  c->set_read_timeout(30, 0);
  return c;
}

// One line on stderr, no crash: exit status 1 and exactly one newline.
void ExpectOneLineError(const pdfs::testing::RunResult& r, const std::string& fragment) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(ServeE2eTest, StopsCleanlyOnSigtermAndSigint) {
  TempDir dir;
  for (int sig : {SIGTERM, SIGINT}) {
    PdfsServe server(PDFS_BINARY, dir.Sub("data"));
    ASSERT_TRUE(server.ok());
    ASSERT_EQ(Client(server.port())->Post("/stream/t", "{}", "application/json")->status, 200);
    server.process().Signal(sig);
    int status = server.process().Wait(std::chrono::seconds(30));
    ASSERT_TRUE(WIFEXITED(status)) << "signal " << sig;
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  // Both runs' documents are there: the data directory was closed cleanly.
  PdfsServe server(PDFS_BINARY, dir.Sub("data"));
  EXPECT_EQ(Client(server.port())->Get("/stream/t/0-")->body, "[{},{}]");
}

TEST(ServeE2eTest, SigtermEndsAPendingLongPoll) {
  TempDir dir;
  PdfsServe server(PDFS_BINARY, dir.Sub("data"), {"--max-wait", "300"});
  ASSERT_TRUE(server.ok());
  ASSERT_EQ(Client(server.port())->Post("/stream/t", "{}", "application/json")->status, 200);
  // The long-poll, sent by hand so that the test knows its connection; the
  // SIGTERM comes once the server has read the whole request (its receive
  // queue in /proc/PID/net/tcp is empty), not after a guessed sleep.
  pdfs::testing::RawConnection poll(server.port());
  ASSERT_TRUE(poll.Send("GET /stream/t/1-?wait=300 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(pdfs::testing::WaitUntilConnectionRead(server.process().pid(), poll.local_port(),
                                                     std::chrono::seconds(10)));
  server.process().Signal(SIGTERM);
  int status = server.process().Wait(std::chrono::seconds(30));
  ASSERT_TRUE(WIFEXITED(status)) << "did not exit within 30 s of SIGTERM";
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // The long-poll ended with the server (an answer, then the close), not
  // at its 300 s deadline.
  EXPECT_TRUE(poll.PeerClosed(std::chrono::seconds(5)));
}

// README: --threads N, HTTP worker threads; the program refuses what cannot
// serve (0) or is absurd (over 4096) as a usage error, before starting.
TEST(ServeE2eTest, ThreadsOutsideOneTo4096IsAUsageError) {
  TempDir dir;
  for (const char* threads : {"0", "4097"}) {
    auto r = pdfs::testing::Run({PDFS_BINARY, "serve", "--data", dir.Sub("data"), "--listen",
                                 "127.0.0.1:0", "--threads", threads},
                                "", std::chrono::seconds(10));
    EXPECT_EQ(r.exit_code, 2) << "--threads " << threads << ": " << r.err;
    EXPECT_EQ(r.err, "pdfs: --threads must be between 1 and 4096\n");
  }
}

TEST(ServeE2eTest, APortInUseIsAOneLineError) {
  TempDir dir;
  PdfsServe first(PDFS_BINARY, dir.Sub("a"));
  ASSERT_TRUE(first.ok());
  auto r = pdfs::testing::Run({PDFS_BINARY, "serve", "--data", dir.Sub("b"), "--listen",
                               "127.0.0.1:" + std::to_string(first.port())});
  ExpectOneLineError(r, "pdfs: cannot listen on 127.0.0.1:" + std::to_string(first.port()) +
                            ": address already in use");
}

TEST(ServeE2eTest, ABusyDataDirectoryIsAOneLineError) {
  TempDir dir;
  PdfsServe first(PDFS_BINARY, dir.Sub("data"));
  ASSERT_TRUE(first.ok());
  auto r = pdfs::testing::Run(
      {PDFS_BINARY, "serve", "--data", dir.Sub("data"), "--listen", "127.0.0.1:0"});
  ExpectOneLineError(
      r, "pdfs: data directory " + dir.Sub("data") + " is in use by another pdfs process (pid ");
}

TEST(ServeE2eTest, AnUnusableDataDirectoryIsAOneLineError) {
  TempDir dir;
  ASSERT_TRUE(pdfs::testing::WriteFile(dir.Sub("file"), "x"));
  auto r = pdfs::testing::Run(
      {PDFS_BINARY, "serve", "--data", dir.Sub("file"), "--listen", "127.0.0.1:0"});
  ExpectOneLineError(r, "pdfs: cannot create data directory " + dir.Sub("file"));
}

TEST(ServeE2eTest, BadUsageExitsWith2AndSaysWhy) {
  TempDir dir;
  auto unknown = pdfs::testing::Run({PDFS_BINARY, "serve", "--frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown option --frobnicate"), std::string::npos) << unknown.err;
  auto listen =
      pdfs::testing::Run({PDFS_BINARY, "serve", "--data", dir.Sub("d"), "--listen", "localhost"});
  EXPECT_EQ(listen.exit_code, 2);
  EXPECT_NE(listen.err.find("is not HOST:PORT"), std::string::npos) << listen.err;
  auto port = pdfs::testing::Run(
      {PDFS_BINARY, "serve", "--data", dir.Sub("d"), "--listen", "127.0.0.1:70000"});
  EXPECT_EQ(port.exit_code, 2);
  auto command = pdfs::testing::Run({PDFS_BINARY, "frobnicate"});
  EXPECT_EQ(command.exit_code, 2);
  EXPECT_NE(command.err.find("unknown command"), std::string::npos);
}

TEST(ServeE2eTest, HelpAndVersion) {
  auto version = pdfs::testing::Run({PDFS_BINARY, "--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out, std::string("pdfs ") + PDFS_VERSION + "\n");
  auto help = pdfs::testing::Run({PDFS_BINARY, "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("pdfs serve"), std::string::npos);
}

TEST(ServeE2eTest, DefaultDataDirectoryIsPerUser) {
  TempDir home;
  Subprocess server({PDFS_BINARY, "serve", "--listen", "127.0.0.1:0"},
                    {.env = {"HOME=" + home.path(), "XDG_DATA_HOME=", "PDFS_DATA="}});
  std::string line;
  ASSERT_TRUE(server.WaitForLine("serving http://", std::chrono::seconds(30), &line))
      << server.stderr_text();
  EXPECT_NE(line.find("(data in " + home.path() + "/.local/share/pdfs)"), std::string::npos)
      << line;
  struct stat st;
  EXPECT_EQ(stat((home.path() + "/.local/share/pdfs/pdfs.lock").c_str(), &st), 0);
}

// Appenders on several keep-alive connections, single documents and
// batches; SIGKILL at a random moment; restart. Every acknowledged document
// is at its acknowledged location with its exact bytes, locations are
// gapless, and count/size equal a recount.
TEST(ServeE2eTest, SigkillUnderConcurrentAppendsLosesNothingAcknowledged) {
  TempDir dir;
  std::map<uint64_t, std::string> acked;
  std::mutex acked_mu;
  uint64_t total_acked = 0;
  for (int round = 0; round < 3; ++round) {
    PdfsServe server(PDFS_BINARY, dir.Sub("data"));
    ASSERT_TRUE(server.ok());
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&, t] {
        auto client = Client(server.port());
        for (int s = 0; !stop; ++s) {
          const bool batch = t % 2 == 1;
          std::vector<std::string> docs;
          for (int i = 0; i < (batch ? 20 : 1); ++i) {
            docs.push_back("{\"r\":" + std::to_string(round) + ",\"t\":" + std::to_string(t) +
                           ",\"s\":" + std::to_string(s) + ",\"i\":" + std::to_string(i) + "}");
          }
          std::string body = docs[0];
          if (batch) {
            body = "[";
            for (size_t i = 0; i < docs.size(); ++i) body += (i ? "," : "") + docs[i];
            body += "]";
          }
          auto r = client->Post("/stream/crash", body, "application/json");
          if (!r || r->status != 200) return;  // the server is gone: stop
          json j = json::parse(r->body);
          std::lock_guard<std::mutex> lock(acked_mu);
          if (batch) {
            auto list = j["location_list"].get<std::vector<uint64_t>>();
            for (size_t i = 0; i < list.size(); ++i) acked[list[i]] = docs[i];
            total_acked += list.size();
          } else {
            acked[j["location"].get<uint64_t>()] = docs[0];
            ++total_acked;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500 + 250 * round));
    server.Kill();
    stop = true;
    for (auto& th : threads) th.join();
  }
  ASSERT_GT(acked.size(), 100u);

  PdfsServe server(PDFS_BINARY, dir.Sub("data"));
  ASSERT_TRUE(server.ok());
  auto client = Client(server.port());
  json meta = json::parse(client->Get("/stream/crash")->body)[0];
  auto range = client->Get("/stream/crash/0-", {{"Accept", "application/x-ndjson"}});
  ASSERT_EQ(range->status, 200);
  uint64_t n = 0, bytes = 0;
  size_t pos = 0;
  while (pos < range->body.size()) {
    size_t nl = range->body.find('\n', pos);
    ASSERT_NE(nl, std::string::npos);
    std::string doc = range->body.substr(pos, nl - pos);
    auto it = acked.find(n);
    if (it != acked.end()) {
      ASSERT_EQ(doc, it->second) << "location " << n;
    }
    bytes += doc.size();
    ++n;
    pos = nl + 1;
  }
  // Every acknowledged location exists (the range is gapless by construction).
  EXPECT_GT(n, acked.rbegin()->first);
  EXPECT_EQ(meta["count"].get<uint64_t>(), n);
  EXPECT_EQ(meta["size"].get<uint64_t>(), bytes);
  std::printf("checked %zu acknowledged documents (%llu acknowledgements) over 3 SIGKILLs\n",
              acked.size(), static_cast<unsigned long long>(total_acked));
}

}  // namespace
}  // namespace pdfs
