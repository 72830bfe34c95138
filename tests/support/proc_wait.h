// Deterministic synchronisation on another process, read from /proc instead
// of guessed with sleeps: which TCP ports it listens on, and whether one of
// its threads is asleep in a given kernel function (its wchan), e.g. `cat`
// blocked in a FUSE read until the daemon answers.
#ifndef PDFS_TESTS_SUPPORT_PROC_WAIT_H_
#define PDFS_TESTS_SUPPORT_PROC_WAIT_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace pdfs::testing {

// The local ports of the TCP sockets (IPv4 and IPv6) that `pid` holds open
// in the LISTEN state: its fds' socket inodes matched against
// /proc/PID/net/tcp{,6}. Empty if it listens on none (or is gone).
std::vector<int> ListeningTcpPorts(pid_t pid);

// True once `pid` has read everything that arrived on its TCP connection
// from local port `peer_port` (the connection's receive queue in
// /proc/PID/net/tcp is empty), e.g. a server has read a whole request that
// the test sent over loopback; false after `timeout`.
bool WaitUntilConnectionRead(pid_t pid, int peer_port, std::chrono::milliseconds timeout);

// One thread of a process as the kernel sees it now.
struct ThreadState {
  pid_t tid = 0;
  char state = '?';   // R, S, D, T, Z ... (/proc/PID/task/TID/stat)
  std::string wchan;  // the kernel function it sleeps in ("0" if running)
  long syscall = -1;  // the system call it is in (/proc/.../syscall), -1 if none
  long arg0 = -1;     // that call's first argument (a file descriptor for read)
};
std::vector<ThreadState> ThreadsOf(pid_t pid);

// True once some thread of `pid` is asleep (state S or D) in a kernel
// function whose name contains one of `wchan_fragments`; false if that does
// not happen within `timeout`. Polls every 5 ms.
bool WaitUntilAsleepIn(pid_t pid, const std::vector<std::string>& wchan_fragments,
                       std::chrono::milliseconds timeout);

// True once some thread of `pid` is asleep (S or D) inside read(2) on a
// file whose path ends with `path_suffix` (/proc/PID/fd/N), e.g. `cat
// TOPIC/.follow` waiting for the next document; false after `timeout`.
bool WaitUntilBlockedReading(pid_t pid, const std::string& path_suffix,
                             std::chrono::milliseconds timeout);

// The kernel functions a process sleeps in while it waits for a FUSE
// daemon's answer to a request (read, write, open ... on a mount).
const std::vector<std::string>& FuseRequestWaits();

// "tid state wchan; ..." for failure messages.
std::string DescribeThreads(pid_t pid);

}  // namespace pdfs::testing

#endif  // PDFS_TESTS_SUPPORT_PROC_WAIT_H_
