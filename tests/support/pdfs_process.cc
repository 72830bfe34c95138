// PdfsServe: see pdfs_process.h.
#include "support/pdfs_process.h"

#include <signal.h>

#include <gtest/gtest.h>

namespace pdfs::testing {

PdfsServe::PdfsServe(const std::string& binary, const std::string& data_dir,
                     const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {binary, "serve", "--data", data_dir, "--listen",
                                   "127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  process_ = std::make_unique<Subprocess>(argv);
  std::string line;
  if (!process_->WaitForLine("serving http://", std::chrono::seconds(30), &line)) {
    process_->Wait(std::chrono::seconds(5));
    ADD_FAILURE() << "pdfs serve did not start: " << process_->stderr_text();
    return;
  }
  port_ = std::stoi(line.substr(line.rfind(':') + 1));
}

PdfsServe::~PdfsServe() = default;  // Subprocess kills a running child

int PdfsServe::Stop() {
  process_->Signal(SIGTERM);
  return process_->Wait(std::chrono::seconds(30));
}

void PdfsServe::Kill() {
  process_->Signal(SIGKILL);
  process_->Wait(std::chrono::seconds(30));
}

}  // namespace pdfs::testing
