// The daemon killed with SIGKILL while mounted and busy: the dead mount is
// cleared on restart, the remount works, and every document whose write()
// (through the mount) or POST (over HTTP) was acknowledged is there,
// exactly once, at gapless locations.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "mount_fixture.h"
#include "support/proc_wait.h"

namespace pdfs {
namespace {

using json = nlohmann::json;
using namespace pdfs::testing;

TEST(CrashTest, SigkillWhileMountedThenRemountKeepsEveryAcknowledgedDocument) {
  PDFS_REQUIRE_FUSE();
  TempDir dir;
  const std::string data = dir.Sub("data"), mnt = dir.Sub("mnt");
  ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
  std::set<std::string> acked;
  std::mutex acked_mu;
  // Kept until the end: their destructors would unmount the dead mounts
  // that the next start is to clear by itself.
  std::vector<std::unique_ptr<MountedPdfs>> killed;
  for (int round = 0; round < 2; ++round) {
    killed.push_back(std::make_unique<MountedPdfs>(data, mnt));
    MountedPdfs& pdfs = *killed.back();
    ASSERT_TRUE(pdfs.ok());
    if (round > 0) {
      std::string unused;
      pdfs.process().ReadLine(&unused, std::chrono::milliseconds(300));  // collects stderr
      EXPECT_NE(pdfs.process().stderr_text().find("detached the dead mount"), std::string::npos)
          << pdfs.process().stderr_text();
    }
    ::mkdir((mnt + "/crash").c_str(), 0755);
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        // One appender per writer, one document per write(): a write that
        // returned its full count is acknowledged.
        int fd = ::open((mnt + "/crash/w" + std::to_string(w)).c_str(),
                        O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0) return;
        for (int i = 0; !stop; ++i) {
          const std::string doc = "{\"r\":" + std::to_string(round) +
                                  ",\"w\":" + std::to_string(w) + ",\"i\":" + std::to_string(i) +
                                  "}";
          const std::string line = doc + "\n";
          if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) break;
          std::lock_guard<std::mutex> lock(acked_mu);
          acked.insert(doc);
        }
        ::close(fd);
      });
    }
    writers.emplace_back([&] {
      auto http = pdfs.Http();
      for (int i = 0; !stop; ++i) {
        const std::string doc =
            "{\"r\":" + std::to_string(round) + ",\"h\":" + std::to_string(i) + "}";
        auto r = http->Post("/stream/crash", doc, "application/json");
        if (!r || r->status != 200) break;
        std::lock_guard<std::mutex> lock(acked_mu);
        acked.insert(doc);
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(700 + 300 * round));
    pdfs.Kill();
    stop = true;
    for (std::thread& t : writers) t.join();
    // The kernel still has the mount, with no daemon behind it.
    struct statfs sf;
    EXPECT_EQ(::statfs(mnt.c_str(), &sf), -1);
    EXPECT_EQ(errno, ENOTCONN);
    EXPECT_TRUE(IsMounted(mnt));
  }
  ASSERT_GT(acked.size(), 50u);

  // A restart clears the dead mount by itself.
  MountedPdfs pdfs(data, mnt);
  ASSERT_TRUE(pdfs.ok()) << pdfs.process().stderr_text();
  std::string unused;
  pdfs.process().ReadLine(&unused, std::chrono::milliseconds(300));  // collects stderr
  EXPECT_NE(pdfs.process().stderr_text().find("detached the dead mount"), std::string::npos)
      << pdfs.process().stderr_text();
  std::vector<std::string> names = ListDir(mnt + "/crash");
  std::set<std::string> stored;
  for (size_t i = 0; i < names.size(); ++i) {
    char want[32];
    std::snprintf(want, sizeof(want), "%06zu.json", i);
    ASSERT_EQ(names[i], want) << "locations are gapless";
    std::string doc = ReadAll(mnt + "/crash/" + names[i]);
    EXPECT_TRUE(stored.insert(doc).second) << "stored twice: " << doc;
  }
  for (const std::string& doc : acked) {
    EXPECT_EQ(stored.count(doc), 1u) << "acknowledged but lost: " << doc;
  }
  auto meta = json::parse(pdfs.Http()->Get("/stream/crash")->body)[0];
  EXPECT_EQ(meta["count"].get<size_t>(), names.size());
}

// Issue 6 (found by the crash loop): a kill that landed while the daemon's
// invalidation thread waited in the kernel for a directory lock, held by a
// request the daemon had read but not answered, left a process that could
// not finish dying. Its mount then hung instead of failing with ENOTCONN:
// every caller slept unkillably, and a restart hung in statfs. The restart
// now aborts such a connection. Cuts through both faces next to lookups and
// unlinks in the same directory make that moment common; the test kills
// until it has seen it (or ten times) and checks that every restart comes
// up and releases every caller.
//
// The kill is aimed, not guessed: it comes when /proc shows the daemon's
// invalidation thread asleep uninterruptibly (state D) inside its write to
// /dev/fuse, which is where a kernel invalidation waits for a directory
// lock. The restart's "aborted the hung connection" says the hung path ran;
// the test requires it at least once.
bool InvalidationThreadWaitsForALock(pid_t pid) {
  const std::string fds = "/proc/" + std::to_string(pid) + "/fd/";
  for (const ThreadState& t : ThreadsOf(pid)) {
    if (t.state != 'D' || (t.syscall != SYS_write && t.syscall != SYS_writev)) continue;
    char target[256];
    const ssize_t n = ::readlink((fds + std::to_string(t.arg0)).c_str(), target, sizeof(target));
    if (n > 0 && std::string(target, static_cast<size_t>(n)) == "/dev/fuse") return true;
  }
  return false;
}

TEST(CrashTest, AKillDuringCutsNeverLeavesAHungMountBehindARestart) {
  PDFS_REQUIRE_FUSE();
  TempDir dir;
  const std::string data = dir.Sub("data"), mnt = dir.Sub("mnt");
  ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
  std::vector<std::unique_ptr<MountedPdfs>> killed;  // see the test above
  int hung = 0, aimed = 0, rounds = 0;
  for (int round = 0; round < 10 && hung == 0; ++round) {
    ++rounds;
    killed.push_back(std::make_unique<MountedPdfs>(data, mnt));
    MountedPdfs& pdfs = *killed.back();
    ASSERT_TRUE(pdfs.ok()) << pdfs.process().stderr_text();
    std::string body = "[";
    for (int i = 0; i < 200; ++i)
      body += (i ? "," : "") + std::string("{\"i\":") + std::to_string(i) + "}";
    ASSERT_EQ(pdfs.Http()->Post("/stream/t", body + "]", "application/json")->status, 200);
    std::atomic<bool> stop{false};
    std::atomic<int> returned{0};
    std::vector<std::thread> threads;
    for (int k = 0; k < 2; ++k) {
      threads.emplace_back([&, k] {
        auto http = pdfs.Http();
        for (int i = 0; !stop; ++i) {
          auto cut = http->Delete(("/stream/t/" + std::to_string(100 + (i * 7 + k) % 100)).c_str());
          auto refill = http->Post("/stream/t", body + "]", "application/json");
          if (!cut || !refill) break;
        }
        ++returned;
      });
    }
    for (int k = 0; k < 4; ++k) {
      threads.emplace_back([&, k] {
        for (int i = 0; !stop; ++i) {
          char name[32];
          std::snprintf(name, sizeof(name), "/t/%06d.json", 150 + (i * 13 + k) % 150);
          struct stat st;
          if (::stat((mnt + name).c_str(), &st) != 0 && errno != ENOENT) break;
          // Only the first or the last document can be unlinked (EPERM otherwise).
          if (k % 2 == 1 && ::unlink((mnt + name).c_str()) != 0 && errno != ENOENT &&
              errno != EPERM) {
            break;
          }
        }
        ++returned;
      });
    }
    for (int k = 0; k < 2; ++k) {
      threads.emplace_back([&, k] {
        // Creating a name holds the directory's lock until the daemon answers.
        for (int i = 0; !stop; ++i) {
          AppendOutcome out = AppendFile(mnt + "/t/new" + std::to_string(k), {"{}\n"});
          if (!out.close.ok()) break;
        }
        ++returned;
      });
    }
    threads.emplace_back([&] {
      // Topics made and removed through both faces: invalidations in the
      // root while mkdir and rmdir hold its lock.
      auto http = pdfs.Http();
      for (int i = 0; !stop; ++i) {
        const std::string u = mnt + "/u" + std::to_string(i % 3);
        if (::mkdir(u.c_str(), 0755) != 0 && errno != EEXIST) break;
        if (::rmdir(u.c_str()) != 0 && errno != ENOENT) break;
        if (!http->Post(("/stream/v" + std::to_string(i % 3)).c_str(), "{}", "application/json") ||
            !http->Delete(("/stream/v" + std::to_string(i % 3)).c_str())) {
          break;
        }
        struct stat st;
        ::stat((mnt + "/v" + std::to_string(i % 3)).c_str(), &st);
      }
      ++returned;
    });
    // Wait (up to 5 s) for the moment that wedges a killed daemon.
    bool at_the_moment = false;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!at_the_moment && std::chrono::steady_clock::now() < give_up) {
      at_the_moment = InvalidationThreadWaitsForALock(pdfs.process().pid());
      if (!at_the_moment) std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    pdfs.process().Signal(SIGKILL);  // not Kill(): a hung daemon cannot be reaped yet
    if (at_the_moment) ++aimed;
    stop = true;
    MountedPdfs restarted(data, mnt);
    EXPECT_TRUE(restarted.ok()) << restarted.process().stderr_text();
    // Every caller is released, whether or not the mount was hung.
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(returned.load(), static_cast<int>(threads.size()));
    std::string unused;
    // The message precedes the mount, so it is in the pipe already.
    restarted.process().ReadLine(&unused, std::chrono::milliseconds(200));  // collects stderr
    if (restarted.process().stderr_text().find("aborted the hung connection") !=
        std::string::npos) {
      ++hung;
    }
    EXPECT_EQ(pdfs.process().Wait(std::chrono::seconds(30)) & 0x7f, SIGKILL) << "it has exited";
    auto meta = restarted.Http()->Get("/stream/t");
    ASSERT_TRUE(meta && meta->status == 200);
    ASSERT_EQ(restarted.Stop(), 0);
  }
  std::printf("%d kills, %d aimed at a wedging moment; %d left the mount hung until the restart\n",
              rounds, aimed, hung);
  EXPECT_GE(hung, 1) << "no kill left a hung mount: the restart's abort path never ran";
}

}  // namespace
}  // namespace pdfs
