// What this kernel sends a FUSE daemon for open, ftruncate, open(O_TRUNC)
// and truncate(2), with and without `no_open` (an ENOSYS answer to OPEN).
// The evidence behind pdfs answering OPEN (docs/PERFORMANCE.md, "Issue 16:
// FUSE round trips per open"): if one of these tests starts failing on a new
// kernel, the reasons given there must be checked again.
//
// A minimal low-level filesystem (the root and one 10-byte file "f") served
// by libfuse in a thread of the test process, recording every request it
// gets; not pdfs, so that the kernel's behaviour is seen without pdfs's
// answers shaping it.
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mount_fixture.h"
#include "support/temp_dir.h"

namespace pdfs::testing {
namespace {

constexpr fuse_ino_t kFile = 2;
constexpr uint64_t kHandle = 42;

struct Event {
  std::string op;
  int to_set = 0;        // setattr: FUSE_SET_ATTR_*
  bool with_fi = false;  // setattr: a file handle came (FATTR_FH)
  uint64_t fh = 0;
  off_t size = -1;
};

struct Probe {
  bool no_open = false;         // answer OPEN with ENOSYS
  bool atomic_o_trunc = false;  // ask for FUSE_CAP_ATOMIC_O_TRUNC
  std::mutex mu;
  std::vector<Event> events;  // Guarded by mu.
  off_t size = 10;            // Guarded by mu.

  void Record(Event e) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(std::move(e));
  }
  std::vector<Event> Take() {
    std::lock_guard<std::mutex> lock(mu);
    return std::exchange(events, {});
  }
  struct stat Stat(fuse_ino_t ino) {
    struct stat st {};
    st.st_ino = ino;
    st.st_nlink = ino == FUSE_ROOT_ID ? 2 : 1;
    st.st_mode = ino == FUSE_ROOT_ID ? (S_IFDIR | 0755) : (S_IFREG | 0644);
    std::lock_guard<std::mutex> lock(mu);
    st.st_size = ino == FUSE_ROOT_ID ? 0 : size;
    return st;
  }
};

Probe& ProbeOf(fuse_req_t req) { return *static_cast<Probe*>(fuse_req_userdata(req)); }

void p_init(void* userdata, fuse_conn_info* conn) {
  // Without ATOMIC_O_TRUNC, O_TRUNC reaches the daemon as a setattr, which
  // is what no_open would leave.
  if (static_cast<Probe*>(userdata)->atomic_o_trunc) {
    conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
  } else {
    conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
  }
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
}

void p_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  if (parent != FUSE_ROOT_ID || std::strcmp(name, "f") != 0) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  fuse_entry_param e{};
  e.ino = kFile;
  e.attr = ProbeOf(req).Stat(kFile);
  // Zero timeouts: every step reaches the daemon, nothing hides in caches.
  fuse_reply_entry(req, &e);
}

void p_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  struct stat st = ProbeOf(req).Stat(ino);
  fuse_reply_attr(req, &st, 0);
}

void p_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
  Probe& p = ProbeOf(req);
  p.Record(Event{"setattr", to_set, fi != nullptr, fi != nullptr ? fi->fh : 0,
                 (to_set & FUSE_SET_ATTR_SIZE) ? attr->st_size : -1});
  if (to_set & FUSE_SET_ATTR_SIZE) {
    std::lock_guard<std::mutex> lock(p.mu);
    p.size = attr->st_size;
  }
  struct stat st = p.Stat(ino);
  fuse_reply_attr(req, &st, 0);
}

void p_open(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  Probe& p = ProbeOf(req);
  p.Record(Event{"open", 0, true, 0, -1});
  if (p.no_open) {
    fuse_reply_err(req, ENOSYS);
    return;
  }
  fi->fh = kHandle;
  fi->direct_io = 1;
  fuse_reply_open(req, fi);
}

void p_read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  Probe& p = ProbeOf(req);
  p.Record(Event{"read", 0, true, fi->fh, -1});
  const std::string data = "0123456789";
  const size_t from = std::min(data.size(), static_cast<size_t>(off));
  fuse_reply_buf(req, data.data() + from, std::min(size, data.size() - from));
}

void p_write(fuse_req_t req, fuse_ino_t, const char*, size_t size, off_t, fuse_file_info* fi) {
  ProbeOf(req).Record(Event{"write", 0, true, fi->fh, -1});
  fuse_reply_write(req, size);
}

void p_flush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  ProbeOf(req).Record(Event{"flush", 0, true, fi->fh, -1});
  fuse_reply_err(req, 0);
}

void p_release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  ProbeOf(req).Record(Event{"release", 0, true, fi->fh, -1});
  fuse_reply_err(req, 0);
}

class KernelProbeTest : public ::testing::Test {
 protected:
  void Mount(bool no_open, bool atomic_o_trunc = false) {
    probe_.no_open = no_open;
    probe_.atomic_o_trunc = atomic_o_trunc;
    fuse_lowlevel_ops ops{};
    ops.init = p_init;
    ops.lookup = p_lookup;
    ops.getattr = p_getattr;
    ops.setattr = p_setattr;
    ops.open = p_open;
    ops.read = p_read;
    ops.write = p_write;
    ops.flush = p_flush;
    ops.release = p_release;
    char arg0[] = "kernel_probe";
    char* argv[] = {arg0, nullptr};
    fuse_args args = FUSE_ARGS_INIT(1, argv);
    se_ = fuse_session_new(&args, &ops, sizeof(ops), &probe_);
    // fuse_session_new may add to args (an option it parsed); they are ours
    // to free, or LeakSanitizer fails the test.
    fuse_opt_free_args(&args);
    ASSERT_NE(se_, nullptr);
    ASSERT_EQ(fuse_session_mount(se_, mnt_.c_str()), 0);
    loop_ = std::thread([this] { fuse_session_loop(se_); });
    file_ = mnt_ + "/f";
    // The first open answers whether OPEN is implemented; everything after
    // it is what the tests look at.
    int fd = ::open(file_.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    ::close(fd);
    probe_.Take();
  }

  void TearDown() override {
    if (se_ == nullptr) return;
    fuse_session_exit(se_);
    fuse_session_unmount(se_);  // ends the loop's blocking read
    if (loop_.joinable()) loop_.join();
    fuse_session_destroy(se_);
    se_ = nullptr;
    ForceUnmount(mnt_);
  }

  static std::vector<Event> Only(const std::vector<Event>& events, const std::string& op) {
    std::vector<Event> out;
    for (const Event& e : events) {
      if (e.op == op) out.push_back(e);
    }
    return out;
  }

  TempDir dir_;
  std::string mnt_ = dir_.path();
  std::string file_;
  Probe probe_;
  fuse_session* se_ = nullptr;
  std::thread loop_;
};

TEST_F(KernelProbeTest, WithOpenOnlyFtruncateCarriesTheHandle) {
  PDFS_REQUIRE_FUSE();
  Mount(/*no_open=*/false);

  int fd = ::open(file_.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(::ftruncate(fd, 0), 0) << std::strerror(errno);
  ::close(fd);
  std::vector<Event> set = Only(probe_.Take(), "setattr");
  ASSERT_EQ(set.size(), 1u);
  EXPECT_TRUE(set[0].with_fi);
  EXPECT_EQ(set[0].fh, kHandle);
  EXPECT_EQ(set[0].size, 0);

  fd = ::open(file_.c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ::close(fd);
  set = Only(probe_.Take(), "setattr");
  ASSERT_EQ(set.size(), 1u);
  EXPECT_FALSE(set[0].with_fi) << "open(O_TRUNC) came with the handle";
  EXPECT_EQ(set[0].size, 0);

  ASSERT_EQ(::truncate(file_.c_str(), 0), 0) << std::strerror(errno);
  set = Only(probe_.Take(), "setattr");
  ASSERT_EQ(set.size(), 1u);
  EXPECT_FALSE(set[0].with_fi);
  EXPECT_EQ(set[0].size, 0);
}

// Without OPEN the kernel keeps no handle of the daemon's: ftruncate still
// says it came through a file, but every file's handle is 0, so the daemon
// cannot tell one open of a file from another (pdfs's cut at close, its
// per-open appenders and follow streams), nor set direct_io or nonseekable
// for a file. RELEASE never comes, FLUSH does (with handle 0).
TEST_F(KernelProbeTest, WithNoOpenEveryFileHasHandleZeroAndReleaseNeverComes) {
  PDFS_REQUIRE_FUSE();
  Mount(/*no_open=*/true);

  int fd = ::open(file_.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ::close(fd);
  std::vector<Event> events = probe_.Take();
  EXPECT_TRUE(Only(events, "open").empty());
  EXPECT_TRUE(Only(events, "release").empty());
  std::vector<Event> flush = Only(events, "flush");
  ASSERT_EQ(flush.size(), 1u);
  EXPECT_EQ(flush[0].fh, 0u);

  fd = ::open(file_.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(::ftruncate(fd, 0), 0) << std::strerror(errno);
  ::close(fd);
  events = probe_.Take();
  EXPECT_TRUE(Only(events, "open").empty());
  EXPECT_TRUE(Only(events, "release").empty());
  std::vector<Event> set = Only(events, "setattr");
  ASSERT_EQ(set.size(), 1u);
  EXPECT_TRUE(set[0].with_fi);
  EXPECT_EQ(set[0].fh, 0u);

  fd = ::open(file_.c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ::close(fd);
  set = Only(probe_.Take(), "setattr");
  ASSERT_EQ(set.size(), 1u);
  EXPECT_FALSE(set[0].with_fi);
  const int from_open = set[0].to_set;

  ASSERT_EQ(::truncate(file_.c_str(), 0), 0) << std::strerror(errno);
  set = Only(probe_.Take(), "setattr");
  ASSERT_EQ(set.size(), 1u);
  EXPECT_FALSE(set[0].with_fi);
  // The same request as open(O_TRUNC): without OPEN the daemon cannot
  // refuse `echo x > doc` and still let truncate(2) cut.
  EXPECT_EQ(set[0].to_set, from_open);
  EXPECT_EQ(set[0].size, 0);
}

// The other way to keep O_TRUNC from the cut: ATOMIC_O_TRUNC with no_open.
// Then the kernel asks the daemon nothing at all for open(O_TRUNC): it
// cannot refuse `echo x > doc`.
TEST_F(KernelProbeTest, WithNoOpenAndAtomicOTruncAnOTruncOpenAsksTheDaemonNothing) {
  PDFS_REQUIRE_FUSE();
  Mount(/*no_open=*/true, /*atomic_o_trunc=*/true);
  int fd = ::open(file_.c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  std::vector<Event> events = probe_.Take();
  EXPECT_TRUE(Only(events, "open").empty());
  EXPECT_TRUE(Only(events, "setattr").empty());
  ::close(fd);
}

// direct_io (pdfs's writers and .follow) is a flag of the OPEN reply: without
// OPEN every file is read through the page cache and kept there.
TEST_F(KernelProbeTest, WithNoOpenNoFileCanBypassThePageCache) {
  PDFS_REQUIRE_FUSE();
  for (bool no_open : {false, true}) {
    SCOPED_TRACE(no_open ? "no_open" : "open answered with direct_io");
    TearDown();  // the mount of the previous pass, if any
    Mount(no_open);
    for (int i = 0; i < 2; ++i) {
      int fd = ::open(file_.c_str(), O_RDONLY);
      ASSERT_GE(fd, 0) << std::strerror(errno);
      char buf[64];
      ASSERT_EQ(::read(fd, buf, sizeof(buf)), 10);
      ::close(fd);
    }
    EXPECT_EQ(Only(probe_.Take(), "read").size(), no_open ? 1u : 2u);
  }
}

}  // namespace
}  // namespace pdfs::testing
