// README: "HTTP is served only with --listen" (issue 19). Asked of the
// kernel, not of the daemon's output: the sockets `pdfs mount` holds in the
// LISTEN state (/proc/PID/fd against /proc/PID/net/tcp{,6}).
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "mount_fixture.h"
#include "support/proc_wait.h"

namespace pdfs {
namespace {

using namespace pdfs::testing;

class ListenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PDFS_REQUIRE_FUSE();
    mnt_ = dir_.Sub("mnt");
    ASSERT_EQ(::mkdir(mnt_.c_str(), 0755), 0);
  }
  void TearDown() override {
    ForceUnmount(mnt_);
    EXPECT_FALSE(IsMounted(mnt_));
  }
  TempDir dir_;
  std::string mnt_;
};

TEST_F(ListenTest, WithoutListenTheMountHoldsNoListeningSocket) {
  {
    MountedPdfs pdfs(dir_.Sub("data"), mnt_, {}, /*http=*/false);
    ASSERT_TRUE(pdfs.ok());
    ASSERT_EQ(::mkdir((mnt_ + "/t").c_str(), 0755), 0);  // the mount answers
    EXPECT_EQ(ListDir(mnt_), std::vector<std::string>{"t"});
    const std::vector<int> ports = ListeningTcpPorts(pdfs.process().pid());
    EXPECT_TRUE(ports.empty()) << "listening on port " << ports.front();
    EXPECT_EQ(pdfs.Stop(), 0);
  }
  // The check itself sees a listening socket when there is one.
  MountedPdfs pdfs(dir_.Sub("data"), mnt_, {}, /*http=*/true);
  ASSERT_TRUE(pdfs.ok());
  const std::vector<int> ports = ListeningTcpPorts(pdfs.process().pid());
  EXPECT_EQ(ports, std::vector<int>{pdfs.port()});
}

}  // namespace
}  // namespace pdfs
