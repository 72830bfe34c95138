// crash_writer DIR THREADS: appends to topic "crash" from THREADS threads
// (single documents and batches) until killed, printing one line per
// acknowledged document:  ACK <location> <document>
// crash_recovery_test.cc kills it with SIGKILL and checks every ACK.
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pdfs/store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: crash_writer DIR THREADS\n");
    return 2;
  }
  auto opened = pdfs::Store::Open(pdfs::Options(), argv[1]);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<pdfs::Store> store = std::move(opened).value();
  std::mutex out_mu;
  std::printf("READY\n");
  std::fflush(stdout);
  std::vector<std::thread> threads;
  const int n = std::atoi(argv[2]);
  for (int t = 0; t < n; ++t) {
    threads.emplace_back([&, t] {
      for (long s = 0;; ++s) {
        std::vector<std::string> docs;
        for (long i = 0; i < 1 + (s % 4 == 0 ? 7 : 0); ++i) {
          docs.push_back("{\"w\":" + std::to_string(t) + ",\"s\":" + std::to_string(s) +
                         ",\"i\":" + std::to_string(i) + "}");
        }
        pdfs::DocumentBatch batch;
        std::string joined;
        for (auto& d : docs) joined += d;
        if (!pdfs::DocumentParser::ParseAll(joined, pdfs::DocumentParser::Shape::kObjectStream, {},
                                            &batch)
                 .ok()) {
          std::abort();
        }
        auto r = store->Append("crash", batch);
        if (!r.ok()) {
          std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
          std::abort();
        }
        std::lock_guard<std::mutex> lock(out_mu);
        for (size_t i = 0; i < docs.size(); ++i) {
          std::printf("ACK %llu %s\n", static_cast<unsigned long long>(r->first_location + i),
                      docs[i].c_str());
        }
        std::fflush(stdout);
      }
    });
  }
  for (auto& th : threads) th.join();
}
