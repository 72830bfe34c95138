// Retention: cuts from the front leave every remaining item at its location
// and move `first`; the enforcer thread applies configured retention.
#include "pdfs/topics/retention.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/store_fixture.h"

namespace pdfs::topics {
namespace {

using pdfs::testing::Items;
using pdfs::testing::StoreFixture;

class RetentionTest : public StoreFixture {
 protected:
  // Appends `n` items of `bytes` bytes each, one append each; their data is
  // their location's number, padded.
  void AppendItems(std::string_view topic, int n, size_t bytes = 10) {
    for (int i = 0; i < n; ++i) {
      auto meta = store_->Stat(topic);
      std::string data = std::to_string(meta.ok() ? meta->count : 0);
      data.resize(bytes, '.');
      ASSERT_TRUE(store_->Append(topic, Items({{"text/plain", data}})).ok());
    }
  }
  void ExpectKept(std::string_view topic, uint64_t first, uint64_t count) {
    auto meta = store_->Stat(topic);
    ASSERT_TRUE(meta.ok());
    EXPECT_EQ(meta->first, first);
    EXPECT_EQ(meta->count, count);
    std::vector<Record> records = Records(topic);
    ASSERT_EQ(records.size(), count - first);
    for (const Record& r : records) {
      // Remaining items keep their locations (and their data).
      EXPECT_EQ(r.data.substr(0, r.data.find('.')), std::to_string(r.location));
    }
    EXPECT_TRUE(store_->Get(topic, first - 1).status().IsNotFound());
  }
};

TEST_F(RetentionTest, ByCountKeepsTheNewestItemsAtTheirLocations) {
  AppendItems("t", 10);
  Retention r;
  r.max_items = 4;
  auto cut = ApplyRetention(*store_, "t", r, 0);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_EQ(cut->removed(), 6u);
  ExpectKept("t", 6, 10);
  // Applying it again removes nothing; appending continues at 10.
  EXPECT_EQ(ApplyRetention(*store_, "t", r, 0)->removed(), 0u);
  AppendItems("t", 1);
  ExpectKept("t", 6, 11);
}

TEST_F(RetentionTest, ByBytesKeepsTheNewestItemsThatFit) {
  AppendItems("t", 10, 100);
  Retention r;
  r.max_bytes = 350;  // three items of 100 bytes fit, four do not
  auto cut = ApplyRetention(*store_, "t", r, 0);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  ExpectKept("t", 7, 10);
  EXPECT_EQ(store_->Stat("t")->size, 300u);
}

TEST_F(RetentionTest, ByAgeRemovesWhatWasAppendedBeforeTheCutoff) {
  AppendItems("t", 3);
  // Make sure the next item's append time is later than the first three's.
  int64_t old_time = store_->Get("t", 2)->append_time_ms;
  while (std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() <= old_time) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  AppendItems("t", 2);
  int64_t new_time = store_->Get("t", 3)->append_time_ms;
  ASSERT_GT(new_time, old_time);
  Retention r;
  r.max_age_ms = 1000;
  // As of a moment when items 3 and 4 are exactly max_age_ms old: they stay.
  auto cut = ApplyRetention(*store_, "t", r, new_time + 1000);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  ExpectKept("t", 3, 5);
  // Much later, everything is old.
  ASSERT_TRUE(ApplyRetention(*store_, "t", r, new_time + 100000).ok());
  ExpectKept("t", 5, 5);
}

TEST_F(RetentionTest, TheStrictestBoundWinsAndAMissingTopicIsNotFound) {
  AppendItems("t", 10, 100);
  Retention r;
  r.max_items = 8;
  r.max_bytes = 500;
  ASSERT_TRUE(ApplyRetention(*store_, "t", r, 0).ok());
  ExpectKept("t", 5, 10);
  EXPECT_TRUE(ApplyRetention(*store_, "nope", r, 0).status().IsNotFound());
}

TEST_F(RetentionTest, TheEnforcerTrimsConfiguredTopicsAfterAKickAndStopsCleanly) {
  AppendItems("kept", 5);  // never configured: keeps everything
  ASSERT_TRUE(store_->CreateTopic("trimmed", R"({"retention":{"max_items":2}})").ok());
  AppendItems("trimmed", 5);
  ASSERT_TRUE(store_->CreateTopic("odd", R"({"ttlDays":3})").ok());  // not valid settings
  AppendItems("odd", 5);

  // A period far longer than the test: only the kick can start a pass.
  RetentionEnforcer enforcer(store_.get(), {.period = std::chrono::hours(1), .now_ms = {}});
  uint64_t ticket = enforcer.Kick();
  ASSERT_TRUE(
      enforcer.WaitForPass(ticket, std::chrono::steady_clock::now() + std::chrono::seconds(10)));
  ExpectKept("trimmed", 3, 5);
  ExpectKept("kept", 0, 5);
  ExpectKept("odd", 0, 5);
  RetentionEnforcer::Counters c = enforcer.counters();
  EXPECT_GE(c.passes, 1u);
  EXPECT_EQ(c.topics_trimmed, 1u);
  EXPECT_EQ(c.items_removed, 3u);
  EXPECT_EQ(c.invalid_settings, 1u);
  EXPECT_EQ(c.errors, 0u) << c.last_error.ToString();

  enforcer.Stop();
  enforcer.Stop();  // idempotent
  // A stopped enforcer runs no more passes: a kick is never completed.
  EXPECT_FALSE(enforcer.WaitForPass(enforcer.Kick(), std::chrono::steady_clock::now()));
}

TEST_F(RetentionTest, TheEnforcerAlsoRunsEveryPeriodWithoutAKick) {
  ASSERT_TRUE(store_->CreateTopic("t", R"({"retention":{"max_items":1}})").ok());
  AppendItems("t", 3);
  RetentionEnforcer enforcer(store_.get(), {.period = std::chrono::milliseconds(5), .now_ms = {}});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (enforcer.counters().items_removed < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ExpectKept("t", 2, 3);
}

}  // namespace
}  // namespace pdfs::topics
