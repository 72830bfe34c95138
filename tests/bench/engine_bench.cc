// bench_engine: the engine's own append rate, in process (Google Benchmark),
// for comparison with HTTP batch appends of the same documents: the
// difference is the cost of the HTTP layer.
//
//   BM_EngineAppend/B/sync  appends batches of B documents of ~200 bytes,
//                           already parsed, to one topic (sync 1 = fsync'ed)
//   BM_EngineRangeRead/N    reads a topic of N such documents from start to
//                           end with one RangeReader (from flushed tables)
//   BM_ParseBatch/B         validates and minifies a batch of B documents
//                           (what the HTTP layer does before appending)
// tests/bench/ab.sh runs this same file against two builds (A/B).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "pdfs/store.h"

namespace {

std::string Documents(int n, bool as_array) {
  std::string out = as_array ? "[" : "";
  const std::string pad(150, 'x');
  for (int i = 0; i < n; ++i) {
    if (as_array && i > 0) out += ",";
    out += "{\"n\":" + std::to_string(i) + ",\"sensor\":\"s-17\",\"pad\":\"" + pad + "\"}";
    if (!as_array) out += "\n";
  }
  return as_array ? out + "]" : out;
}

void BM_EngineAppend(benchmark::State& state) {
  const int batch_size = static_cast<int>(state.range(0));
  char dir_template[] = "/tmp/pdfs-bench-engine-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  pdfs::Options options;
  options.sync = state.range(1) != 0;
  auto opened = pdfs::Store::Open(options, dir + "/data");
  if (!opened.ok()) {
    state.SkipWithError(opened.status().ToString().c_str());
    return;
  }
  auto store = std::move(opened).value();
  pdfs::DocumentBatch batch;
  if (!pdfs::DocumentParser::ParseAll(Documents(batch_size, false),
                                      pdfs::DocumentParser::Shape::kObjectStream, {}, &batch)
           .ok()) {
    state.SkipWithError("bad documents");
    return;
  }
  for (auto _ : state) {
    auto r = store->Append("bench", batch);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * batch_size);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.bytes()));
  store.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_EngineAppend)
    ->Args({1000, 1})
    ->Args({1000, 0})
    ->Args({1, 1})
    ->Args({1, 0})
    ->UseRealTime();

void BM_EngineRangeRead(benchmark::State& state) {
  const int64_t n = state.range(0);
  char dir_template[] = "/tmp/pdfs-bench-range-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  pdfs::Options options;
  options.sync = false;
  {
    auto opened = pdfs::Store::Open(options, dir + "/data");
    if (!opened.ok()) {
      state.SkipWithError(opened.status().ToString().c_str());
      return;
    }
    pdfs::DocumentBatch batch;
    if (!pdfs::DocumentParser::ParseAll(Documents(1000, false),
                                        pdfs::DocumentParser::Shape::kObjectStream, {}, &batch)
             .ok()) {
      state.SkipWithError("bad documents");
      return;
    }
    for (int64_t i = 0; i < n; i += 1000) {
      if (!(*opened)->Append("bench", batch).ok()) state.SkipWithError("load failed");
    }
  }
  // Opened again: RocksDB flushes what it recovers, so reads come from tables.
  auto opened = pdfs::Store::Open(options, dir + "/data");
  if (!opened.ok()) {
    state.SkipWithError(opened.status().ToString().c_str());
    return;
  }
  auto store = std::move(opened).value();
  int64_t bytes = 0;
  for (auto _ : state) {
    auto reader = store->Read("bench", 0, ~uint64_t{0});
    if (!reader.ok()) {
      state.SkipWithError(reader.status().ToString().c_str());
      break;
    }
    int64_t count = 0;
    bytes = 0;
    while (const pdfs::Record* r = (*reader)->Next()) {
      ++count;
      bytes += static_cast<int64_t>(r->data.size());
    }
    if (count < n) state.SkipWithError("short read");
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * bytes);
  store.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_EngineRangeRead)->Arg(100000)->UseRealTime();

void BM_ParseBatch(benchmark::State& state) {
  const int batch_size = static_cast<int>(state.range(0));
  const std::string body = Documents(batch_size, true);
  for (auto _ : state) {
    pdfs::DocumentBatch batch;
    bool saw_array = false;
    auto s = pdfs::DocumentParser::ParseAll(body, pdfs::DocumentParser::Shape::kObjectOrArray, {},
                                            &batch, &saw_array);
    benchmark::DoNotOptimize(s.ok());
  }
  state.SetItemsProcessed(state.iterations() * batch_size);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_ParseBatch)->Arg(1000);

}  // namespace

BENCHMARK_MAIN();
