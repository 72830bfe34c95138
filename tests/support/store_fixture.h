// StoreFixture: a Store on RocksDB in a temporary directory, for the engine
// tests of items, collections, indexes and system topics; and helpers to
// build item batches.
#ifndef PDFS_TESTS_SUPPORT_STORE_FIXTURE_H_
#define PDFS_TESTS_SUPPORT_STORE_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pdfs/store.h"
#include "support/temp_dir.h"

namespace pdfs::testing {

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Closes the store (if open) and opens the same directory again.
  void Reopen(Options options = Options()) {
    store_.reset();
    Result<std::unique_ptr<Store>> r = Store::Open(options, dir_.Sub("data"));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    store_ = std::move(r).value();
  }

  // Every record of [begin, end) of `topic`; fails the test on an error.
  std::vector<Record> Records(std::string_view topic, uint64_t begin = 0, uint64_t end = ~0ull) {
    std::vector<Record> out;
    auto reader = store_->Read(topic, begin, end);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) return out;
    while (const Record* r = (*reader)->Next()) out.push_back(*r);
    EXPECT_TRUE((*reader)->status().ok()) << (*reader)->status().ToString();
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

// An item batch of (content type, bytes) pairs; fails the test on a bad type.
inline ItemBatch Items(const std::vector<std::pair<std::string, std::string>>& items) {
  ItemBatch batch;
  for (const auto& [type, data] : items) {
    Status s = batch.Add(type, data);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return batch;
}

}  // namespace pdfs::testing

#endif  // PDFS_TESTS_SUPPORT_STORE_FIXTURE_H_
