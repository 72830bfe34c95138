// bench_instructions MODE N DIR: N operations of MODE on a fresh store in
// DIR (sync off), counted between CALLGRIND_START_INSTRUMENTATION and
// CALLGRIND_STOP_INSTRUMENTATION. Run as
//   valgrind --tool=callgrind --instr-atstart=no bench_instructions MODE N DIR
// callgrind's "Collected" is then the instructions the N operations took: a
// figure that other programs on a shared machine cannot disturb, which
// tests/bench/ab.sh compares between two builds. Without valgrind the
// program just runs the operations.
//   append   one document of ~190 bytes per append
//   batch    1000 such documents per append
//   range    a range read of a 100k-document topic (from flushed tables)
#include <valgrind/callgrind.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "pdfs/store.h"

namespace {

pdfs::DocumentBatch Documents(int n) {
  const std::string doc = "{\"n\":0,\"sensor\":\"s-17\",\"pad\":\"" + std::string(150, 'x') + "\"}";
  std::string text;
  for (int i = 0; i < n; ++i) text += doc + "\n";
  pdfs::DocumentBatch batch;
  if (!pdfs::DocumentParser::ParseAll(text, pdfs::DocumentParser::Shape::kObjectStream, {}, &batch)
           .ok()) {
    std::abort();
  }
  return batch;
}

std::unique_ptr<pdfs::Store> OpenOrDie(const std::string& dir) {
  pdfs::Options options;
  options.sync = false;
  auto store = pdfs::Store::Open(options, dir);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(store).value();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: bench_instructions append|batch|range N DIR\n");
    return 2;
  }
  const std::string mode = argv[1];
  const int n = std::atoi(argv[2]);
  const std::string dir = argv[3];
  std::filesystem::remove_all(dir);
  auto store = OpenOrDie(dir);
  const pdfs::DocumentBatch one = Documents(1), thousand = Documents(1000);
  // Warm up the paths and the memory tables first.
  for (int i = 0; i < 2000; ++i) (void)store->Append("t", one);
  if (mode == "range") {
    for (int i = 0; i < 100; ++i) (void)store->Append("r", thousand);
    store.reset();  // opened again: RocksDB flushes what it recovers
    store = OpenOrDie(dir);
  }
  CALLGRIND_START_INSTRUMENTATION;
  for (int i = 0; i < n; ++i) {
    if (mode == "append") {
      (void)store->Append("t", one);
    } else if (mode == "batch") {
      (void)store->Append("t", thousand);
    } else {
      auto reader = store->Read("r", 0, ~uint64_t{0});
      while (reader.ok() && (*reader)->Next() != nullptr) {
      }
    }
  }
  CALLGRIND_STOP_INSTRUMENTATION;
  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
