// The daemon killed with SIGKILL while mounted and busy: the dead mount is
// cleared on restart, the remount works, and every document whose write()
// (through the mount) or POST (over HTTP) was acknowledged is there,
// exactly once, at gapless locations.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "mount_fixture.h"

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

}  // namespace
}  // namespace pdfs
