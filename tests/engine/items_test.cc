// Items of any content type (item.h): ItemBatch's rules, and appends that
// keep every item's bytes and type through reads, cuts, trims and reopens.
#include "pdfs/item.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "pdfs/store.h"
#include "support/docs.h"
#include "support/store_fixture.h"

namespace pdfs {
namespace {

using pdfs::testing::Batch;
using pdfs::testing::Items;
using pdfs::testing::StoreFixture;

TEST(ItemBatchTest, AddRefusesBadContentTypesAndAddsNothing) {
  ItemBatch batch;
  for (const std::string& bad : {std::string(), std::string(256, 'a'), std::string("text/\nplain"),
                                 std::string("caf\xC3\xA9/x"), std::string("a\0b", 3)}) {
    EXPECT_TRUE(batch.Add(bad, "bytes").IsInvalidArgument()) << bad;
  }
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.bytes(), 0u);
  EXPECT_TRUE(batch.Add(std::string(255, 'a'), "").ok());
  EXPECT_TRUE(batch.Add("text/plain; charset=utf-8", "x").ok());
  EXPECT_EQ(batch.size(), 2u);
}

TEST(ItemBatchTest, KeepsEachItemsTypeAndTellsDocumentsApart) {
  ItemBatch batch;
  batch.AddDocuments(pdfs::testing::Batch({R"({ "a" : 1 })", "{}"}));
  ASSERT_TRUE(batch.Add("image/png", std::string("\x89PNG\0\x01", 6)).ok());
  ASSERT_TRUE(batch.Add("application/json", "{ \"pretty\": true }").ok());
  batch.AddDocuments(pdfs::testing::Batch({R"({"b":2})"}));
  ASSERT_EQ(batch.size(), 5u);
  EXPECT_EQ(batch.data(0), R"({"a":1})");
  EXPECT_TRUE(batch.is_document(0));
  EXPECT_TRUE(batch.is_document(1));
  EXPECT_EQ(batch.content_type(2), "image/png");
  EXPECT_EQ(batch.data(2), std::string("\x89PNG\0\x01", 6));
  EXPECT_FALSE(batch.is_document(2));
  EXPECT_EQ(batch.content_type(3), "application/json");
  EXPECT_FALSE(batch.is_document(3)) << "an item added with Add is never a document";
  EXPECT_TRUE(batch.is_document(4));
  EXPECT_EQ(batch.content_type(4), kDocumentContentType);
  EXPECT_FALSE(batch.has_index_keys());
  EXPECT_TRUE(batch.SetIndexKey(1, "").IsInvalidArgument());
  EXPECT_TRUE(batch.SetIndexKey(1, std::string(kMaxIndexKeyBytes + 1, 'k')).IsInvalidArgument());
  ASSERT_TRUE(batch.SetIndexKey(1, "k1").ok());
  EXPECT_EQ(batch.index_key(1), "k1");
  EXPECT_EQ(batch.index_key(0), "");
}

class ItemsTest : public StoreFixture {};

// What a record must be: its type, whether it is a document, its bytes.
struct Expected {
  std::string type;
  bool document;
  std::string data;
};

void ExpectRecords(const std::vector<Record>& got, const std::vector<Expected>& want,
                   uint64_t first_location) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].location, first_location + i);
    EXPECT_EQ(got[i].content_type, want[i].type) << "location " << got[i].location;
    EXPECT_EQ(got[i].document, want[i].document) << "location " << got[i].location;
    EXPECT_EQ(got[i].data, want[i].data) << "location " << got[i].location;
  }
}

TEST_F(ItemsTest, ItemsOfMixedTypesInOneAppendKeepTheirOwnTypeThroughGetRangeAndReopen) {
  const std::string png("\x89PNG\r\n\x1a\n\0\0", 10);
  ItemBatch batch;
  batch.AddDocuments(Batch({R"({"n":0})", R"({"n":1})"}));
  ASSERT_TRUE(batch.Add("image/png", png).ok());
  ASSERT_TRUE(batch.Add("text/plain", "").ok());  // zero bytes
  ASSERT_TRUE(batch.Add("application/json", "{\n  \"pretty\": 1\n}").ok());
  batch.AddDocuments(Batch({R"({"n":5})"}));
  const std::vector<Expected> want = {
      {"application/json", true, R"({"n":0})"},
      {"application/json", true, R"({"n":1})"},
      {"image/png", false, png},
      {"text/plain", false, ""},
      {"application/json", false, "{\n  \"pretty\": 1\n}"},
      {"application/json", true, R"({"n":5})"},
  };
  auto r = store_->Append("mixed", batch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first_location, 0u);
  EXPECT_EQ(r->meta.count, 6u);
  EXPECT_EQ(r->meta.size, batch.bytes());
  for (int pass = 0; pass < 2; ++pass) {
    ExpectRecords(Records("mixed"), want, 0);
    for (uint64_t i = 0; i < want.size(); ++i) {
      auto rec = store_->Get("mixed", i);
      ASSERT_TRUE(rec.ok()) << rec.status().ToString();
      EXPECT_EQ(rec->content_type, want[i].type) << i;
      EXPECT_EQ(rec->document, want[i].document) << i;
      EXPECT_EQ(rec->data, want[i].data) << i;
    }
    Reopen();
  }
}

TEST_F(ItemsTest, CutsAndTrimsInsideARunOfTypedItemsKeepTheRestsTypeAndSize) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 10; ++i) pairs.push_back({"text/csv", "row" + std::to_string(i)});
  ASSERT_TRUE(store_->Append("csv", Items(pairs)).ok());
  ASSERT_TRUE(store_->Append("csv", Batch({R"({"after":1})"})).ok());
  // Cut inside the run: the chunk holding 7 is rewritten holding 0..6.
  auto cut = store_->Truncate("csv", 7);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->count, 7u);
  // Trim inside it: the chunk holding 3 keeps 3..6 under the same key.
  auto trimmed = store_->TrimFront("csv", 3);
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->first, 3u);
  std::vector<Expected> want;
  uint64_t bytes = 0;
  for (int i = 3; i < 7; ++i) {
    want.push_back({"text/csv", false, "row" + std::to_string(i)});
    bytes += want.back().data.size();
  }
  EXPECT_EQ(trimmed->size, bytes);
  ExpectRecords(Records("csv"), want, 3);
  Reopen();
  ExpectRecords(Records("csv"), want, 3);
  auto appended = store_->Append("csv", Items({{"text/csv", "row7"}}));
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->first_location, 7u);
}

TEST_F(ItemsTest, AConditionalItemAppendLandsOnlyAtTheExpectedLocation) {
  ASSERT_TRUE(store_->AppendIfNext("t", Items({{"text/plain", "a"}}), 0).ok());
  auto late = store_->AppendIfNext("t", Items({{"text/plain", "b"}}), 0);
  EXPECT_EQ(late.status().code(), Status::Code::kConflict) << late.status().ToString();
  auto next = store_->AppendIfNext("t", Items({{"text/plain", "b"}}), 1);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->first_location, 1u);
  EXPECT_EQ(store_->Stat("t")->count, 2u);
}

TEST_F(ItemsTest, AnItemOverTheStoreLimitIsTooLargeAndAnEmptyBatchInvalid) {
  Options options;
  options.max_document_bytes = 100;
  Reopen(options);
  EXPECT_EQ(store_->options().max_document_bytes, 100u) << "options() is what Open was given";
  EXPECT_TRUE(store_->Append("t", Items({{"a/b", std::string(101, 'x')}})).status().IsTooLarge());
  EXPECT_TRUE(store_->Append("t", ItemBatch()).status().IsInvalidArgument());
  EXPECT_TRUE(store_->Stat("t").status().IsNotFound()) << "nothing was stored";
  EXPECT_TRUE(store_->Append("t", Items({{"a/b", std::string(100, 'x')}})).ok());
}

TEST_F(ItemsTest, FindLocationAtTimeSearchesChunksOfManyAppends) {
  std::vector<int64_t> times;
  for (int i = 0; i < 40; ++i) {
    auto r = store_->Append("t", Items({{"text/plain", "a"}, {"text/plain", "b"}}));
    ASSERT_TRUE(r.ok());
    times.push_back(store_->Get("t", r->first_location)->append_time_ms);
    if (i % 8 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  ASSERT_TRUE(store_->TrimFront("t", 10).ok());
  for (uint64_t location = 10; location < 80; ++location) {
    const int64_t t = times[location / 2];
    // The first location at or after t: the first of the items sharing it.
    uint64_t want = 10;
    while (want < 80 && times[want / 2] < t) ++want;
    EXPECT_EQ(*store_->FindLocationAtTime("t", t), want) << location;
  }
  EXPECT_EQ(*store_->FindLocationAtTime("t", times.back() + 1), 80u);
  EXPECT_EQ(*store_->FindLocationAtTime("t", 0), 10u) << "trimmed locations are not found";
}

}  // namespace
}  // namespace pdfs
