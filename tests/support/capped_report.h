// A failure report that counts every discrepancy of a kind but reports only
// the first few: a crash loop that finds one defect thousands of times
// shows a handful of examples and the count, not a wall of failures.
#ifndef PDFS_TESTS_SUPPORT_CAPPED_REPORT_H_
#define PDFS_TESTS_SUPPORT_CAPPED_REPORT_H_

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <sstream>

namespace pdfs::testing {

// Collects one report with <<; adds it as a test failure when it goes out
// of scope, if it is among the first reports of its kind.
struct CappedReport {
  bool on;
  std::ostringstream text;
  ~CappedReport() {
    if (on) ADD_FAILURE() << text.str();
  }
  template <typename T>
  CappedReport& operator<<(const T& v) {
    if (on) text << v;
    return *this;
  }
};

// Counts one discrepancy in `*counter` and reports it only if it is one of
// the first `max`.
inline CappedReport ReportCapped(std::atomic<uint64_t>* counter, uint64_t max) {
  return CappedReport{++*counter <= max, {}};
}

}  // namespace pdfs::testing

#endif  // PDFS_TESTS_SUPPORT_CAPPED_REPORT_H_
