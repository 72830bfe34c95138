// See proc_wait.h.
#include "support/proc_wait.h"

#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace pdfs::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  return out;
}

// Inodes of the sockets among pid's open files ("socket:[12345]").
std::set<unsigned long> SocketInodes(pid_t pid) {
  std::set<unsigned long> out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  for (const std::string& fd : Entries(dir)) {
    char target[256];
    ssize_t n = ::readlink((dir + "/" + fd).c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    std::string t(target, static_cast<size_t>(n));
    if (t.rfind("socket:[", 0) == 0) out.insert(std::stoul(t.substr(8)));
  }
  return out;
}

}  // namespace

std::vector<int> ListeningTcpPorts(pid_t pid) {
  const std::set<unsigned long> inodes = SocketInodes(pid);
  std::vector<int> ports;
  for (const char* table : {"/net/tcp", "/net/tcp6"}) {
    std::istringstream in(Slurp("/proc/" + std::to_string(pid) + table));
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when
      // retrnsmt uid timeout inode
      std::istringstream f(line);
      std::string sl, local, remote, st, queues, timer, retr, uid, timeout;
      unsigned long inode = 0;
      if (!(f >> sl >> local >> remote >> st >> queues >> timer >> retr >> uid >> timeout >>
            inode)) {
        continue;
      }
      if (st != "0A" || inodes.count(inode) == 0) continue;  // 0A: LISTEN
      ports.push_back(std::stoi(local.substr(local.rfind(':') + 1), nullptr, 16));
    }
  }
  return ports;
}

bool WaitUntilConnectionRead(pid_t pid, int peer_port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const std::set<unsigned long> inodes = SocketInodes(pid);
    std::istringstream in(Slurp("/proc/" + std::to_string(pid) + "/net/tcp"));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string sl, local, remote, st, queues, timer, retr, uid, timeout_field;
      unsigned long inode = 0;
      if (!(f >> sl >> local >> remote >> st >> queues >> timer >> retr >> uid >> timeout_field >>
            inode)) {
        continue;
      }
      if (inodes.count(inode) == 0) continue;
      if (std::stoi(remote.substr(remote.rfind(':') + 1), nullptr, 16) != peer_port) continue;
      // tx_queue:rx_queue, in hex.
      if (std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16) == 0) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::vector<ThreadState> ThreadsOf(pid_t pid) {
  std::vector<ThreadState> out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  for (const std::string& tid : Entries(dir)) {
    ThreadState t;
    t.tid = static_cast<pid_t>(std::stol(tid));
    // The state follows the command name in parentheses, which may hold
    // spaces and parentheses itself: take the last ')'.
    const std::string stat = Slurp(dir + "/" + tid + "/stat");
    const size_t close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) continue;
    t.state = stat[close + 2];
    t.wchan = Slurp(dir + "/" + tid + "/wchan");
    // "NR arg0 arg1 ... sp pc", "running", or "-1 sp pc" outside a call.
    std::istringstream sc(Slurp(dir + "/" + tid + "/syscall"));
    std::string nr, arg0;
    if (sc >> nr >> arg0 && nr != "running" && nr != "-1") {
      t.syscall = std::stol(nr);
      t.arg0 = std::stol(arg0, nullptr, 16);
    }
    out.push_back(t);
  }
  return out;
}

bool WaitUntilAsleepIn(pid_t pid, const std::vector<std::string>& wchan_fragments,
                       std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (const ThreadState& t : ThreadsOf(pid)) {
      if (t.state != 'S' && t.state != 'D') continue;
      for (const std::string& f : wchan_fragments) {
        if (t.wchan.find(f) != std::string::npos) return true;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool WaitUntilBlockedReading(pid_t pid, const std::string& path_suffix,
                             std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto ends_with = [&](const std::string& s) {
    return s.size() >= path_suffix.size() &&
           s.compare(s.size() - path_suffix.size(), path_suffix.size(), path_suffix) == 0;
  };
  for (;;) {
    for (const ThreadState& t : ThreadsOf(pid)) {
      if ((t.state != 'S' && t.state != 'D') || t.syscall != SYS_read || t.arg0 < 0) continue;
      char target[4096];
      const std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(t.arg0);
      const ssize_t n = ::readlink(link.c_str(), target, sizeof(target));
      if (n > 0 && ends_with(std::string(target, static_cast<size_t>(n)))) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

const std::vector<std::string>& FuseRequestWaits() {
  // fs/fuse/dev.c: a request waits for its answer in request_wait_answer
  // (inlined into __fuse_simple_request / fuse_simple_request on some
  // builds).
  static const std::vector<std::string> waits = {"request_wait_answer", "fuse_simple_request",
                                                 "fuse_request"};
  return waits;
}

std::string DescribeThreads(pid_t pid) {
  std::string out;
  for (const ThreadState& t : ThreadsOf(pid)) {
    out += std::to_string(t.tid) + " " + t.state + " " + t.wchan + " syscall " +
           std::to_string(t.syscall) + "; ";
  }
  return out.empty() ? "(no threads: the process is gone)" : out;
}

}  // namespace pdfs::testing
