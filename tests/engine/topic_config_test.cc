// Topic configuration: one JSON document per topic, changed atomically with
// its metadata, with a version for read-modify-write.
#include <gtest/gtest.h>

#include "pdfs/store.h"
#include "support/docs.h"
#include "support/store_fixture.h"

namespace pdfs {
namespace {

using pdfs::testing::Batch;
using pdfs::testing::StoreFixture;

class TopicConfigTest : public StoreFixture {};

TEST_F(TopicConfigTest, ATopicMadeAnywhereHasTheEmptyConfigurationAtVersionZero) {
  ASSERT_TRUE(store_->Append("plain", Batch({"{}"})).ok());
  auto config = store_->GetTopicConfig("plain");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->json, "{}");
  EXPECT_EQ(config->version, 0u);
  EXPECT_EQ(store_->Stat("plain")->config_version, 0u);
  EXPECT_TRUE(store_->GetTopicConfig("nope").status().IsNotFound());
}

TEST_F(TopicConfigTest, SetReplacesItMinifiedAndAnExpectedVersionGuardsAgainstLostUpdates) {
  auto created = store_->CreateTopic("flights", R"({ "ttlDays" : 120 })");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->config_version, 1u);
  EXPECT_EQ(store_->GetTopicConfig("flights")->json, R"({"ttlDays":120})");
  auto set = store_->SetTopicConfig("flights", R"({"ttlDays":7})", 1);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->config_version, 2u);
  // A writer that read version 1 loses, and changes nothing.
  auto stale = store_->SetTopicConfig("flights", R"({"ttlDays":30})", 1);
  EXPECT_EQ(stale.status().code(), Status::Code::kConflict) << stale.status().ToString();
  EXPECT_EQ(store_->GetTopicConfig("flights")->json, R"({"ttlDays":7})");
  ASSERT_TRUE(store_->SetTopicConfig("flights", R"({"ttlDays":30})", std::nullopt).ok());
  // Appends rewrite the metadata but never the configuration.
  ASSERT_TRUE(store_->Append("flights", Batch({"{}"})).ok());
  Reopen();
  auto config = store_->GetTopicConfig("flights");
  EXPECT_EQ(config->json, R"({"ttlDays":30})");
  EXPECT_EQ(config->version, 3u);
  EXPECT_EQ(store_->Stat("flights")->config_version, 3u);
  EXPECT_EQ(store_->Stat("flights")->count, 1u);
}

TEST_F(TopicConfigTest, BadConfigurationsAreRefusedAndChangeNothing) {
  Options options;
  options.max_config_bytes = 32;
  Reopen(options);
  ASSERT_TRUE(store_->CreateTopic("t").ok());
  EXPECT_TRUE(store_->SetTopicConfig("t", "[]", std::nullopt).status().IsInvalidArgument());
  EXPECT_TRUE(store_->SetTopicConfig("t", "{", std::nullopt).status().IsInvalidArgument());
  EXPECT_TRUE(store_->SetTopicConfig("t", R"({"d":")" + std::string(40, 'x') + "\"}", std::nullopt)
                  .status()
                  .IsTooLarge());
  EXPECT_TRUE(store_->SetTopicConfig("nope", "{}", std::nullopt).status().IsNotFound());
  EXPECT_TRUE(store_->CreateTopic("u", "").status().IsInvalidArgument());
  EXPECT_TRUE(store_->CreateTopic("u", "7").status().IsInvalidArgument());
  EXPECT_TRUE(store_->Stat("u").status().IsNotFound()) << "a refused creation creates nothing";
  EXPECT_EQ(store_->GetTopicConfig("t")->version, 0u);
}

TEST_F(TopicConfigTest, ADeletedTopicTakesItsConfigurationAlong) {
  ASSERT_TRUE(store_->CreateTopic("t", R"({"owner":"ops"})").ok());
  ASSERT_TRUE(store_->DeleteTopic("t").ok());
  ASSERT_TRUE(store_->CreateTopic("t").ok());
  EXPECT_EQ(store_->GetTopicConfig("t")->json, "{}");
  Reopen();
  EXPECT_EQ(store_->GetTopicConfig("t")->json, "{}");
  EXPECT_EQ(store_->GetTopicConfig("t")->version, 0u);
}

TEST_F(TopicConfigTest, AConfigurationChangeCommitsTogetherWithARecordOrNotAtAll) {
  ASSERT_TRUE(store_->CreateCollection("topics").ok());
  ASSERT_TRUE(store_->CreateTopic("t").ok());
  CommitBatch batch;
  batch.SetTopicConfig("t", R"({"retention":"1d"})", 0);
  batch.Put("topics", "t", R"({"configured":true})", 5);  // wrong: it does not exist
  EXPECT_EQ(store_->Commit(batch).status().code(), Status::Code::kConflict);
  EXPECT_EQ(store_->GetTopicConfig("t")->version, 0u);
  CommitBatch good;
  good.SetTopicConfig("t", R"({"retention":"1d"})", 0);
  good.Put("topics", "t", R"({"configured":true})", 0);
  auto r = store_->Commit(good);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->configured.size(), 1u);
  EXPECT_EQ(r->configured[0].config_version, 1u);
  EXPECT_EQ(store_->GetTopicConfig("t")->json, R"({"retention":"1d"})");
}

}  // namespace
}  // namespace pdfs
