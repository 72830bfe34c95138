// Reading a process's resident memory from /proc, for memory-bound tests.
#ifndef PDFS_TESTS_SUPPORT_PROC_STATS_H_
#define PDFS_TESTS_SUPPORT_PROC_STATS_H_

#include <sys/types.h>

#include <cstdint>
#include <fstream>
#include <string>

namespace pdfs::testing {

// A "kB" field of /proc/PID/status (0 = this process) in bytes; 0 if unknown.
inline uint64_t ProcStatusBytes(pid_t pid, const std::string& field) {
  std::ifstream in(pid == 0 ? std::string("/proc/self/status")
                            : "/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == field + ":") {
      uint64_t kb = 0;
      in >> kb;
      return kb * 1024;
    }
    std::getline(in, key);
  }
  return 0;
}

// Resident memory now (VmRSS) and at its peak (VmHWM).
inline uint64_t ResidentBytes(pid_t pid = 0) { return ProcStatusBytes(pid, "VmRSS"); }
inline uint64_t PeakResidentBytes(pid_t pid = 0) { return ProcStatusBytes(pid, "VmHWM"); }

// True in the ASan and TSan builds, whose quarantine and shadow memory
// inflate every process's RSS several times over: memory bounds are printed
// there but judged only in ordinary builds (the test binary and the pdfs it
// starts are built alike).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizerBuild = true;
#else
inline constexpr bool kSanitizerBuild = false;
#endif

}  // namespace pdfs::testing

#endif  // PDFS_TESTS_SUPPORT_PROC_STATS_H_
