// The `pdfs mount` command and the mount(8) form `pdfs DIR MOUNTPOINT -o
// OPTS`: backgrounding only once the mount exists, clean exit on SIGINT,
// SIGTERM and fusermount3 -u, one-line errors for a missing mountpoint, a
// busy data directory and a port in use, and mount -t fuse.pdfs.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <thread>

#include "mount_fixture.h"
#include "support/pdfs_process.h"

namespace pdfs {
namespace {

using namespace pdfs::testing;

// One line on stderr, exit status 1, nothing mounted.
void ExpectOneLineError(const RunResult& r, const std::string& fragment) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// A port nobody listens on right now.
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// The pid recorded in the data directory's lock file.
pid_t LockHolder(const std::string& data_dir) {
  std::string pid = ReadFile(data_dir + "/pdfs.lock");
  return pid.empty() ? -1 : static_cast<pid_t>(std::stol(pid));
}

bool ProcessGone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

class CommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PDFS_REQUIRE_FUSE();
    data_ = dir_.Sub("data");
    mnt_ = dir_.Sub("mnt");
    ASSERT_EQ(::mkdir(mnt_.c_str(), 0755), 0);
  }
  void TearDown() override {
    ForceUnmount(mnt_);
    EXPECT_FALSE(IsMounted(mnt_));
  }

  TempDir dir_;
  std::string data_;
  std::string mnt_;
};

TEST_F(CommandTest, AMissingMountpointIsAOneLineError) {
  RunResult r =
      pdfs::testing::Run({PDFS_BINARY, "mount", dir_.Sub("nowhere"), "--data", data_, "-f"});
  ExpectOneLineError(r, "pdfs: mountpoint " + dir_.Sub("nowhere") + " does not exist");
  RunResult bg = pdfs::testing::Run({PDFS_BINARY, "mount", dir_.Sub("nowhere"), "--data", data_});
  ExpectOneLineError(bg, "does not exist");
  ASSERT_TRUE(WriteFile(dir_.Sub("file"), "x"));
  RunResult file =
      pdfs::testing::Run({PDFS_BINARY, "mount", dir_.Sub("file"), "--data", data_, "-f"});
  ExpectOneLineError(file, "is not a directory");
}

TEST_F(CommandTest, ABusyDataDirectoryIsAOneLineError) {
  PdfsServe holder(PDFS_BINARY, data_);
  ASSERT_TRUE(holder.ok());
  for (bool foreground : {true, false}) {
    std::vector<std::string> argv = {PDFS_BINARY, "mount", mnt_, "--data", data_};
    if (foreground) argv.push_back("-f");
    RunResult r = pdfs::testing::Run(argv);
    ExpectOneLineError(r, "pdfs: data directory " + data_ + " is in use by another pdfs process");
    EXPECT_FALSE(IsMounted(mnt_));
  }
}

// Issue 20: `pdfs mount` on a mountpoint where a live pdfs is mounted
// stacked a second mount over it, hiding the first, and exited 0.
TEST_F(CommandTest, MountingOverALivePdfsIsAOneLineError) {
  MountedPdfs first(data_, mnt_);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(::mkdir((mnt_ + "/kept").c_str(), 0755), 0);
  for (bool foreground : {true, false}) {
    std::vector<std::string> argv = {PDFS_BINARY, "mount", mnt_, "--data", dir_.Sub("other")};
    if (foreground) argv.push_back("-f");
    RunResult r = pdfs::testing::Run(argv);
    ExpectOneLineError(r, "pdfs: mountpoint " + mnt_ + " is already a mounted pdfs (data in " +
                              data_ + "); unmount it first with: fusermount3 -u " + mnt_);
  }
  std::ifstream mounts("/proc/self/mounts");
  std::string source, target, rest;
  int at_mnt = 0;
  while (mounts >> source >> target && std::getline(mounts, rest)) at_mnt += target == mnt_;
  EXPECT_EQ(at_mnt, 1) << "nothing stacked";
  struct stat st;
  EXPECT_EQ(::stat((mnt_ + "/kept").c_str(), &st), 0) << "the first mount is the one seen";
}

TEST_F(CommandTest, APortInUseIsAOneLineErrorAndLeavesNothingBehind) {
  PdfsServe other(PDFS_BINARY, dir_.Sub("other"));
  ASSERT_TRUE(other.ok());
  const std::string port = std::to_string(other.port());
  RunResult r = pdfs::testing::Run(
      {PDFS_BINARY, "mount", mnt_, "--data", data_, "--listen", "127.0.0.1:" + port});
  ExpectOneLineError(r, "pdfs: cannot listen on 127.0.0.1:" + port + ": address already in use");
  EXPECT_FALSE(IsMounted(mnt_));
  // The data directory was released.
  MountedPdfs after(data_, mnt_);
  EXPECT_TRUE(after.ok());
}

TEST_F(CommandTest, BadUsageExitsWith2) {
  RunResult unknown = pdfs::testing::Run({PDFS_BINARY, "mount", mnt_, "--frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown option --frobnicate"), std::string::npos) << unknown.err;
  RunResult none = pdfs::testing::Run({PDFS_BINARY, "mount"});
  EXPECT_EQ(none.exit_code, 2);
  RunResult two = pdfs::testing::Run({PDFS_BINARY, "mount", mnt_, mnt_});
  EXPECT_EQ(two.exit_code, 2);
  RunResult help = pdfs::testing::Run({PDFS_BINARY, "mount", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("pdfs mount MOUNTPOINT"), std::string::npos);
  EXPECT_FALSE(IsMounted(mnt_));
}

TEST_F(CommandTest, WithoutFItBackgroundsOnlyOnceTheMountExists) {
  RunResult r =
      pdfs::testing::Run({PDFS_BINARY, "mount", mnt_, "--data", data_, "--listen", "127.0.0.1:0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("pdfs: mounted at " + mnt_), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pdfs: serving http://127.0.0.1:"), std::string::npos) << r.out;
  EXPECT_TRUE(IsMounted(mnt_)) << "mounted before the command returned";
  ASSERT_EQ(::mkdir((mnt_ + "/t").c_str(), 0755), 0);
  ASSERT_EQ(AppendFile(mnt_ + "/t/x", {"{\"a\":1}"}).close.result, 0);
  const pid_t daemon = LockHolder(data_);
  ASSERT_GT(daemon, 0);
  RunResult u = pdfs::testing::Run({"fusermount3", "-u", mnt_});
  EXPECT_EQ(u.exit_code, 0) << u.err;
  EXPECT_TRUE(Eventually([&] { return ProcessGone(daemon); }, std::chrono::seconds(20)))
      << "the daemon exits once unmounted";
  // Closed cleanly: the document is there on the next mount.
  MountedPdfs again(data_, mnt_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ReadAll(mnt_ + "/t/000000.json"), "{\"a\":1}");
}

TEST_F(CommandTest, RelativePathsWorkOnceBackgrounded) {
  // The daemon changes to "/" when it backgrounds; the store must not care.
  RunResult r = pdfs::testing::Run(
      {"/bin/sh", "-c",
       "cd '" + dir_.path() + "' && exec '" + PDFS_BINARY + "' mount mnt --data data"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(data in " + data_ + ")"), std::string::npos) << r.out;
  ASSERT_EQ(::mkdir((mnt_ + "/t").c_str(), 0755), 0);
  ASSERT_EQ(AppendFile(mnt_ + "/t/x", {"{\"a\":1}"}).close.result, 0);
  EXPECT_EQ(ReadAll(mnt_ + "/t/000000.json"), "{\"a\":1}");
  const pid_t daemon = LockHolder(data_);
  EXPECT_EQ(pdfs::testing::Run({"fusermount3", "-u", mnt_}).exit_code, 0);
  EXPECT_TRUE(Eventually([&] { return ProcessGone(daemon); }, std::chrono::seconds(20)));
}

TEST_F(CommandTest, SigtermSigintAndSighupUnmountAndExitCleanly) {
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
    MountedPdfs pdfs(data_, mnt_);
    ASSERT_TRUE(pdfs.ok());
    ASSERT_EQ(AppendFile(mnt_ + "/t" + std::to_string(sig), {}).close.err, EPERM);
    ::mkdir((mnt_ + "/t").c_str(), 0755);
    ASSERT_EQ(AppendFile(mnt_ + "/t/x", {"{}"}).close.result, 0);
    pdfs.process().Signal(sig);
    int status = pdfs.process().Wait(std::chrono::seconds(30));
    ASSERT_TRUE(WIFEXITED(status)) << "signal " << sig;
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_FALSE(IsMounted(mnt_));
  }
  MountedPdfs pdfs(data_, mnt_);
  ASSERT_TRUE(pdfs.ok());
  EXPECT_EQ(ListDir(mnt_ + "/t").size(), 3u) << "every run's document is there";
}

TEST_F(CommandTest, FusermountUnmountEndsAForegroundDaemonCleanly) {
  MountedPdfs pdfs(data_, mnt_);
  ASSERT_TRUE(pdfs.ok());
  RunResult u = pdfs::testing::Run({"fusermount3", "-u", mnt_});
  EXPECT_EQ(u.exit_code, 0) << u.err;
  int status = pdfs.process().Wait(std::chrono::seconds(30));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << pdfs.process().stderr_text();
}

// The systemd unit runs `pdfs serve ... $PDFS_OPTIONS`, which may hold
// --mount: HTTP and the mount from one foreground process.
TEST_F(CommandTest, ServeWithMountServesBothFacesAndUnmountsOnSigterm) {
  Subprocess serve(
      {PDFS_BINARY, "serve", "--data", data_, "--listen", "127.0.0.1:0", "--mount", mnt_});
  std::string line;
  ASSERT_TRUE(serve.WaitForLine("serving http://", std::chrono::seconds(30), &line))
      << serve.stderr_text();
  const int port = std::stoi(line.substr(line.rfind(':') + 1));
  ASSERT_TRUE(serve.WaitForLine("pdfs: mounted at " + mnt_, std::chrono::seconds(30)))
      << serve.stderr_text();
  ASSERT_EQ(::mkdir((mnt_ + "/t").c_str(), 0755), 0);
  ASSERT_EQ(AppendFile(mnt_ + "/t/x", {"{\"via\":\"mount\"}"}).close.result, 0);
  httplib::Client http("127.0.0.1", port);
  auto r = http.Get("/stream/t/0-");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, R"([{"via":"mount"}])");
  serve.Signal(SIGTERM);
  int status = serve.Wait(std::chrono::seconds(30));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << serve.stderr_text();
  EXPECT_FALSE(IsMounted(mnt_));
}

TEST_F(CommandTest, DashOCarriesTheStoreOptions) {
  MountedPdfs pdfs(data_, mnt_, {"-o", "no_sync,max_body=100"});
  ASSERT_TRUE(pdfs.ok());
  ASSERT_EQ(::mkdir((mnt_ + "/t").c_str(), 0755), 0);
  AppendOutcome big = AppendFile(mnt_ + "/t/x", {"{\"pad\":\"" + std::string(200, 'x') + "\"}"});
  ASSERT_EQ(big.writes.size(), 1u);
  EXPECT_EQ(big.writes[0].err, EFBIG) << "max_body=100 limits documents";
  EXPECT_EQ(AppendFile(mnt_ + "/t/x", {"{\"small\":1}"}).close.result, 0);
  EXPECT_EQ(ListDir(mnt_ + "/t").size(), 1u);
}

TEST_F(CommandTest, HttpIsServedOnlyWithListen) {
  MountedPdfs pdfs(data_, mnt_, {}, /*http=*/false);
  ASSERT_TRUE(pdfs.ok());
  std::string line;
  EXPECT_FALSE(pdfs.process().ReadLine(&line, std::chrono::milliseconds(200)));
  EXPECT_EQ(pdfs.process().stderr_text().find("serving"), std::string::npos);
}

// mount(8) runs /sbin/mount.fuse3 (with a sanitised environment: PATH is
// dropped), which strips the fstab-only options it knows and runs
// `pdfs DIR MOUNTPOINT -o OPTS` through /bin/sh, so `pdfs` must be on the
// default PATH, as the Debian package installs it. The test runs mount(8)
// itself when it can put a symlink to the binary under test into
// /usr/local/bin (as root; removed afterwards), and otherwise runs
// /sbin/mount.fuse3 with PATH pointing at the binary.
class MountHelperTest : public CommandTest {
 protected:
  void TearDown() override {
    char target[4096];
    ssize_t n = ::readlink(kInstalled, target, sizeof(target));
    if (n > 0 && std::string(target, static_cast<size_t>(n)) == PDFS_BINARY) ::unlink(kInstalled);
    CommandTest::TearDown();
  }
  // Mounts DATA at MNT through mount(8) or mount.fuse3 with `options`.
  RunResult MountTypeFusePdfs(const std::string& options) {
    struct stat st;
    EXPECT_EQ(::stat("/sbin/mount.fuse3", &st), 0) << "install the fuse3 package";
    if (::geteuid() == 0 && (::lstat(kInstalled, &st) != 0 || S_ISLNK(st.st_mode))) {
      ::unlink(kInstalled);
      if (::symlink(PDFS_BINARY, kInstalled) == 0) {
        std::printf("running mount(8) with %s -> %s\n", kInstalled, PDFS_BINARY);
        return pdfs::testing::Run({"mount", "-t", "fuse.pdfs", data_, mnt_, "-o", options});
      }
    }
    const std::string bin = dir_.Sub("bin");
    ::mkdir(bin.c_str(), 0755);
    EXPECT_EQ(::symlink(PDFS_BINARY, (bin + "/pdfs").c_str()), 0) << std::strerror(errno);
    std::printf("running /sbin/mount.fuse3 with PATH=%s (mount(8) needs root here)\n", bin.c_str());
    return pdfs::testing::Run({"/bin/sh", "-c",
                               "PATH='" + bin + "':$PATH exec /sbin/mount.fuse3 '" + data_ + "' '" +
                                   mnt_ + "' -t fuse.pdfs -o '" + options + "'"});
  }
  static constexpr const char* kInstalled = "/usr/local/bin/pdfs";
};

TEST_F(MountHelperTest, MountTypeFusePdfsWorksWithFstabOptions) {
  ASSERT_EQ(::mkdir(data_.c_str(), 0755), 0);  // mount(8) needs an existing source
  const int port = FreePort();
  RunResult r = MountTypeFusePdfs("listen=127.0.0.1:" + std::to_string(port) +
                                  ",_netdev,nofail,noauto,user,users,auto");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(IsMounted(mnt_)) << "mounted before mount(8) returned";
  RunResult m = pdfs::testing::Run({"grep", " " + mnt_ + " ", "/proc/self/mounts"});
  EXPECT_NE(m.out.find(data_ + " " + mnt_ + " fuse.pdfs "), std::string::npos) << m.out;
  EXPECT_NE(m.out.find("default_permissions"), std::string::npos) << m.out;
  ASSERT_EQ(::mkdir((mnt_ + "/t").c_str(), 0755), 0);
  ASSERT_EQ(AppendFile(mnt_ + "/t/x", {"{\"via\":\"mount\"}"}).close.result, 0);
  httplib::Client http("127.0.0.1", port);
  auto got = http.Get("/stream/t/0");
  ASSERT_TRUE(got) << "HTTP from -o listen=";
  EXPECT_EQ(got->body, "{\"via\":\"mount\"}");
  const pid_t daemon = LockHolder(data_);
  RunResult u = pdfs::testing::Run({"umount", mnt_});
  EXPECT_EQ(u.exit_code, 0) << u.err;
  EXPECT_TRUE(Eventually([&] { return ProcessGone(daemon); }, std::chrono::seconds(20)))
      << "the daemon exits after umount";
}

TEST_F(CommandTest, TheHelperFormAcceptsUserAndRejectsUnknownOptions) {
  ASSERT_EQ(::mkdir(data_.c_str(), 0755), 0);
  RunResult bad = pdfs::testing::Run({PDFS_BINARY, data_, mnt_, "-o", "frobnicate"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("frobnicate"), std::string::npos) << bad.err;
  EXPECT_FALSE(IsMounted(mnt_));
  RunResult ok = pdfs::testing::Run(
      {PDFS_BINARY, data_, mnt_, "-o", "rw,user,nouser,_netdev,defaults,dev,suid"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(IsMounted(mnt_));
  const pid_t daemon = LockHolder(data_);
  EXPECT_EQ(pdfs::testing::Run({"fusermount3", "-u", mnt_}).exit_code, 0);
  EXPECT_TRUE(Eventually([&] { return ProcessGone(daemon); }, std::chrono::seconds(20)));
}

}  // namespace
}  // namespace pdfs
