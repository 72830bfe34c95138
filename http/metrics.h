// Counters the HTTP layer keeps for GET /metrics, and the text format they
// are written in.
#ifndef PDFS_HTTP_METRICS_H_
#define PDFS_HTTP_METRICS_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pdfs::http {

// What every route family counts. Lock-free; shared by all request threads.
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

// GET /metrics as Prometheus text format 0.0.4, built one metric at a time.
// A value type for one response.
class MetricsText {
 public:
  // One sample without labels. `type` is "counter" or "gauge".
  void Add(const char* name, const char* type, const char* help, uint64_t value) {
    Head(name, type, help);
    text_ += std::string(name) + " " + std::to_string(value) + "\n";
  }
  // One sample per (label value, value), all under one label name.
  void AddLabelled(const char* name, const char* type, const char* help, const char* label,
                   const std::vector<std::pair<std::string, uint64_t>>& samples) {
    Head(name, type, help);
    for (const auto& [value_of_label, value] : samples) {
      text_ += std::string(name) + "{" + label + "=\"" + value_of_label + "\"} " +
               std::to_string(value) + "\n";
    }
  }
  const std::string& text() const { return text_; }

 private:
  void Head(const char* name, const char* type, const char* help) {
    text_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }

  std::string text_;
};

}  // namespace pdfs::http

#endif  // PDFS_HTTP_METRICS_H_
