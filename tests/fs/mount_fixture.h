// Test support for real mounts: the real `pdfs mount` program on a
// temporary directory, always unmounted afterwards, and small POSIX helpers
// that report errno.
#ifndef PDFS_TESTS_FS_MOUNT_FIXTURE_H_
#define PDFS_TESTS_FS_MOUNT_FIXTURE_H_

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <httplib.h>

#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace pdfs::testing {

// True iff /dev/fuse exists: the only reason a mount test may skip.
bool HaveFuse();

// Skips the current test, with a line CI can grep for, if there is no
// /dev/fuse.
#define PDFS_REQUIRE_FUSE()                    \
  do {                                         \
    if (!::pdfs::testing::HaveFuse()) {        \
      std::printf("SKIPPED: no /dev/fuse\n");  \
      GTEST_SKIP() << "SKIPPED: no /dev/fuse"; \
    }                                          \
  } while (0)

// True iff something is mounted at exactly `path` (per /proc/self/mounts).
bool IsMounted(const std::string& path);
// Unmounts `path` if mounted: fusermount3 -u, then lazily, then umount -l.
// Leaves nothing mounted however the test went.
void ForceUnmount(const std::string& path);

// `pdfs mount MOUNTPOINT --data DATA --listen 127.0.0.1:0 -f <extra>` in the
// foreground. The child gets SIGTERM if the test process dies (CTest
// timeout), so it unmounts even then.
class MountedPdfs {
 public:
  MountedPdfs(const std::string& data_dir, const std::string& mountpoint,
              const std::vector<std::string>& extra = {}, bool http = true);
  MountedPdfs(const MountedPdfs&) = delete;
  MountedPdfs& operator=(const MountedPdfs&) = delete;
  ~MountedPdfs();  // Stop()s, then ForceUnmount()s

  // The mount exists and (if asked) HTTP listens.
  bool ok() const { return ok_; }
  int port() const { return port_; }
  const std::string& mountpoint() const { return mountpoint_; }
  Subprocess& process() { return *process_; }
  // An HTTP client for the same process.
  std::unique_ptr<httplib::Client> Http() const;

  // SIGTERM and wait; the raw wait status, or -1 if it did not end in 30 s.
  int Stop();
  // SIGKILL: a crash. The mount stays behind, dead.
  void Kill();

 private:
  std::string mountpoint_;
  std::unique_ptr<Subprocess> process_;
  bool ok_ = false;
  int port_ = 0;
};

// A test with a temporary data directory and a mount of it at MNT.
class MountTestBase : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::string Path(const std::string& rel) const { return mnt_ + "/" + rel; }
  httplib::Client& http() { return *http_; }
  // POST one body to /stream/TOPIC; returns the response body ("" on error).
  std::string Post(const std::string& topic, const std::string& body);
  // n documents {"n":i} in TOPIC, appended over HTTP in one batch.
  void Seed(const std::string& topic, int n);
  // GET a path; the body ("" on error) and status.
  std::string Get(const std::string& path, int* status = nullptr);

  TempDir dir_;
  std::string data_;
  std::string mnt_;
  std::unique_ptr<MountedPdfs> pdfs_;
  std::unique_ptr<httplib::Client> http_;
};

// The outcome of one system call: its result and errno.
struct Sys {
  long result = 0;
  int err = 0;
  bool ok() const { return result >= 0; }
};

// open(O_WRONLY|O_CREAT|O_APPEND), one write per piece, close. Stops at the
// first failed write. `writes` gets each write's outcome.
struct AppendOutcome {
  std::vector<Sys> writes;
  Sys close;
};
AppendOutcome AppendFile(const std::string& path, const std::vector<std::string>& pieces,
                         int flags = 0);

// Lists a directory (without . and ..), in readdir order.
std::vector<std::string> ListDir(const std::string& path, int* error = nullptr);
// Reads a whole file through read(2); sets *error (errno) on failure.
std::string ReadAll(const std::string& path, int* error = nullptr);

// Polls `condition` every 20 ms until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(3));

}  // namespace pdfs::testing

#endif  // PDFS_TESTS_FS_MOUNT_FIXTURE_H_
