// commit_crash_writer DIR SEED: the workload of commit_crash_loop_test.cc,
// run until it is killed. It prints READY once the store is open, then
// "ACK <n>" for every commit acknowledged to it.
//
//  - Four threads race to increment the record "counter" of collection
//    "ledger": each reads it (version v, {"n":n}) and commits, in ONE
//    commit, a compare-and-set of the record to {"n":n+1} at version v, the
//    conditional append of the change record {"n":n+1} to the system topic
//    ".ledger.changes" at location n (the change-topic pattern of
//    collection.h), and the append of {"n":n+1} to topic "log" with the
//    index key "n<n+1, 8 digits>". A Conflict (another thread won) is
//    retried.
//  - One thread changes topic "idx" at random: appends of 1-20 documents
//    {"k":"<key>","s":<seq>} with index key <key> (a few without one),
//    truncations and trims at random locations.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "pdfs/store.h"

namespace {

pdfs::DocumentBatch Docs(const std::string& text) {
  pdfs::DocumentBatch batch;
  if (!pdfs::DocumentParser::ParseAll(text, pdfs::DocumentParser::Shape::kObjectStream, {}, &batch)
           .ok()) {
    std::abort();
  }
  return batch;
}

void Die(const pdfs::Status& s) {
  std::fprintf(stderr, "commit_crash_writer: %s\n", s.ToString().c_str());
  std::abort();
}

std::string IndexKey(uint64_t n) {
  char key[32];
  std::snprintf(key, sizeof(key), "n%08llu", static_cast<unsigned long long>(n));
  return key;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: commit_crash_writer DIR SEED\n");
    return 2;
  }
  auto opened = pdfs::Store::Open(pdfs::Options(), argv[1]);
  if (!opened.ok()) Die(opened.status());
  std::unique_ptr<pdfs::Store> store = std::move(opened).value();
  if (auto c = store->CreateCollection("ledger"); !c.ok() && !c.status().IsAlreadyExists()) {
    Die(c.status());
  }
  if (auto t = store->CreateSystemTopic(".ledger.changes", "");
      !t.ok() && !t.status().IsAlreadyExists()) {
    Die(t.status());
  }
  std::printf("READY\n");
  std::fflush(stdout);
  std::mutex out_mu;
  const uint64_t seed = std::strtoull(argv[2], nullptr, 10);

  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        uint64_t version = 0, n = 0;
        auto current = store->GetRecord("ledger", "counter");
        if (current.ok()) {
          version = current->version;
          n = std::strtoull(current->value.c_str() + 5, nullptr, 10);  // {"n":N}
        } else if (!current.status().IsNotFound()) {
          Die(current.status());
        }
        const std::string value = "{\"n\":" + std::to_string(n + 1) + "}";
        pdfs::CommitBatch batch;
        batch.AllowSystemTopics();
        batch.Put("ledger", "counter", value, version);
        pdfs::ItemBatch change, log;
        change.AddDocuments(Docs(value));
        log.AddDocuments(Docs(value));
        if (!log.SetIndexKey(0, IndexKey(n + 1)).ok()) std::abort();
        batch.Append(".ledger.changes", std::move(change), n);
        batch.Append("log", std::move(log));
        auto r = store->Commit(batch);
        if (!r.ok()) {
          if (r.status().code() == pdfs::Status::Code::kConflict) continue;
          Die(r.status());
        }
        std::lock_guard<std::mutex> lock(out_mu);
        std::printf("ACK %llu\n", static_cast<unsigned long long>(n + 1));
        std::fflush(stdout);
      }
    });
  }
  threads.emplace_back([&] {
    std::mt19937_64 rng(seed);
    for (uint64_t seq = 0;; ++seq) {
      auto meta = store->Stat("idx");
      const uint64_t first = meta.ok() ? meta->first : 0;
      const uint64_t count = meta.ok() ? meta->count : 0;
      const int pick = static_cast<int>(rng() % 10);
      if (pick < 7 || !meta.ok()) {
        std::string text;
        std::vector<std::string> keys;
        for (size_t i = 1 + rng() % 20; i > 0; --i) {
          keys.push_back(rng() % 8 == 0 ? "" : "k" + std::to_string(rng() % 100));
          text += "{\"k\":\"" + keys.back() + "\",\"s\":" + std::to_string(seq) + "}";
        }
        pdfs::ItemBatch items;
        items.AddDocuments(Docs(text));
        for (size_t i = 0; i < keys.size(); ++i) {
          if (!keys[i].empty() && !items.SetIndexKey(i, keys[i]).ok()) std::abort();
        }
        if (auto r = store->Append("idx", items); !r.ok()) Die(r.status());
      } else if (pick < 9) {
        // Cut a few from the end or, now and then, anywhere.
        const uint64_t span = count - first;
        const uint64_t back =
            rng() % 4 == 0 ? rng() % (span + 1) : rng() % (std::min<uint64_t>(span, 30) + 1);
        if (auto r = store->Truncate("idx", count - back); !r.ok()) Die(r.status());
      } else {
        const uint64_t span = count - first;
        if (auto r = store->TrimFront("idx", first + rng() % (std::min<uint64_t>(span, 30) + 1));
            !r.ok()) {
          Die(r.status());
        }
      }
    }
  });
  for (auto& th : threads) th.join();
}
