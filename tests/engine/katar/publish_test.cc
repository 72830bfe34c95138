// Katar publish: any JSON value, offsets per message, atomic batches, and
// the topic's maximum message size.
#include "pdfs/katar/publish.h"

#include <gtest/gtest.h>

#include <string>

#include "pdfs/katar/topics.h"
#include "support/store_fixture.h"

namespace pdfs::katar {
namespace {

using pdfs::testing::StoreFixture;

class KatarPublishTest : public StoreFixture {};

TEST_F(KatarPublishTest, EveryMessageGetsItsTopicAndOffsetAndAnyJsonValueIsAMessage) {
  auto r = Publish(
      *store_,
      {{"a", R"({ "n" : 1 })"}, {"b", "[1, 2]"}, {"a", R"("text")"}, {"a", "null"}, {"b", " 42 "}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::pair<std::string, uint64_t>> got;
  for (const PublishedMessage& m : *r) got.emplace_back(m.topic, m.offset);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, uint64_t>>{
                     {"a", 0}, {"b", 0}, {"a", 1}, {"a", 2}, {"b", 1}}));
  // Objects are documents (shown inline by /stream); other values are JSON
  // items, minified.
  std::vector<Record> a = Records("a");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].data, R"({"n":1})");
  EXPECT_TRUE(a[0].document);
  EXPECT_EQ(a[1].data, R"("text")");
  EXPECT_FALSE(a[1].document);
  EXPECT_EQ(a[1].content_type, "application/json");
  EXPECT_EQ(a[2].data, "null");
  std::vector<Record> b = Records("b");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].data, "[1,2]");
  EXPECT_EQ(b[1].data, "42");
  // Publishing again continues the offsets.
  EXPECT_EQ((*Publish(*store_, {{"a", "{}"}}))[0].offset, 3u);
}

TEST_F(KatarPublishTest, PublishingToAMissingTopicCreatesItWithTheDefaults) {
  ASSERT_TRUE(Publish(*store_, {{"fresh", "1"}}).ok());
  Result<TopicView> view = GetTopic(*store_, "fresh");
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ(view->config, KatarConfig());
  EXPECT_EQ(view->meta.count, 1u);
}

TEST_F(KatarPublishTest, OneBadNameOrMessageAnywhereStoresNothingAnywhere) {
  ASSERT_TRUE(Publish(*store_, {{"a", "1"}}).ok());
  // An invalid topic name among valid ones.
  auto bad_name = Publish(*store_, {{"a", "2"}, {"b", "3"}, {"no/slash", "4"}});
  EXPECT_TRUE(bad_name.status().IsInvalidArgument()) << bad_name.status().ToString();
  auto system = Publish(*store_, {{"a", "2"}, {".katar.offsets", "4"}});
  EXPECT_TRUE(system.status().IsInvalidArgument());
  // A message that is not JSON.
  auto not_json = Publish(*store_, {{"a", "2"}, {"b", "{nope"}});
  EXPECT_TRUE(not_json.status().IsInvalidArgument());
  EXPECT_NE(not_json.status().message().find("message 1"), std::string::npos)
      << not_json.status().message();
  EXPECT_TRUE(Publish(*store_, {{"a", "1 2"}}).status().IsInvalidArgument());
  EXPECT_TRUE(Publish(*store_, {{"a", ""}}).status().IsInvalidArgument());
  // Hostile nesting, as an object (a document) and as an array.
  EXPECT_TRUE(Publish(*store_, {{"a", std::string(100000, '[') + std::string(100000, ']')}})
                  .status()
                  .IsInvalidArgument());
  std::string deep_object;
  for (int i = 0; i < 100000; ++i) deep_object += R"({"k":)";
  deep_object += "1" + std::string(100000, '}');
  EXPECT_TRUE(Publish(*store_, {{"a", deep_object}}).status().IsInvalidArgument());
  // No messages at all.
  EXPECT_TRUE(Publish(*store_, {}).status().IsInvalidArgument());
  EXPECT_EQ(store_->Stat("a")->count, 1u);
  EXPECT_TRUE(store_->Stat("b").status().IsNotFound());
}

TEST_F(KatarPublishTest, AMessageOverTheTopicsMaximumIsTooLargeAndNothingIsStored) {
  ASSERT_TRUE(CreateTopic(*store_, "small", R"({"max_message_bytes":10})").ok());
  EXPECT_TRUE(Publish(*store_, {{"small", R"("0123456")"}}).ok());  // 9 bytes
  auto r = Publish(*store_, {{"other", "1"}, {"small", R"("0123456789")"}});
  EXPECT_TRUE(r.status().IsTooLarge()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("max_message_bytes of 10"), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(Publish(*store_, {{"small", R"({"k":"0123456789"})"}}).status().IsTooLarge());
  EXPECT_EQ(store_->Stat("small")->count, 1u);
  EXPECT_TRUE(store_->Stat("other").status().IsNotFound());
}

}  // namespace
}  // namespace pdfs::katar
