// Topic indexes: key -> location entries written with their items and
// removed with them, so that the index always equals a rebuild from the
// items, whatever sequence of appends, cuts, trims, deletions and reopens.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "pdfs/store.h"
#include "support/store_fixture.h"

namespace pdfs {
namespace {

using pdfs::testing::StoreFixture;

class IndexTest : public StoreFixture {
 protected:
  // Appends items whose bytes are "key=<k>" (or "none" for an empty key,
  // which gets no index entry), so that a rebuild can read each item's key.
  Result<AppendResult> AppendKeyed(std::string_view topic, const std::vector<std::string>& keys,
                                   std::optional<uint64_t> expected_next = std::nullopt) {
    ItemBatch batch;
    for (const std::string& k : keys) {
      EXPECT_TRUE(batch.Add("text/plain", k.empty() ? "none" : "key=" + k).ok());
      if (!k.empty()) {
        EXPECT_TRUE(batch.SetIndexKey(batch.size() - 1, k).ok());
      }
    }
    return expected_next ? store_->AppendIfNext(topic, batch, *expected_next)
                         : store_->Append(topic, batch);
  }

  std::vector<std::pair<std::string, uint64_t>> ScanAll(std::string_view topic,
                                                        std::string_view begin = "",
                                                        std::string_view end = "",
                                                        ScanOrder order = ScanOrder::kAscending) {
    std::vector<std::pair<std::string, uint64_t>> out;
    auto reader = store_->ScanIndex(topic, begin, end, order);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) return out;
    while (const IndexEntry* e = (*reader)->Next()) out.emplace_back(e->key, e->location);
    EXPECT_TRUE((*reader)->status().ok()) << (*reader)->status().ToString();
    return out;
  }

  // The index as the items say it must be: every stored item with a key,
  // ordered by key then location.
  std::vector<std::pair<std::string, uint64_t>> Rebuild(std::string_view topic) {
    std::vector<std::pair<std::string, uint64_t>> out;
    for (const Record& r : Records(topic)) {
      if (r.data.rfind("key=", 0) == 0) out.emplace_back(r.data.substr(4), r.location);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(IndexTest, EntriesOrderByKeyThenLocationWhateverTheBytes) {
  const std::string a0("a\0", 2), a0b("a\0b", 3), a01("a\0\x01", 3);
  ASSERT_TRUE(AppendKeyed("t", {"b", "a", a0b, "", "ab", a0, "a", a01, "\xff"}).ok());
  const std::vector<std::pair<std::string, uint64_t>> want = {
      {"a", 1}, {"a", 6}, {a0, 5}, {a01, 7}, {a0b, 2}, {"ab", 4}, {"b", 0}, {"\xff", 8}};
  EXPECT_EQ(ScanAll("t"), want);
  EXPECT_EQ(ScanAll("t"), Rebuild("t"));
  auto reversed = want;
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(ScanAll("t", "", "", ScanOrder::kDescending), reversed);
  // [a\0, ab): the keys starting with "a\0".
  EXPECT_EQ(ScanAll("t", a0, "ab"),
            (std::vector<std::pair<std::string, uint64_t>>{{a0, 5}, {a01, 7}, {a0b, 2}}));
  EXPECT_EQ(ScanAll("t", "b"),
            (std::vector<std::pair<std::string, uint64_t>>{{"b", 0}, {"\xff", 8}}));
  EXPECT_EQ(ScanAll("t", "a\x01", "b", ScanOrder::kDescending),
            (std::vector<std::pair<std::string, uint64_t>>{{"ab", 4}}));
  EXPECT_EQ(*store_->FindIndexKey("t", "a"), 1u) << "the lowest location with the key";
  EXPECT_EQ(*store_->FindIndexKey("t", a0), 5u);
  EXPECT_TRUE(store_->FindIndexKey("t", std::string("a\0c", 3)).status().IsNotFound());
  EXPECT_TRUE(store_->FindIndexKey("t", "zz").status().IsNotFound());
  EXPECT_EQ(*store_->IndexKeyAt("t", 2), a0b);
  EXPECT_TRUE(store_->IndexKeyAt("t", 3).status().IsNotFound()) << "an item without a key";
  EXPECT_TRUE(store_->IndexKeyAt("t", 9).status().IsNotFound()) << "past the end";
  EXPECT_TRUE(store_->ScanIndex("nope", "", "", ScanOrder::kAscending).status().IsNotFound());
}

TEST_F(IndexTest, CutsTrimsAndDeletionsTakeTheirEntriesWithThem) {
  ASSERT_TRUE(AppendKeyed("t", {"k0", "k1", "", "k3", "k4", "k5", "k6"}).ok());
  ASSERT_TRUE(store_->Truncate("t", 5).ok());
  EXPECT_EQ(ScanAll("t"), Rebuild("t"));
  EXPECT_TRUE(store_->FindIndexKey("t", "k5").status().IsNotFound());
  ASSERT_TRUE(store_->TrimFront("t", 2).ok());
  EXPECT_EQ(ScanAll("t"), (std::vector<std::pair<std::string, uint64_t>>{{"k3", 3}, {"k4", 4}}));
  EXPECT_TRUE(store_->IndexKeyAt("t", 0).status().IsNotFound());
  // A re-used location gets only its new key.
  ASSERT_TRUE(AppendKeyed("t", {"new5"}).ok());
  EXPECT_EQ(*store_->IndexKeyAt("t", 5), "new5");
  EXPECT_EQ(ScanAll("t"), Rebuild("t"));
  ASSERT_TRUE(store_->DeleteTopic("t").ok());
  ASSERT_TRUE(AppendKeyed("t", {"", "k3"}).ok());
  EXPECT_EQ(ScanAll("t"), (std::vector<std::pair<std::string, uint64_t>>{{"k3", 1}}))
      << "a re-created topic never sees the old entries";
}

// Every read in location order (a range from anywhere, a single Get) hands
// each item its own key, and none to an item without one.
TEST_F(IndexTest, RecordsCarryTheirOwnIndexKeysInRangesAndGets) {
  // Two appends, so the keyed items span chunks of different content types.
  ASSERT_TRUE(AppendKeyed("t", {"k0", "", "k2"}).ok());
  ItemBatch mixed;
  ASSERT_TRUE(mixed.Add("image/png", "none").ok());
  ASSERT_TRUE(mixed.Add("text/plain", "key=k4").ok());
  ASSERT_TRUE(mixed.SetIndexKey(1, "k4").ok());
  ASSERT_TRUE(store_->Append("t", mixed).ok());
  const std::vector<std::string> want = {"k0", "", "k2", "", "k4"};
  for (uint64_t begin = 0; begin <= want.size(); ++begin) {
    for (uint64_t end = begin; end <= want.size() + 1; ++end) {
      auto reader = store_->Read("t", begin, end);
      ASSERT_TRUE(reader.ok());
      uint64_t expected = begin;
      while (const Record* r = (*reader)->Next()) {
        ASSERT_EQ(r->location, expected);
        EXPECT_EQ(r->index_key, want[expected])
            << "[" << begin << "," << end << ") at " << expected;
        ++expected;
      }
      EXPECT_TRUE((*reader)->status().ok());
      EXPECT_EQ(expected, std::min<uint64_t>(end, want.size()));
    }
  }
  for (uint64_t l = 0; l < want.size(); ++l) EXPECT_EQ(store_->Get("t", l)->index_key, want[l]);
  // A cut location re-used by an item without a key has none.
  ASSERT_TRUE(store_->Truncate("t", 2).ok());
  ASSERT_TRUE(AppendKeyed("t", {""}).ok());
  EXPECT_EQ(store_->Get("t", 2)->index_key, "");
  EXPECT_EQ(Records("t").back().index_key, "");
}

TEST_F(IndexTest, AFailedConditionalAppendAddsNoEntries) {
  ASSERT_TRUE(AppendKeyed("t", {"a"}).ok());
  auto late = AppendKeyed("t", {"b"}, 0);
  EXPECT_EQ(late.status().code(), Status::Code::kConflict);
  EXPECT_EQ(ScanAll("t"), (std::vector<std::pair<std::string, uint64_t>>{{"a", 0}}));
}

// A random sequence of every change, checked against a rebuild after each
// one and after every reopen (the crash loop does the same across kill -9).
TEST_F(IndexTest, AlwaysEqualsARebuildFromTheItems) {
  std::mt19937_64 rng(20261202);
  const std::vector<std::string> topics = {"x", "y"};
  auto random_key = [&] {
    if (rng() % 5 == 0) return std::string();
    std::string k = "k" + std::to_string(rng() % 40);
    if (rng() % 7 == 0) k.push_back('\0');
    return k;
  };
  for (int step = 0; step < 300; ++step) {
    const std::string& topic = topics[rng() % topics.size()];
    auto meta = store_->Stat(topic);
    const uint64_t count = meta.ok() ? meta->count : 0;
    const uint64_t first = meta.ok() ? meta->first : 0;
    switch (rng() % 10) {
      case 0:
      case 1:
      case 2:
      case 3: {
        std::vector<std::string> keys(1 + rng() % 30);
        for (auto& k : keys) k = random_key();
        ASSERT_TRUE(AppendKeyed(topic, keys).ok());
        break;
      }
      case 4:
      case 5:
        if (meta.ok()) {
          ASSERT_TRUE(store_->Truncate(topic, first + rng() % (count - first + 1)).ok());
        }
        break;
      case 6:
      case 7:
        if (meta.ok()) {
          ASSERT_TRUE(store_->TrimFront(topic, first + rng() % (count - first + 1)).ok());
        }
        break;
      case 8:
        if (meta.ok() && rng() % 3 == 0) {
          ASSERT_TRUE(store_->DeleteTopic(topic).ok());
        }
        break;
      default:
        Reopen();
        break;
    }
    for (const std::string& t : topics) {
      if (!store_->Stat(t).ok()) continue;
      ASSERT_EQ(ScanAll(t), Rebuild(t)) << "after step " << step << " on " << t;
    }
  }
}

}  // namespace
}  // namespace pdfs
