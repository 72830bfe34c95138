// System topics: names beginning with '.', created, appended to, trimmed
// and deleted only through the system methods; readable like any topic;
// refused on every path a user reaches, exactly as before they existed.
#include "pdfs/topic_name.h"

#include <gtest/gtest.h>

#include "pdfs/store.h"
#include "support/docs.h"
#include "support/store_fixture.h"

namespace pdfs {
namespace {

using pdfs::testing::Batch;
using pdfs::testing::StoreFixture;

TEST(SystemTopicNameTest, IsADotAndAUserTopicName) {
  EXPECT_TRUE(ValidateSystemTopicName(".hub.webhooks").ok());
  EXPECT_TRUE(ValidateSystemTopicName(".a").ok());
  EXPECT_TRUE(ValidateSystemTopicName(std::string(1, '.') + std::string(127, 'x')).ok());
  for (std::string bad :
       {std::string("."), std::string(".."), std::string("..x"), std::string("x"),
        std::string(".a/b"), std::string(""), std::string(1, '.') + std::string(128, 'x')}) {
    EXPECT_TRUE(ValidateSystemTopicName(bad).IsInvalidArgument()) << bad;
  }
  EXPECT_TRUE(ValidateTopicName(".hub").IsInvalidArgument()) << "never a user's name";
  EXPECT_TRUE(ValidateReadableTopicName(".hub").ok());
  EXPECT_TRUE(ValidateReadableTopicName("hub").ok());
  EXPECT_TRUE(ValidateReadableTopicName("..").IsInvalidArgument());
}

class SystemTopicTest : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    ASSERT_TRUE(store_->CreateSystemTopic(".changes", R"({"owner":"hub"})").ok());
    CommitBatch batch;
    batch.AllowSystemTopics();
    ItemBatch items;
    items.AddDocuments(Batch({R"({"c":0})", R"({"c":1})", R"({"c":2})"}));
    batch.Append(".changes", items);
    ASSERT_TRUE(store_->Commit(batch).ok());
  }
};

TEST_F(SystemTopicTest, EveryUserWritePathRefusesASystemTopicAndChangesNothing) {
  EXPECT_TRUE(store_->Append(".changes", Batch({"{}"})).status().IsInvalidArgument());
  EXPECT_TRUE(store_->AppendIfNext(".changes", Batch({"{}"}), 3).status().IsInvalidArgument());
  EXPECT_TRUE(store_->Truncate(".changes", 0).status().IsInvalidArgument());
  EXPECT_TRUE(store_->TruncateIfNext(".changes", 2, 3).status().IsInvalidArgument());
  EXPECT_TRUE(store_->TrimFront(".changes", 1).status().IsInvalidArgument());
  EXPECT_TRUE(store_->DeleteTopic(".changes").IsInvalidArgument());
  EXPECT_TRUE(store_->CreateTopic(".other").status().IsInvalidArgument());
  EXPECT_TRUE(store_->SetTopicConfig(".changes", "{}", std::nullopt).status().IsInvalidArgument());
  CommitBatch batch;  // without AllowSystemTopics
  ItemBatch items;
  items.AddDocuments(Batch({"{}"}));
  batch.Append(".changes", items);
  EXPECT_TRUE(store_->Commit(batch).status().IsInvalidArgument());
  auto meta = store_->Stat(".changes");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->count, 3u);
  EXPECT_EQ(meta->first, 0u);
  EXPECT_TRUE(meta->system());
}

TEST_F(SystemTopicTest, EveryReadPathServesAnExistingSystemTopic) {
  EXPECT_EQ(store_->Get(".changes", 1)->data, R"({"c":1})");
  EXPECT_EQ(Records(".changes").size(), 3u);
  EXPECT_EQ(*store_->FindLocationAtTime(".changes", 0), 0u);
  EXPECT_EQ(store_->GetTopicConfig(".changes")->json, R"({"owner":"hub"})");
  auto waited = store_->WaitForLocation(".changes", 2, std::chrono::steady_clock::now());
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited->count, 3u);
  std::vector<std::string> names;
  for (const TopicMeta& t : store_->ListTopics()) names.push_back(t.topic);
  EXPECT_EQ(names, std::vector<std::string>{".changes"});
  // A dot name that names no system topic is no topic name, as it always was.
  EXPECT_TRUE(store_->Stat(".nothing").status().IsInvalidArgument());
  EXPECT_TRUE(store_->Get(".nothing", 0).status().IsInvalidArgument());
  EXPECT_TRUE(store_->Read(".nothing", 0, 1).status().IsInvalidArgument());
  EXPECT_TRUE(store_->Stat("..").status().IsInvalidArgument());
}

TEST_F(SystemTopicTest, OnlyTheSystemMethodsTrimAndDeleteIt) {
  EXPECT_TRUE(store_->CreateSystemTopic(".changes", "").status().IsAlreadyExists());
  EXPECT_TRUE(store_->CreateSystemTopic("changes", "").status().IsInvalidArgument());
  auto trimmed = store_->TrimSystemTopic(".changes", 2);
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->first, 2u);
  EXPECT_EQ(trimmed->documents(), 1u);
  Reopen();
  EXPECT_EQ(store_->Stat(".changes")->first, 2u);
  EXPECT_TRUE(store_->DeleteSystemTopic("changes").IsInvalidArgument());
  ASSERT_TRUE(store_->DeleteSystemTopic(".changes").ok());
  EXPECT_TRUE(store_->DeleteSystemTopic(".changes").IsNotFound());
  EXPECT_TRUE(store_->Stat(".changes").status().IsInvalidArgument());
  EXPECT_TRUE(store_->ListTopics().empty());
}

}  // namespace
}  // namespace pdfs
