// PdfsServe: the real `pdfs serve` program on a free loopback port, for
// end-to-end tests. PDFS_BINARY (a compile definition set by CMake) names it.
#ifndef PDFS_TESTS_SUPPORT_PDFS_PROCESS_H_
#define PDFS_TESTS_SUPPORT_PDFS_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "support/subprocess.h"

namespace pdfs::testing {

class PdfsServe {
 public:
  // Starts `pdfs serve --data data_dir --listen 127.0.0.1:0 <extra>` and waits
  // until it prints the address it serves. Fails the calling test (ADD_FAILURE)
  // and leaves ok() false if it does not come up within 30 s.
  PdfsServe(const std::string& binary, const std::string& data_dir,
            const std::vector<std::string>& extra = {});
  ~PdfsServe();  // SIGKILL if still running

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  Subprocess& process() { return *process_; }

  // SIGTERM and wait; returns the exit status as from waitpid (-1 on timeout).
  int Stop();
  // SIGKILL and reap: a crash.
  void Kill();

 private:
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
};

}  // namespace pdfs::testing

#endif  // PDFS_TESTS_SUPPORT_PDFS_PROCESS_H_
