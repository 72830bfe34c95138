// Counters the HTTP layer keeps for GET /metrics. Lock-free; shared by all
// request threads.
#ifndef PDFS_HTTP_METRICS_H_
#define PDFS_HTTP_METRICS_H_

#include <atomic>
#include <cstdint>

namespace pdfs::http {

struct Metrics {
  std::atomic<uint64_t> responses_2xx{0};
  std::atomic<uint64_t> responses_4xx{0};
  std::atomic<uint64_t> responses_5xx{0};
  std::atomic<uint64_t> appended_documents{0};
  std::atomic<uint64_t> appended_bytes{0};
  std::atomic<uint64_t> served_documents{0};
  // Requests waiting now for a location to exist (long-polls): a gauge.
  std::atomic<uint64_t> waiting_requests{0};
};

}  // namespace pdfs::http

#endif  // PDFS_HTTP_METRICS_H_
