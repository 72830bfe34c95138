// Subprocess: start a real program (pdfs, shell tools) from a test, talk to
// it through pipes, and make sure it is gone when the test ends.
#ifndef PDFS_TESTS_SUPPORT_SUBPROCESS_H_
#define PDFS_TESTS_SUPPORT_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace pdfs::testing {

// A running child. Its stdout is a pipe read with ReadLine(); its stderr is
// collected into stderr_text() by the same reads (or inherited). Destroying
// a Subprocess that is still running kills it with SIGKILL and reaps it.
class Subprocess {
 public:
  struct Options {
    bool capture_stderr = true;
    std::vector<std::string> env;  // extra NAME=VALUE entries
  };
  // Throws std::runtime_error if the program cannot be started.
  Subprocess(const std::vector<std::string>& argv, Options options);
  explicit Subprocess(const std::vector<std::string>& argv) : Subprocess(argv, Options{}) {}
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();

  pid_t pid() const { return pid_; }
  // Next line of stdout without its newline; false at EOF or after `timeout`.
  bool ReadLine(std::string* line, std::chrono::milliseconds timeout);
  // Waits for a stdout line containing `needle`; false at EOF or timeout.
  bool WaitForLine(const std::string& needle, std::chrono::milliseconds timeout,
                   std::string* line = nullptr);
  void Signal(int sig);
  // Waits for the exit; returns the raw wait status, or -1 if it did not end
  // in time (then it is killed with SIGKILL and reaped).
  int Wait(std::chrono::milliseconds timeout);
  bool running();
  // Everything read from stderr so far (drained by ReadLine and Wait).
  const std::string& stderr_text() const { return err_; }

 private:
  void Pump(int timeout_ms);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_buf_;
  std::string err_;
  bool exited_ = false;
  int status_ = 0;
};

struct RunResult {
  int exit_code = -1;  // -1 if killed by a signal or timed out
  std::string out;
  std::string err;
};

// Runs a program to completion, feeding `input` on stdin. Kills it after
// `timeout` (exit_code -1 then).
RunResult Run(const std::vector<std::string>& argv, const std::string& input = "",
              std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Runs `script` with /bin/sh -c.
RunResult Shell(const std::string& script, std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace pdfs::testing

#endif  // PDFS_TESTS_SUPPORT_SUBPROCESS_H_
