// MountedPdfs and the POSIX helpers; see mount_fixture.h.
#include "mount_fixture.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace pdfs::testing {

bool HaveFuse() {
  struct stat st;
  return ::stat("/dev/fuse", &st) == 0;
}

bool IsMounted(const std::string& path) {
  std::ifstream mounts("/proc/self/mounts");
  std::string line;
  while (std::getline(mounts, line)) {
    std::istringstream fields(line);
    std::string source, target;
    if (fields >> source >> target && target == path) return true;
  }
  return false;
}

void ForceUnmount(const std::string& path) {
  if (!IsMounted(path)) return;
  Run({"fusermount3", "-u", "-q", path}, "", std::chrono::seconds(20));
  if (!IsMounted(path)) return;
  Run({"fusermount3", "-u", "-q", "-z", path}, "", std::chrono::seconds(20));
  if (!IsMounted(path)) return;
  ::umount2(path.c_str(), MNT_DETACH);
  if (IsMounted(path)) ADD_FAILURE() << "could not unmount " << path;
}

MountedPdfs::MountedPdfs(const std::string& data_dir, const std::string& mountpoint,
                         const std::vector<std::string>& extra, bool http)
    : mountpoint_(mountpoint) {
  // setpriv --pdeathsig: if this test process is killed (CTest timeout),
  // the daemon is told to stop, and it unmounts.
  std::vector<std::string> argv = {"setpriv", "--pdeathsig", "TERM",   "--",     PDFS_BINARY,
                                   "mount",   mountpoint,    "--data", data_dir, "-f"};
  if (http) {
    argv.push_back("--listen");
    argv.push_back("127.0.0.1:0");
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  process_ = std::make_unique<Subprocess>(argv);
  std::string line;
  if (http) {
    if (!process_->WaitForLine("serving http://", std::chrono::seconds(30), &line)) {
      process_->Wait(std::chrono::seconds(5));
      ADD_FAILURE() << "pdfs mount did not serve HTTP: " << process_->stderr_text();
      return;
    }
    const size_t colon = line.find(':', line.find("127.0.0.1"));
    port_ = std::stoi(line.substr(colon + 1));
  }
  if (!process_->WaitForLine("pdfs: mounted at", std::chrono::seconds(30), &line)) {
    process_->Wait(std::chrono::seconds(5));
    ADD_FAILURE() << "pdfs mount did not mount: " << process_->stderr_text();
    return;
  }
  ok_ = IsMounted(mountpoint_);
  if (!ok_) ADD_FAILURE() << "pdfs said it mounted, but " << mountpoint_ << " is not mounted";
}

MountedPdfs::~MountedPdfs() {
  if (process_ != nullptr && process_->running()) Stop();
  ForceUnmount(mountpoint_);
}

std::unique_ptr<httplib::Client> MountedPdfs::Http() const {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
  c->set_keep_alive(true);
  c->set_read_timeout(30, 0);
  return c;
}

int MountedPdfs::Stop() {
  process_->Signal(SIGTERM);
  return process_->Wait(std::chrono::seconds(30));
}

void MountedPdfs::Kill() {
  process_->Signal(SIGKILL);
  process_->Wait(std::chrono::seconds(30));
}

void MountTestBase::SetUp() {
  PDFS_REQUIRE_FUSE();
  data_ = dir_.Sub("data");
  mnt_ = dir_.Sub("mnt");
  ASSERT_EQ(::mkdir(mnt_.c_str(), 0755), 0);
  pdfs_ = std::make_unique<MountedPdfs>(data_, mnt_);
  ASSERT_TRUE(pdfs_->ok());
  http_ = pdfs_->Http();
}

void MountTestBase::TearDown() {
  http_.reset();
  pdfs_.reset();  // stops the daemon and makes sure nothing stays mounted
  if (!mnt_.empty()) {
    EXPECT_FALSE(IsMounted(mnt_));
  }
}

std::string MountTestBase::Post(const std::string& topic, const std::string& body) {
  auto r = http_->Post(("/stream/" + topic).c_str(), body, "application/json");
  if (!r) return "";
  EXPECT_EQ(r->status, 200) << r->body;
  return r->body;
}

void MountTestBase::Seed(const std::string& topic, int n) {
  std::string body = "[";
  for (int i = 0; i < n; ++i)
    body += (i ? "," : "") + std::string("{\"n\":") + std::to_string(i) + "}";
  Post(topic, body + "]");
}

std::string MountTestBase::Get(const std::string& path, int* status) {
  auto r = http_->Get(path.c_str());
  if (status != nullptr) *status = r ? r->status : -1;
  return r ? r->body : "";
}

AppendOutcome AppendFile(const std::string& path, const std::vector<std::string>& pieces,
                         int flags) {
  AppendOutcome out;
  int fd = ::open(path.c_str(), flags != 0 ? flags : O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) {
    out.close = Sys{-1, errno};
    return out;
  }
  for (const std::string& piece : pieces) {
    ssize_t n = ::write(fd, piece.data(), piece.size());
    out.writes.push_back(Sys{n, n < 0 ? errno : 0});
    if (n < 0) break;
  }
  int rc = ::close(fd);
  out.close = Sys{rc, rc < 0 ? errno : 0};
  return out;
}

std::vector<std::string> ListDir(const std::string& path, int* error) {
  std::vector<std::string> names;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) {
    if (error != nullptr) *error = errno;
    return names;
  }
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  if (error != nullptr) *error = errno;
  ::closedir(d);
  return names;
}

std::string ReadAll(const std::string& path, int* error) {
  if (error != nullptr) *error = 0;
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    if (error != nullptr) *error = errno;
    return "";
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (error != nullptr) *error = errno;
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace pdfs::testing
