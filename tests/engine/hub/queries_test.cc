// Hub reads in key order on a real store: an item by its key, latest and
// earliest, next and previous from any key, time periods, retention, and a
// large topic.
#include "pdfs/hub/queries.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/store_fixture.h"

namespace pdfs::hub {
namespace {

using pdfs::testing::Items;
using pdfs::testing::StoreFixture;

class HubQueriesTest : public StoreFixture {
 protected:
  // Appends one batch of `n` items (they share one append time: the store
  // stamps a batch at once) after sleeping long enough that its time is
  // later than the previous batch's by at least 2 ms. The store's clock is
  // the system clock, and it offers no way to set it.
  void AppendBatch(std::string_view topic, size_t n, std::string_view prefix = "item") {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    ItemBatch batch;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(batch.Add("text/plain", std::string(prefix) + std::to_string(i)).ok());
    }
    Result<AppendResult> r = store_->Append(topic, batch);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  // Every stored item of `topic` as ItemRefs, in location order.
  std::vector<ItemRef> All(std::string_view topic) {
    std::vector<ItemRef> out;
    for (const Record& r : Records(topic)) out.push_back(RefOf(r));
    return out;
  }

  static std::vector<ItemRef> Slice(const std::vector<ItemRef>& v, size_t begin, size_t end) {
    return std::vector<ItemRef>(v.begin() + begin, v.begin() + end);
  }
};

// Unwraps a list result, failing the test on an error.
template <typename T>
T Ok(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : T();
}

TEST_F(HubQueriesTest, AnItemIsFoundByItsKeyAndOnlyByItsKey) {
  AppendBatch("t", 1, "a");
  AppendBatch("t", 2, "b");
  const std::vector<ItemRef> all = All("t");
  ASSERT_EQ(all.size(), 3u);
  ASSERT_LT(all[0].time_ms, all[1].time_ms);
  ASSERT_EQ(all[1].time_ms, all[2].time_ms);

  Result<Record> got = GetItem(*store_, "t", all[2].key());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->location, 2u);
  EXPECT_EQ(got->data, "b1");
  EXPECT_EQ(got->content_type, "text/plain");
  EXPECT_EQ(GetItem(*store_, "t", all[0].key())->data, "a0");

  // The right location at another time: cut and re-used, or a made-up key.
  ContentKey wrong_time = all[2].key();
  wrong_time.time_ms += 1;
  EXPECT_TRUE(GetItem(*store_, "t", wrong_time).status().IsNotFound());
  // Another item's time with this location's hash.
  EXPECT_TRUE(GetItem(*store_, "t", KeyOf(all[0].time_ms, 2)).status().IsNotFound());
  // Hashes that do not encode a location, and a location never stored.
  EXPECT_TRUE(GetItem(*store_, "t", {all[0].time_ms, "A"}).status().IsNotFound());
  EXPECT_TRUE(GetItem(*store_, "t", {all[0].time_ms, "G4Xog0"}).status().IsNotFound());
  EXPECT_TRUE(GetItem(*store_, "t", {all[0].time_ms, "zzzzzzzzzzz"}).status().IsNotFound());
  EXPECT_TRUE(GetItem(*store_, "t", KeyOf(all[0].time_ms, 3)).status().IsNotFound());
  // The topic's own errors.
  EXPECT_TRUE(GetItem(*store_, "missing", all[0].key()).status().IsNotFound());
  EXPECT_TRUE(GetItem(*store_, "missing", {all[0].time_ms, "A"}).status().IsNotFound());
  EXPECT_TRUE(GetItem(*store_, "no/slash", all[0].key()).status().IsInvalidArgument());
  EXPECT_TRUE(GetItem(*store_, "no/slash", {0, "A"}).status().IsInvalidArgument());

  // A location cut and re-used gets a later time: the old key is gone.
  const ContentKey old_key = all[2].key();
  ASSERT_TRUE(store_->Truncate("t", 2).ok());
  AppendBatch("t", 1, "c");
  EXPECT_TRUE(GetItem(*store_, "t", old_key).status().IsNotFound());
  EXPECT_EQ(GetItem(*store_, "t", All("t")[2].key())->data, "c0");
}

TEST_F(HubQueriesTest, LatestAndEarliestCountAndRespectTheVisibleTime) {
  for (int i = 0; i < 5; ++i) AppendBatch("t", 1);
  const std::vector<ItemRef> all = All("t");
  ASSERT_EQ(all.size(), 5u);

  EXPECT_EQ(Ok(Latest(*store_, "t", 1, kAllVisible)), Slice(all, 4, 5));
  EXPECT_EQ(Ok(Latest(*store_, "t", 3, kAllVisible)), Slice(all, 2, 5));
  EXPECT_EQ(Ok(Latest(*store_, "t", 100, kAllVisible)), all);
  EXPECT_EQ(Ok(Earliest(*store_, "t", 2, kAllVisible)), Slice(all, 0, 2));
  EXPECT_EQ(Ok(Earliest(*store_, "t", 100, kAllVisible)), all);

  // Visible up to and including item 2's time.
  const int64_t until = all[2].time_ms;
  EXPECT_EQ(Ok(Latest(*store_, "t", 2, until)), Slice(all, 1, 3));
  EXPECT_EQ(Ok(Latest(*store_, "t", 100, until)), Slice(all, 0, 3));
  EXPECT_EQ(Ok(Earliest(*store_, "t", 100, until)), Slice(all, 0, 3));
  EXPECT_EQ(Ok(Latest(*store_, "t", 1, until - 1)), Slice(all, 1, 2));
  EXPECT_TRUE(Ok(Latest(*store_, "t", 1, all[0].time_ms - 1)).empty());
  EXPECT_TRUE(Ok(Earliest(*store_, "t", 1, all[0].time_ms - 1)).empty());

  // N is at least 1; a missing topic is NotFound, an empty one empty.
  EXPECT_TRUE(Latest(*store_, "t", 0, kAllVisible).status().IsInvalidArgument());
  EXPECT_TRUE(Earliest(*store_, "t", 0, kAllVisible).status().IsInvalidArgument());
  EXPECT_TRUE(Latest(*store_, "missing", 1, kAllVisible).status().IsNotFound());
  EXPECT_TRUE(Earliest(*store_, "missing", 1, kAllVisible).status().IsNotFound());
  ASSERT_TRUE(store_->CreateTopic("empty").ok());
  EXPECT_TRUE(Ok(Latest(*store_, "empty", 5, kAllVisible)).empty());
  EXPECT_TRUE(Ok(Earliest(*store_, "empty", 5, kAllVisible)).empty());
}

TEST_F(HubQueriesTest, NextAndPreviousFromItemsAndFromKeysBetweenThem) {
  AppendBatch("t", 1);  // 0
  AppendBatch("t", 1);  // 1
  AppendBatch("t", 3);  // 2, 3, 4: one time
  AppendBatch("t", 1);  // 5
  AppendBatch("t", 1);  // 6
  const std::vector<ItemRef> all = All("t");
  ASSERT_EQ(all.size(), 7u);
  ASSERT_EQ(all[2].time_ms, all[4].time_ms);
  ASSERT_GE(all[5].time_ms - all[4].time_ms, 2);

  // From an item's own key.
  EXPECT_EQ(Ok(Next(*store_, "t", all[1].key(), 2, false, kAllVisible)), Slice(all, 2, 4));
  EXPECT_EQ(Ok(Next(*store_, "t", all[1].key(), 2, true, kAllVisible)), Slice(all, 1, 3));
  EXPECT_EQ(Ok(Next(*store_, "t", all[3].key(), 10, false, kAllVisible)), Slice(all, 4, 7));
  EXPECT_EQ(Ok(Previous(*store_, "t", all[3].key(), 2, false, kAllVisible)), Slice(all, 1, 3));
  EXPECT_EQ(Ok(Previous(*store_, "t", all[3].key(), 2, true, kAllVisible)), Slice(all, 2, 4));
  EXPECT_EQ(Ok(Previous(*store_, "t", all[5].key(), 10, false, kAllVisible)), Slice(all, 0, 5));
  EXPECT_TRUE(Ok(Previous(*store_, "t", all[0].key(), 10, false, kAllVisible)).empty());
  EXPECT_EQ(Ok(Previous(*store_, "t", all[0].key(), 10, true, kAllVisible)), Slice(all, 0, 1));
  EXPECT_TRUE(Ok(Next(*store_, "t", all[6].key(), 10, false, kAllVisible)).empty());
  EXPECT_EQ(Ok(Next(*store_, "t", all[6].key(), 10, true, kAllVisible)), Slice(all, 6, 7));

  // From a time between two items, with any hash: inclusive changes nothing.
  const ContentKey between{all[4].time_ms + 1, "0"};
  for (bool inclusive : {false, true}) {
    EXPECT_EQ(Ok(Next(*store_, "t", between, 1, inclusive, kAllVisible)), Slice(all, 5, 6));
    EXPECT_EQ(Ok(Previous(*store_, "t", between, 4, inclusive, kAllVisible)), Slice(all, 1, 5));
  }
  // Before everything and after everything.
  EXPECT_EQ(Ok(Next(*store_, "t", {0, "0"}, 3, false, kAllVisible)), Slice(all, 0, 3));
  EXPECT_TRUE(Ok(Previous(*store_, "t", {0, "0"}, 3, false, kAllVisible)).empty());
  EXPECT_EQ(Ok(Previous(*store_, "t", {kAllVisible, "z"}, 2, false, kAllVisible)),
            Slice(all, 5, 7));

  // A hash that is no location's, at the time of the three-item batch: "A"
  // sorts after every hash of these small locations ("0000000000x"), "0"
  // before them (a prefix), so the whole batch is before resp. after it.
  const int64_t batch_time = all[2].time_ms;
  EXPECT_EQ(Ok(Next(*store_, "t", {batch_time, "A"}, 4, false, kAllVisible)), Slice(all, 5, 7));
  EXPECT_EQ(Ok(Previous(*store_, "t", {batch_time, "A"}, 4, true, kAllVisible)), Slice(all, 1, 5));
  EXPECT_EQ(Ok(Next(*store_, "t", {batch_time, "0"}, 4, false, kAllVisible)), Slice(all, 2, 6));
  EXPECT_EQ(Ok(Previous(*store_, "t", {batch_time, "0"}, 4, false, kAllVisible)), Slice(all, 0, 2));
  // A hash between two of the batch's: "00000000003" is location 3's, and
  // "000000000025" sorts between location 2's and location 3's.
  EXPECT_EQ(Ok(Next(*store_, "t", {batch_time, "000000000025"}, 1, false, kAllVisible)),
            Slice(all, 3, 4));
  EXPECT_EQ(Ok(Previous(*store_, "t", {batch_time, "000000000025"}, 1, true, kAllVisible)),
            Slice(all, 2, 3));

  // The visible time cuts both directions.
  EXPECT_EQ(Ok(Next(*store_, "t", all[1].key(), 10, false, all[4].time_ms)), Slice(all, 2, 5));
  EXPECT_EQ(Ok(Previous(*store_, "t", all[6].key(), 10, false, all[1].time_ms)), Slice(all, 0, 2));
  EXPECT_TRUE(Ok(Next(*store_, "t", all[4].key(), 10, false, all[4].time_ms)).empty());

  // Errors.
  EXPECT_TRUE(Next(*store_, "t", all[0].key(), 0, false, kAllVisible).status().IsInvalidArgument());
  EXPECT_TRUE(
      Previous(*store_, "t", all[0].key(), 0, false, kAllVisible).status().IsInvalidArgument());
  EXPECT_TRUE(Next(*store_, "missing", all[0].key(), 1, false, kAllVisible).status().IsNotFound());
  EXPECT_TRUE(
      Previous(*store_, "missing", all[0].key(), 1, false, kAllVisible).status().IsNotFound());
  ASSERT_TRUE(store_->CreateTopic("empty").ok());
  EXPECT_TRUE(Ok(Next(*store_, "empty", {0, "A"}, 5, true, kAllVisible)).empty());
  EXPECT_TRUE(Ok(Previous(*store_, "empty", {kAllVisible, "A"}, 5, true, kAllVisible)).empty());
}

TEST_F(HubQueriesTest, RetentionTrimsTheFrontOfEveryQuery) {
  for (int i = 0; i < 5; ++i) AppendBatch("t", 1);
  const std::vector<ItemRef> all = All("t");
  ASSERT_TRUE(store_->TrimFront("t", 2).ok());

  EXPECT_EQ(Ok(Earliest(*store_, "t", 1, kAllVisible)), Slice(all, 2, 3));
  EXPECT_EQ(Ok(Latest(*store_, "t", 10, kAllVisible)), Slice(all, 2, 5));
  EXPECT_EQ(Ok(Previous(*store_, "t", all[3].key(), 5, false, kAllVisible)), Slice(all, 2, 3));
  EXPECT_EQ(Ok(Next(*store_, "t", {0, "0"}, 2, false, kAllVisible)), Slice(all, 2, 4));
  EXPECT_EQ(Ok(Next(*store_, "t", all[0].key(), 1, true, kAllVisible)), Slice(all, 2, 3));
  EXPECT_TRUE(GetItem(*store_, "t", all[1].key()).status().IsNotFound());
  EXPECT_TRUE(GetItem(*store_, "t", all[2].key()).ok());
  TimeRangeResult range = Ok(TimeRange(*store_, "t", 0, kAllVisible, kAllVisible, 100));
  EXPECT_EQ(range.items, Slice(all, 2, 5));

  // Everything trimmed: empty, not missing.
  ASSERT_TRUE(store_->TrimFront("t", 5).ok());
  EXPECT_TRUE(Ok(Latest(*store_, "t", 1, kAllVisible)).empty());
  EXPECT_TRUE(Ok(Earliest(*store_, "t", 1, kAllVisible)).empty());
  EXPECT_TRUE(Ok(Previous(*store_, "t", all[4].key(), 5, true, kAllVisible)).empty());
}

TEST_F(HubQueriesTest, TimeRangesAreHalfOpenAndSayWhenTheyAreCut) {
  AppendBatch("t", 1);  // 0
  AppendBatch("t", 2);  // 1, 2
  AppendBatch("t", 1);  // 3
  AppendBatch("t", 1);  // 4
  const std::vector<ItemRef> all = All("t");
  ASSERT_EQ(all.size(), 5u);

  TimeRangeResult r =
      Ok(TimeRange(*store_, "t", all[1].time_ms, all[3].time_ms + 1, kAllVisible, 100));
  EXPECT_EQ(r.items, Slice(all, 1, 4));
  EXPECT_FALSE(r.truncated);
  // The end is excluded.
  r = Ok(TimeRange(*store_, "t", all[1].time_ms, all[3].time_ms, kAllVisible, 100));
  EXPECT_EQ(r.items, Slice(all, 1, 3));
  // One millisecond holds both items of a batch.
  r = Ok(TimeRange(*store_, "t", all[1].time_ms, all[1].time_ms + 1, kAllVisible, 100));
  EXPECT_EQ(r.items, Slice(all, 1, 3));
  // Cut at the limit, and exactly at it.
  r = Ok(TimeRange(*store_, "t", 0, kAllVisible, kAllVisible, 2));
  EXPECT_EQ(r.items, Slice(all, 0, 2));
  EXPECT_TRUE(r.truncated);
  r = Ok(TimeRange(*store_, "t", 0, kAllVisible, kAllVisible, 5));
  EXPECT_EQ(r.items, all);
  EXPECT_FALSE(r.truncated);
  r = Ok(TimeRange(*store_, "t", 0, kAllVisible, kAllVisible, 0));
  EXPECT_TRUE(r.items.empty());
  EXPECT_TRUE(r.truncated);
  // The visible time.
  r = Ok(TimeRange(*store_, "t", 0, kAllVisible, all[2].time_ms, 100));
  EXPECT_EQ(r.items, Slice(all, 0, 3));
  EXPECT_FALSE(r.truncated);
  // Empty periods.
  r = Ok(TimeRange(*store_, "t", all[4].time_ms + 1, kAllVisible, kAllVisible, 100));
  EXPECT_TRUE(r.items.empty());
  EXPECT_FALSE(r.truncated);
  r = Ok(TimeRange(*store_, "t", all[3].time_ms, all[3].time_ms, kAllVisible, 100));
  EXPECT_TRUE(r.items.empty());
  r = Ok(TimeRange(*store_, "t", 0, all[0].time_ms, kAllVisible, 100));
  EXPECT_TRUE(r.items.empty());
  EXPECT_TRUE(TimeRange(*store_, "missing", 0, 1, kAllVisible, 1).status().IsNotFound());
}

TEST_F(HubQueriesTest, ALargeTopicAnswersFromItsMiddleAndEnd) {
  constexpr size_t kBatches = 100, kPerBatch = 1000, kTotal = kBatches * kPerBatch;
  for (size_t b = 0; b < kBatches; ++b) AppendBatch("big", kPerBatch);
  ASSERT_EQ(store_->Stat("big")->count, kTotal);
  const std::vector<ItemRef> all = All("big");
  ASSERT_EQ(all.size(), kTotal);

  EXPECT_EQ(Ok(Latest(*store_, "big", 1, kAllVisible)), Slice(all, kTotal - 1, kTotal));
  // N is capped at 10,000.
  EXPECT_EQ(Ok(Latest(*store_, "big", 20000, kAllVisible)),
            Slice(all, kTotal - kMaxDirectionCount, kTotal));
  EXPECT_EQ(Ok(Earliest(*store_, "big", 10, kAllVisible)), Slice(all, 0, 10));

  // From the middle, inside batch 50 (locations 50000..50999, one time).
  const ContentKey middle = all[50500].key();
  EXPECT_EQ(Ok(Next(*store_, "big", middle, 5, false, kAllVisible)), Slice(all, 50501, 50506));
  EXPECT_EQ(Ok(Next(*store_, "big", middle, 5, true, kAllVisible)), Slice(all, 50500, 50505));
  EXPECT_EQ(Ok(Previous(*store_, "big", middle, 3, false, kAllVisible)), Slice(all, 50497, 50500));
  EXPECT_EQ(Ok(Next(*store_, "big", middle, 1000, false, kAllVisible)), Slice(all, 50501, 51501));
  // Latest visible at the middle batch's time: that batch's last item.
  EXPECT_EQ(Ok(Latest(*store_, "big", 1, middle.time_ms)), Slice(all, 50999, 51000));
  // A start point that is no item's, at that time.
  EXPECT_EQ(Ok(Next(*store_, "big", {middle.time_ms, "A"}, 2, false, kAllVisible)),
            Slice(all, 51000, 51002));
  // The middle batch's millisecond holds exactly its 1,000 items.
  TimeRangeResult r =
      Ok(TimeRange(*store_, "big", middle.time_ms, middle.time_ms + 1, kAllVisible, 10000));
  EXPECT_EQ(r.items, Slice(all, 50000, 51000));
  EXPECT_FALSE(r.truncated);
}

}  // namespace
}  // namespace pdfs::hub
