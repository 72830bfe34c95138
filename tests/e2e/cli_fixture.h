// The fixture of the client tool tests: a real `pdfs serve` in a temporary
// directory, and the real `pdfs` program run against it.
#ifndef PDFS_TESTS_E2E_CLI_FIXTURE_H_
#define PDFS_TESTS_E2E_CLI_FIXTURE_H_

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/pdfs_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace pdfs {

// Test code only: the names every client tool test uses.

using pdfs::testing::PdfsServe;
using pdfs::testing::RunResult;
using pdfs::testing::Subprocess;
using pdfs::testing::TempDir;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Generous: only a hang should ever reach it.
inline constexpr milliseconds kLineTimeout = seconds(30);

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

// "0\n1\n...\n" for locations first..first+n-1.
inline std::string LocationLines(uint64_t first, uint64_t n) {
  std::string out;
  for (uint64_t i = 0; i < n; ++i) out += std::to_string(first + i) + "\n";
  return out;
}

inline bool ExitedWith(int wait_status, int code) {
  return wait_status != -1 && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == code;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer({}); }

  void StartServer(const std::vector<std::string>& extra) {
    server_ = std::make_unique<PdfsServe>(PDFS_BINARY, dir_.Sub("data"), extra);
    ASSERT_TRUE(server_->ok());
  }

  // SIGTERM to the server, after one request: a `pdfs serve` told to stop
  // before its accept loop runs can miss the stop (http::Server::Stop calls
  // httplib's stop() before listen_after_bind() may have started).
  void StopServer() {
    Pdfs("topics", {});
    ASSERT_EQ(server_->Stop(), 0);
  }

  // Runs `pdfs CMD --url URL ARGS...` against the test's server.
  RunResult Pdfs(const std::string& cmd, const std::vector<std::string>& args,
                 const std::string& input = "") {
    return RunAt(server_->url(), cmd, args, input);
  }
  RunResult RunAt(const std::string& url, const std::string& cmd,
                  const std::vector<std::string>& args, const std::string& input = "") {
    std::vector<std::string> argv = {PDFS_BINARY, cmd, "--url", url};
    argv.insert(argv.end(), args.begin(), args.end());
    return pdfs::testing::Run(argv, input);
  }

  // Appends through the CLI; fails the test if that fails.
  void Write(const std::string& topic, const std::string& input) {
    RunResult r = Pdfs("write", {topic}, input);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string GetAll(const std::string& topic) {
    RunResult r = Pdfs("get", {topic, "0-"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  // The `error` sentence the server answers to GET `path`.
  std::string ServerSentence(const std::string& path) {
    httplib::Client http("127.0.0.1", server_->port());
    httplib::Result r = http.Get(path);
    if (!r) return "(no answer)";
    nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
    return j.is_object() && j.contains("error") ? j["error"].get<std::string>() : r->body;
  }

  std::unique_ptr<Subprocess> Follow(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {PDFS_BINARY, "follow", "--url", server_->url()};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<Subprocess>(argv);
  }

  // Reads stdout (which also collects stderr) until stderr contains `needle`.
  static bool WaitForStderr(Subprocess& p, const std::string& needle,
                            std::vector<std::string>* lines) {
    const auto deadline = std::chrono::steady_clock::now() + kLineTimeout;
    std::string line;
    while (p.stderr_text().find(needle) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      if (p.ReadLine(&line, milliseconds(100))) lines->push_back(line);
    }
    return true;
  }

  TempDir dir_;
  std::unique_ptr<PdfsServe> server_;
};

}  // namespace pdfs

#endif  // PDFS_TESTS_E2E_CLI_FIXTURE_H_
