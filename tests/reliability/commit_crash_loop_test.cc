// The commit crash loop: a real process (commit_crash_writer) committing
// collection changes and indexed appends from several threads, killed with
// SIGKILL at a random moment, over and over; after every kill the data
// directory is opened and checked:
//  - all or nothing: each commit was a compare-and-set of the record
//    "counter" to {"n":N}, the conditional append of the change record
//    {"n":N} to ".ledger.changes" at location N-1, and the append of {"n":N}
//    to "log" with index key n<N>; so the record, the change topic and the
//    log must agree exactly: the record is {"n":C} at version C, and both
//    topics hold {"n":1}..{"n":C} (no commit half there, none twice);
//  - durability: C is at least every N the writer acknowledged;
//  - the indexes equal a rebuild from the items: "log"'s entries are
//    exactly n<1>..n<C>, and "idx" (random appends, cuts and trims) has one
//    entry per stored item with a key, at that item's location.
//
// PDFS_COMMIT_CRASH_ITERATIONS (default 12) sets the number of kills and
// PDFS_CRASH_SEED the random seed (printed, for replaying a failure).
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "pdfs/store.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace pdfs {
namespace {

using pdfs::testing::Subprocess;
using pdfs::testing::TempDir;

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

std::vector<Record> ReadAll(Store& store, const std::string& topic) {
  std::vector<Record> out;
  auto reader = store.Read(topic, 0, ~0ull);
  EXPECT_TRUE(reader.ok()) << topic << ": " << reader.status().ToString();
  if (!reader.ok()) return out;
  while (const Record* r = (*reader)->Next()) out.push_back(*r);
  EXPECT_TRUE((*reader)->status().ok());
  return out;
}

std::vector<IndexEntry> IndexOf(Store& store, const std::string& topic) {
  std::vector<IndexEntry> out;
  auto reader = store.ScanIndex(topic, "", "", ScanOrder::kAscending);
  EXPECT_TRUE(reader.ok()) << topic << ": " << reader.status().ToString();
  if (!reader.ok()) return out;
  while (const IndexEntry* e = (*reader)->Next()) out.push_back(*e);
  EXPECT_TRUE((*reader)->status().ok());
  return out;
}

std::string CounterDoc(uint64_t n) { return "{\"n\":" + std::to_string(n) + "}"; }

struct Totals {
  uint64_t acked = 0;        // the highest N acknowledged so far
  uint64_t commits = 0;      // commits found whole after the kills
  uint64_t idx_entries = 0;  // index entries of "idx" checked against a rebuild
  uint64_t idx_items = 0;    // items of "idx" rebuilt from
};

// Opens the directory after a kill and checks everything the header says.
void CheckAfterKill(const std::string& dir, uint64_t acked, Totals* totals) {
  auto opened = Store::Open(Options(), dir);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = **opened;

  uint64_t committed = 0, version = 0;
  if (auto counter = store.GetRecord("ledger", "counter"); counter.ok()) {
    committed = std::strtoull(counter->value.c_str() + 5, nullptr, 10);
    version = counter->version;
    EXPECT_EQ(counter->value, CounterDoc(committed));
  } else {
    ASSERT_TRUE(counter.status().IsNotFound()) << counter.status().ToString();
  }
  EXPECT_EQ(version, committed) << "one collection revision per commit";
  EXPECT_GE(committed, acked) << "an acknowledged commit was lost";
  auto info = store.StatCollection("ledger");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->revision, committed);
  EXPECT_EQ(info->records, committed > 0 ? 1u : 0u);

  for (const std::string topic : {".ledger.changes", "log"}) {
    std::vector<Record> records =
        committed > 0 || store.Stat(topic).ok() ? ReadAll(store, topic) : std::vector<Record>{};
    ASSERT_EQ(records.size(), committed)
        << topic << " holds " << records.size() << " items; the record says " << committed
        << " commits: a commit was applied in part";
    for (uint64_t i = 0; i < committed; ++i) {
      ASSERT_EQ(records[i].location, i);
      ASSERT_EQ(records[i].data, CounterDoc(i + 1)) << topic << " location " << i;
    }
  }
  if (committed > 0) {
    std::vector<IndexEntry> log_index = IndexOf(store, "log");
    ASSERT_EQ(log_index.size(), committed) << "the log's index has entries without items, "
                                              "or items without entries";
    for (uint64_t i = 0; i < committed; ++i) {
      char key[32];
      std::snprintf(key, sizeof(key), "n%08llu", static_cast<unsigned long long>(i + 1));
      EXPECT_EQ(log_index[i].key, key);
      EXPECT_EQ(log_index[i].location, i);
    }
  }

  if (store.Stat("idx").ok()) {
    std::vector<IndexEntry> rebuilt;
    std::vector<Record> items = ReadAll(store, "idx");
    for (const Record& r : items) {
      // {"k":"<key>","s":<seq>}; an empty key has no entry.
      const size_t end = r.data.find('"', 6);
      ASSERT_NE(end, std::string::npos) << r.data;
      std::string key = r.data.substr(6, end - 6);
      if (!key.empty()) rebuilt.push_back(IndexEntry{key, r.location});
    }
    std::sort(rebuilt.begin(), rebuilt.end(), [](const IndexEntry& a, const IndexEntry& b) {
      return a.key != b.key ? a.key < b.key : a.location < b.location;
    });
    std::vector<IndexEntry> index = IndexOf(store, "idx");
    EXPECT_TRUE(index == rebuilt) << "idx: the index has " << index.size()
                                  << " entries, a rebuild from its " << items.size()
                                  << " items has " << rebuilt.size();
    totals->idx_entries += index.size();
    totals->idx_items += items.size();
  }
  totals->commits += committed;
}

TEST(CommitCrashLoopTest, SigkillNeverSplitsACommitOrAnIndexFromItsItems) {
  const uint64_t seed = EnvNumber("PDFS_CRASH_SEED", std::random_device{}());
  const uint64_t iterations = EnvNumber("PDFS_COMMIT_CRASH_ITERATIONS", 12);
  std::printf("commit crash loop: %llu kills, seed %llu (PDFS_CRASH_SEED)\n",
              static_cast<unsigned long long>(iterations), static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  TempDir dir;
  const std::string data = dir.Sub("data");
  Totals totals;
  uint64_t kills = 0;
  for (uint64_t i = 0; i < iterations; ++i) {
    const auto kill_after = std::chrono::milliseconds(100 + rng() % 900);
    {
      Subprocess writer({COMMIT_CRASH_WRITER_PATH, data, std::to_string(rng())});
      ASSERT_TRUE(writer.WaitForLine("READY", std::chrono::seconds(30))) << writer.stderr_text();
      const auto until = std::chrono::steady_clock::now() + kill_after;
      std::string line;
      while (std::chrono::steady_clock::now() < until &&
             writer.ReadLine(&line, std::chrono::seconds(5))) {
        unsigned long long n = 0;
        if (std::sscanf(line.c_str(), "ACK %llu", &n) == 1) {
          totals.acked = std::max<uint64_t>(totals.acked, n);
        }
      }
      writer.Signal(SIGKILL);
      ++kills;
      writer.Wait(std::chrono::seconds(10));
      EXPECT_EQ(writer.stderr_text(), "") << "the writer failed before the kill";
    }
    CheckAfterKill(data, totals.acked, &totals);
    if (::testing::Test::HasFailure()) break;
    std::printf("kill %llu after %lld ms: %llu commits acknowledged so far\n",
                static_cast<unsigned long long>(i + 1), static_cast<long long>(kill_after.count()),
                static_cast<unsigned long long>(totals.acked));
    std::fflush(stdout);
  }
  EXPECT_GT(totals.acked, 0u) << "the writer committed nothing";
  std::printf(
      "commit crash loop totals: %llu kills, %llu commits acknowledged, %llu commit checks "
      "(record + change topic + log + log index, after every kill), %llu idx index entries "
      "checked against rebuilds from %llu items\n",
      static_cast<unsigned long long>(kills), static_cast<unsigned long long>(totals.acked),
      static_cast<unsigned long long>(totals.commits),
      static_cast<unsigned long long>(totals.idx_entries),
      static_cast<unsigned long long>(totals.idx_items));
}

}  // namespace
}  // namespace pdfs
