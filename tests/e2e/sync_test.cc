// Durability's cost, counted: the real `pdfs serve` under strace, counting
// its fsync(2) and fdatasync(2) calls. An acknowledged append is synced by
// default (README, "Durability"), not with --no-sync, and concurrent
// appenders share syncs (group commit). Every crash test kills with SIGKILL,
// which never needs an fsync, so only counting syncs catches a store that
// stopped syncing.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include <httplib.h>

#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace pdfs {
namespace {

using pdfs::testing::Subprocess;
using pdfs::testing::TempDir;

constexpr int kAppends = 40;

std::unique_ptr<httplib::Client> Client(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_keep_alive(true);
  c->set_read_timeout(30, 0);
  return c;
}

bool HaveStrace() { return ::access("/usr/bin/strace", X_OK) == 0; }

// The first child of `pid` (strace's tracee, the pdfs process), or 0.
pid_t ChildOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  pid_t child = 0;
  in >> child;
  return child;
}

// Runs `pdfs serve --data DIR --listen 127.0.0.1:0 <extra>` under strace,
// calls `work(port)`, stops pdfs with SIGTERM (it must exit 0) and returns
// how many fsync/fdatasync calls its threads made, from start to exit.
int CountSyncs(const std::string& dir, const std::vector<std::string>& extra,
               const std::function<void(int port)>& work,
               const std::vector<std::string>& strace_options = {}) {
  const std::string log = dir + "/strace.log";
  std::vector<std::string> argv = {"/usr/bin/strace",
                                   "-f",
                                   "--seccomp-bpf",
                                   "-qq",
                                   "-e",
                                   "trace=fsync,fdatasync",
                                   "-e",
                                   "signal=none",
                                   "-o",
                                   log,
                                   PDFS_BINARY,
                                   "serve",
                                   "--data",
                                   dir + "/data",
                                   "--listen",
                                   "127.0.0.1:0"};
  argv.insert(argv.begin() + 1, strace_options.begin(), strace_options.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  // In the ASan build, LeakSanitizer checks at exit by attaching to every
  // thread with ptrace, which fails in a process strace already traces ("does
  // not work under ptrace"): a fatal error and a non-zero exit. Leaks are
  // checked by every other test; here the child runs without the check.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string child_asan =
      "ASAN_OPTIONS=" + std::string(asan != nullptr ? asan : "") + ":detect_leaks=0";
  argv.insert(argv.begin() + 1, {"-E", child_asan});
  Subprocess strace(argv);
  std::string line;
  if (!strace.WaitForLine("serving http://", std::chrono::seconds(30), &line)) {
    ADD_FAILURE() << "pdfs serve did not start under strace: " << strace.stderr_text();
    return -1;
  }
  work(std::stoi(line.substr(line.rfind(':') + 1)));
  const pid_t pdfs = ChildOf(strace.pid());
  EXPECT_GT(pdfs, 0);
  if (pdfs > 0) ::kill(pdfs, SIGTERM);
  const int status = strace.Wait(std::chrono::seconds(30));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << status << " " << strace.stderr_text();
  std::ifstream in(log);
  int syncs = 0;
  while (std::getline(in, line)) {
    // "<... fdatasync resumed>" lines end a call already counted.
    if (line.find("fsync(") != std::string::npos || line.find("fdatasync(") != std::string::npos) {
      ++syncs;
    }
  }
  return syncs;
}

void AppendSequentially(int port) {
  auto c = Client(port);
  for (int i = 0; i < kAppends; ++i) {
    auto r = c->Post("/stream/t", "{\"i\":" + std::to_string(i) + "}", "application/json");
    ASSERT_TRUE(r && r->status == 200) << i;
  }
}

class SyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveStrace()) GTEST_FAIL() << "strace is needed (scripts/install-deps.sh installs it)";
  }
  TempDir dir_;
};

// Each of 40 appends, one after the other, is synced before its 200: at
// least one sync per append beyond what starting and stopping pdfs costs;
// with --no-sync the appends add (almost) none.
TEST_F(SyncTest, EveryAcknowledgedAppendIsSyncedByDefaultAndNoneWithNoSync) {
  TempDir quiet, synced, unsynced;
  const int baseline = CountSyncs(quiet.path(), {}, [](int) {});
  const int with_sync = CountSyncs(synced.path(), {}, AppendSequentially);
  const int without = CountSyncs(unsynced.path(), {"--no-sync"}, AppendSequentially);
  std::printf(
      "syncs for %d sequential appends: %d by default, %d with --no-sync, %d to start and stop "
      "alone\n",
      kAppends, with_sync, without, baseline);
  EXPECT_GE(with_sync - baseline, kAppends);
  EXPECT_LT(without - baseline, kAppends / 4);
}

// 8 connections appending 10 documents each at once: 80 acknowledged
// appends share far fewer than 80 syncs. strace makes every sync take 20 ms
// more, as on a disk whose cache flush is slow, so that writers queue
// behind it (on this machine's disk, fdatasync takes about as long as
// handling a request, and few writers would ever wait for one).
TEST_F(SyncTest, ConcurrentAppendersShareSyncs) {
  constexpr int kThreads = 8, kEach = 10;
  const std::vector<std::string> slow_disk = {"-e", "inject=fsync,fdatasync:delay_exit=20000"};
  TempDir quiet;
  const int baseline = CountSyncs(
      quiet.path(), {}, [](int) {}, slow_disk);
  std::atomic<int> acknowledged{0};
  const int syncs = CountSyncs(
      dir_.path(), {},
      [&](int port) {
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
          threads.emplace_back([&, t] {
            auto c = Client(port);
            for (int i = 0; i < kEach; ++i) {
              auto r =
                  c->Post("/stream/t", "{\"t\":" + std::to_string(t) + "}", "application/json");
              if (r && r->status == 200) ++acknowledged;
            }
          });
        }
        for (auto& t : threads) t.join();
      },
      slow_disk);
  std::printf("syncs: %d for %d concurrent appends, %d for start and stop alone\n", syncs,
              kThreads * kEach, baseline);
  EXPECT_EQ(acknowledged.load(), kThreads * kEach);
  // Synced at all (else the group commit is no achievement) ...
  EXPECT_GE(syncs - baseline, 5);
  // ... and shared: at most half as many syncs as appends.
  EXPECT_LE(syncs - baseline, kThreads * kEach / 2);
}

}  // namespace
}  // namespace pdfs
