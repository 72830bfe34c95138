// Store against a model: random appends (batches of every size, documents
// of every length), truncations, trims from the front, deletions and reopens,
// checked after every step against a plain vector of what must be stored.
// Whatever the on-disk layout (one entry per document, or chunks of many),
// the observable stream must be exactly the model's.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "pdfs/store.h"
#include "support/temp_dir.h"

namespace pdfs {
namespace {

struct ModelDoc {
  std::string data;
  uint64_t serial = 0;  // 0 until first read; then it must never change
};

class StoreModelTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  void SetUp() override {
    rng_.seed(GetParam());
    Reopen();
  }

  void Reopen() {
    store_.reset();
    auto r = Store::Open(Options(), dir_.Sub("data"));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    store_ = std::move(r).value();
  }

  std::string RandomDoc() {
    // Mostly small, sometimes larger than a whole chunk.
    std::uniform_int_distribution<int> pick(0, 99);
    const int p = pick(rng_);
    size_t len = p < 70 ? 1 + rng_() % 60 : p < 95 ? 100 + rng_() % 2000 : 20000 + rng_() % 50000;
    return "{\"id\":" + std::to_string(next_id_++) + ",\"p\":\"" +
           std::string(len, 'a' + rng_() % 26) + "\"}";
  }

  void Append() {
    std::uniform_int_distribution<int> pick(0, 99);
    const int p = pick(rng_);
    const size_t n = p < 40 ? 1 : p < 80 ? 2 + rng_() % 50 : p < 95 ? 100 + rng_() % 1500 : 3000;
    std::string input;
    std::vector<std::string> docs;
    for (size_t i = 0; i < n; ++i) {
      docs.push_back(RandomDoc());
      input += docs.back() + "\n";
    }
    DocumentBatch batch;
    ASSERT_TRUE(
        DocumentParser::ParseAll(input, DocumentParser::Shape::kObjectStream, {}, &batch).ok());
    auto r = store_->Append("t", batch);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->first_location, count_) << "append must continue at count";
    for (auto& d : docs) model_[count_++] = ModelDoc{std::move(d), 0};
    exists_ = true;
  }

  void Truncate() {
    if (!exists_) return;
    const uint64_t at = count_ == 0 ? 0 : rng_() % (count_ + 2);
    auto r = store_->Truncate("t", at);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (at < count_) {
      model_.erase(model_.lower_bound(at), model_.end());
      count_ = at;
      first_ = std::min(first_, at);
    }
  }

  void Trim() {
    if (!exists_) return;
    const uint64_t to = first_ + rng_() % (count_ - first_ + 2);
    auto r = store_->TrimFront("t", to);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const uint64_t clamped = std::min(to, count_);
    if (clamped > first_) {
      model_.erase(model_.begin(), model_.lower_bound(clamped));
      first_ = clamped;
    }
  }

  void Delete() {
    if (!exists_) return;
    ASSERT_TRUE(store_->DeleteTopic("t").ok());
    model_.clear();
    count_ = first_ = 0;
    exists_ = false;
  }

  void Check(const std::string& step) {
    SCOPED_TRACE(step);
    auto meta = store_->Stat("t");
    if (!exists_) {
      ASSERT_TRUE(meta.status().IsNotFound());
      return;
    }
    ASSERT_TRUE(meta.ok()) << meta.status().ToString();
    uint64_t size = 0;
    for (const auto& [loc, d] : model_) size += d.data.size();
    ASSERT_EQ(meta->count, count_);
    ASSERT_EQ(meta->first, first_);
    ASSERT_EQ(meta->size, size);

    // The whole range, and a range starting and ending at random places.
    for (int pass = 0; pass < 2; ++pass) {
      uint64_t begin = 0, end = ~0ull;
      if (pass == 1 && count_ > 0) {
        begin = rng_() % (count_ + 1);
        end = begin + rng_() % (count_ - begin + 2);
      }
      auto reader = store_->Read("t", begin, end);
      ASSERT_TRUE(reader.ok());
      auto it = model_.lower_bound(begin);
      while (const Record* r = (*reader)->Next()) {
        ASSERT_NE(it, model_.end()) << "extra document at " << r->location;
        ASSERT_EQ(r->location, it->first);
        ASSERT_EQ(r->data, it->second.data) << "location " << r->location;
        if (it->second.serial == 0) it->second.serial = r->serial;
        ASSERT_EQ(r->serial, it->second.serial) << "a document's serial changed";
        ++it;
      }
      ASSERT_TRUE((*reader)->status().ok());
      ASSERT_TRUE(it == model_.end() || it->first >= end) << "missing document at " << it->first;
    }
    // Point reads, inside and outside what is stored.
    for (int i = 0; i < 5; ++i) {
      const uint64_t loc = rng_() % (count_ + 3);
      auto r = store_->Get("t", loc);
      auto it = model_.find(loc);
      if (it == model_.end()) {
        ASSERT_TRUE(r.status().IsNotFound()) << "location " << loc;
      } else {
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        ASSERT_EQ(r->data, it->second.data);
        ASSERT_EQ(r->serial, it->second.serial == 0 ? r->serial : it->second.serial);
      }
    }
    // Serials are unique.
    std::map<uint64_t, uint64_t> serials;
    for (const auto& [loc, d] : model_) {
      if (d.serial != 0) {
        ASSERT_TRUE(serials.emplace(d.serial, loc).second) << "serial reused";
      }
    }
  }

  pdfs::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::mt19937_64 rng_;
  std::map<uint64_t, ModelDoc> model_;
  uint64_t count_ = 0, first_ = 0, next_id_ = 0;
  bool exists_ = false;
};

TEST_P(StoreModelTest, RandomOperationsMatchTheModel) {
  for (int step = 0; step < 300; ++step) {
    const int op = static_cast<int>(rng_() % 100);
    std::string name;
    if (op < 50) {
      name = "append";
      Append();
    } else if (op < 70) {
      name = "truncate";
      Truncate();
    } else if (op < 88) {
      name = "trim";
      Trim();
    } else if (op < 92) {
      name = "delete";
      Delete();
    } else {
      name = "reopen";
      Reopen();
    }
    if (HasFatalFailure()) return;
    Check("step " + std::to_string(step) + " (" + name + ")");
    if (HasFatalFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, StoreModelTest, ::testing::Range(1u, 9u));

}  // namespace
}  // namespace pdfs
