// Subprocess and Run: posix_spawn plus a poll loop over the pipes.
#include "support/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

extern char** environ;

namespace pdfs::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct Spawned {
  pid_t pid = -1;
  int in_fd = -1;
  int out_fd = -1;
  int err_fd = -1;
};

Spawned Spawn(const std::vector<std::string>& argv, bool pipe_stdin, bool capture_stderr,
              const std::vector<std::string>& extra_env) {
  int in[2] = {-1, -1}, out[2], err[2] = {-1, -1};
  if ((pipe_stdin && pipe2(in, O_CLOEXEC) != 0) || pipe2(out, O_CLOEXEC) != 0 ||
      (capture_stderr && pipe2(err, O_CLOEXEC) != 0)) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (pipe_stdin) {
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  } else {
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  if (capture_stderr) posix_spawn_file_actions_adddup2(&fa, err[1], 2);

  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  // An extra NAME=VALUE replaces the inherited NAME (getenv takes the first).
  auto overridden = [&extra_env](const char* entry) {
    for (const std::string& e : extra_env) {
      size_t eq = e.find('=');
      if (std::strncmp(entry, e.c_str(), eq + 1) == 0) return true;
    }
    return false;
  };
  for (char** e = environ; *e != nullptr; ++e) {
    if (!overridden(*e)) env.push_back(*e);
  }
  for (const std::string& e : extra_env) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);

  // Each child gets its own process group so that a test can kill it and
  // everything it started.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);

  Spawned s;
  int rc = posix_spawnp(&s.pid, args[0], &fa, &attr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (pipe_stdin) close(in[0]);
  close(out[1]);
  if (capture_stderr) close(err[1]);
  if (rc != 0) {
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  s.in_fd = pipe_stdin ? in[1] : -1;
  s.out_fd = out[0];
  s.err_fd = capture_stderr ? err[0] : -1;
  return s;
}

// Appends what is readable on `fd` to `buf`; closes and clears fd at EOF.
void Drain(int* fd, std::string* buf) {
  char tmp[65536];
  ssize_t n = read(*fd, tmp, sizeof(tmp));
  if (n > 0) {
    buf->append(tmp, static_cast<size_t>(n));
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    close(*fd);
    *fd = -1;
  }
}

}  // namespace

Subprocess::Subprocess(const std::vector<std::string>& argv, Options options) {
  Spawned s = Spawn(argv, false, options.capture_stderr, options.env);
  pid_ = s.pid;
  out_fd_ = s.out_fd;
  err_fd_ = s.err_fd;
}

Subprocess::~Subprocess() {
  if (!exited_ && pid_ > 0) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

void Subprocess::Pump(int timeout_ms) {
  pollfd fds[2];
  int n = 0;
  if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
  if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
  if (n == 0) {
    if (timeout_ms > 0) usleep(static_cast<useconds_t>(std::min(timeout_ms, 50)) * 1000);
    return;
  }
  if (poll(fds, static_cast<nfds_t>(n), timeout_ms) <= 0) return;
  for (int i = 0; i < n; ++i) {
    if (fds[i].revents == 0) continue;
    if (fds[i].fd == out_fd_) {
      Drain(&out_fd_, &out_buf_);
    } else {
      Drain(&err_fd_, &err_);
    }
  }
}

bool Subprocess::ReadLine(std::string* line, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    size_t nl = out_buf_.find('\n');
    if (nl != std::string::npos) {
      *line = out_buf_.substr(0, nl);
      out_buf_.erase(0, nl + 1);
      return true;
    }
    if (out_fd_ < 0) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    Pump(static_cast<int>(left.count()));
  }
}

bool Subprocess::WaitForLine(const std::string& needle, std::chrono::milliseconds timeout,
                             std::string* line) {
  const auto deadline = Clock::now() + timeout;
  std::string l;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !ReadLine(&l, left)) return false;
    if (l.find(needle) != std::string::npos) {
      if (line != nullptr) *line = l;
      return true;
    }
  }
}

void Subprocess::Signal(int sig) {
  if (!exited_) kill(pid_, sig);
}

bool Subprocess::running() {
  if (exited_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
  return !exited_;
}

int Subprocess::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (running()) {
    if (Clock::now() >= deadline) {
      kill(-pid_, SIGKILL);
      kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      exited_ = true;
      return -1;
    }
    Pump(20);
  }
  // Collect what is left in the pipes without blocking on grandchildren.
  for (int i = 0; i < 10 && (out_fd_ >= 0 || err_fd_ >= 0); ++i) Pump(10);
  return status_;
}

RunResult Run(const std::vector<std::string>& argv, const std::string& input,
              std::chrono::milliseconds timeout) {
  // A child that exits before reading its input must not kill the test.
  static const bool kIgnoreSigpipe = (signal(SIGPIPE, SIG_IGN), true);
  (void)kIgnoreSigpipe;
  Spawned s = Spawn(argv, true, true, {});
  RunResult result;
  size_t written = 0;
  if (input.empty()) {
    close(s.in_fd);
    s.in_fd = -1;
  } else {
    fcntl(s.in_fd, F_SETFL, O_NONBLOCK);
  }
  const auto deadline = Clock::now() + timeout;
  bool timed_out = false;
  while (s.out_fd >= 0 || s.err_fd >= 0 || s.in_fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[3];
    int n = 0;
    if (s.out_fd >= 0) fds[n++] = {s.out_fd, POLLIN, 0};
    if (s.err_fd >= 0) fds[n++] = {s.err_fd, POLLIN, 0};
    if (s.in_fd >= 0) fds[n++] = {s.in_fd, POLLOUT, 0};
    if (poll(fds, static_cast<nfds_t>(n), static_cast<int>(left.count())) <= 0) continue;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == s.out_fd) {
        Drain(&s.out_fd, &result.out);
      } else if (fds[i].fd == s.err_fd) {
        Drain(&s.err_fd, &result.err);
      } else {
        ssize_t w = write(s.in_fd, input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) {
          close(s.in_fd);
          s.in_fd = -1;
        }
      }
    }
  }
  for (int* fd : {&s.in_fd, &s.out_fd, &s.err_fd}) {
    if (*fd >= 0) close(*fd);
  }
  int status = 0;
  if (timed_out) {
    kill(-s.pid, SIGKILL);
    kill(s.pid, SIGKILL);
  }
  waitpid(s.pid, &status, 0);
  result.exit_code = !timed_out && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

RunResult Shell(const std::string& script, std::chrono::milliseconds timeout) {
  return Run({"/bin/sh", "-c", script}, "", timeout);
}

}  // namespace pdfs::testing
