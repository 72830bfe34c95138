// Store under concurrent appenders, truncations and readers.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "pdfs/store.h"
#include "support/docs.h"
#include "support/temp_dir.h"

namespace pdfs {
namespace {

using pdfs::testing::Batch;
using pdfs::testing::TempDir;

class ConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = Store::Open(Options(), dir_.Sub("data"));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    store_ = std::move(r).value();
  }

  // count and size as stored metadata, and as a recount of the documents.
  void ExpectMetadataEqualsRecount(const std::string& topic) {
    auto meta = store_->Stat(topic);
    ASSERT_TRUE(meta.ok());
    auto reader = store_->Read(topic, 0, ~0ull);
    ASSERT_TRUE(reader.ok());
    uint64_t n = 0, bytes = 0;
    while (const Record* r = (*reader)->Next()) {
      EXPECT_EQ(r->location, n) << "gap or reordering";
      ++n;
      bytes += r->data.size();
    }
    EXPECT_EQ(meta->count, n);
    EXPECT_EQ(meta->size, bytes);
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

std::string Doc(int thread, int seq) {
  return "{\"t\":" + std::to_string(thread) + ",\"s\":" + std::to_string(seq) + "}";
}

TEST_F(ConcurrencyTest, EightThreadsAppendingToOneTopicGetUniqueGaplessLocations) {
  constexpr int kThreads = 8, kPerThread = 400;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int s = 0; s < kPerThread; ++s) {
        auto r = store_->Append("t", Batch({Doc(t, s)}));
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        got[t].push_back(r->first_location);
      }
    });
  }
  for (auto& th : threads) th.join();

  std::set<uint64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(std::is_sorted(got[t].begin(), got[t].end())) << "thread " << t;
    for (int s = 0; s < kPerThread; ++s) {
      EXPECT_TRUE(all.insert(got[t][s]).second) << "location handed out twice";
      EXPECT_EQ(store_->Get("t", got[t][s])->data, Doc(t, s));
    }
  }
  EXPECT_EQ(all.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(*all.rbegin(), uint64_t{kThreads * kPerThread - 1});
  ExpectMetadataEqualsRecount("t");
}

TEST_F(ConcurrencyTest, ConcurrentBatchesNeverInterleave) {
  constexpr int kThreads = 6, kBatches = 60, kBatchSize = 25;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> firsts(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<std::string> docs;
        for (int i = 0; i < kBatchSize; ++i) docs.push_back(Doc(t, b * kBatchSize + i));
        auto r = store_->Append("t", Batch(docs));
        ASSERT_TRUE(r.ok());
        firsts[t].push_back(r->first_location);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    for (int b = 0; b < kBatches; ++b) {
      auto reader = store_->Read("t", firsts[t][b], firsts[t][b] + kBatchSize);
      ASSERT_TRUE(reader.ok());
      int i = 0;
      while (const Record* r = (*reader)->Next()) {
        EXPECT_EQ(r->data, Doc(t, b * kBatchSize + i));
        ++i;
      }
      EXPECT_EQ(i, kBatchSize);
    }
  }
  ExpectMetadataEqualsRecount("t");
}

TEST_F(ConcurrencyTest, ManyTopicsAtOnceKeepTheirOwnSequences) {
  constexpr int kTopics = 8, kPerTopic = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kTopics; ++t) {
    threads.emplace_back([&, t] {
      const std::string topic = "topic" + std::to_string(t);
      for (int s = 0; s < kPerTopic; ++s) {
        auto r = store_->Append(topic, Batch({Doc(t, s)}));
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r->first_location, uint64_t(s));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(store_->ListTopics().size(), size_t{kTopics});
  for (int t = 0; t < kTopics; ++t) ExpectMetadataEqualsRecount("topic" + std::to_string(t));
}

// Appenders, truncators and readers on one topic. Every range a reader sees
// must be a gapless run of locations; every acknowledged append must be
// readable at its location until a later truncation removes it.
TEST_F(ConcurrencyTest, AppendsRacingTruncationsStayConsistent) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> appended{0}, truncations{0}, ranges_checked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int s = 0; !stop; ++s) {
        std::vector<std::string> docs;
        for (int i = 0; i <= s % 3; ++i) docs.push_back(Doc(t, s * 10 + i));
        auto r = store_->Append("t", Batch(docs));
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        appended += docs.size();
      }
    });
  }
  threads.emplace_back([&] {
    std::mt19937_64 rng(7);
    while (!stop) {
      auto meta = store_->Stat("t");
      if (meta.ok() && meta->count > 0) {
        ASSERT_TRUE(store_->Truncate("t", rng() % (meta->count + 1)).ok());
        ++truncations;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (!stop) {
        auto reader = store_->Read("t", 0, ~0ull);
        if (!reader.ok()) continue;  // the topic may not exist yet
        uint64_t expect = 0;
        while (const Record* rec = (*reader)->Next()) {
          ASSERT_EQ(rec->location, expect) << "a range skipped a location";
          // Every document is one that some appender wrote.
          ASSERT_EQ(rec->data.rfind("{\"t\":", 0), 0u);
          ++expect;
        }
        ASSERT_TRUE((*reader)->status().ok());
        ++ranges_checked;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  stop = true;
  for (auto& th : threads) th.join();
  EXPECT_GT(appended.load(), 100u);
  EXPECT_GT(truncations.load(), 10u);
  EXPECT_GT(ranges_checked.load(), 10u);
  ExpectMetadataEqualsRecount("t");
}

}  // namespace
}  // namespace pdfs
