// Katar topic administration: the seed's naming, PUT against PATCH, and a
// view that leaves other faces' settings alone.
#include "pdfs/katar/topics.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/store_fixture.h"

namespace pdfs::katar {
namespace {

using nlohmann::json;
using pdfs::testing::StoreFixture;

class KatarTopicsTest : public StoreFixture {
 protected:
  json ConfigOf(std::string_view topic) {
    Result<TopicView> view = GetTopic(*store_, topic);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return view.ok() ? json::parse(view->config_json) : json();
  }
};

TEST_F(KatarTopicsTest, CreatingTheSameNameAgainMakesNameUnderscoreUnderscoreN) {
  for (std::string expected : {"sample", "sample__0", "sample__1", "sample__2"}) {
    Result<CreatedTopic> created = CreateTopic(*store_, "sample", "");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    EXPECT_EQ(created->view.topic, expected);
    EXPECT_EQ(created->renamed, expected != "sample");
  }
  // A gap made by a deletion is filled first (the seed's "first free").
  ASSERT_TRUE(DeleteTopic(*store_, "sample__0").ok());
  EXPECT_EQ(CreateTopic(*store_, "sample", "")->view.topic, "sample__0");
  EXPECT_EQ(ListTopics(*store_),
            (std::vector<std::string>{"sample", "sample__0", "sample__1", "sample__2"}));
}

TEST_F(KatarTopicsTest, ANameThatWouldGrowPastTheLimitIsRefusedAndBadNamesToo) {
  std::string name(126, 'n');  // "name__0" would be 129 bytes
  ASSERT_TRUE(CreateTopic(*store_, name, "").ok());
  Result<CreatedTopic> again = CreateTopic(*store_, name, "");
  EXPECT_TRUE(again.status().IsInvalidArgument());
  EXPECT_NE(again.status().message().find("longer than 128 bytes"), std::string::npos)
      << again.status().message();
  EXPECT_TRUE(CreateTopic(*store_, "", "").status().IsInvalidArgument());
  EXPECT_TRUE(CreateTopic(*store_, ".katar.offsets", "").status().IsInvalidArgument());
  EXPECT_TRUE(CreateTopic(*store_, "a/b", "").status().IsInvalidArgument());
  EXPECT_EQ(ListTopics(*store_).size(), 1u);
}

TEST_F(KatarTopicsTest, ABadConfigIsRefusedBeforeAnyNameIsTaken) {
  for (std::string_view body :
       {R"([])", R"({"retention_ms":-1})", R"({"retention_ms":"1"})", R"({"colour":"red"})",
        R"({"max_message_bytes":0})", R"({"max_message_bytes":999999999999})",
        R"({"serializer":"Pickle"})", R"({"index_byte_gap":1.5})", "{"}) {
    Result<CreatedTopic> r = CreateTopic(*store_, "t", body);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << body << ": " << r.status().ToString();
  }
  EXPECT_TRUE(ListTopics(*store_).empty());
}

TEST_F(KatarTopicsTest, GetShowsEveryFieldWithItsDefault) {
  ASSERT_TRUE(CreateTopic(*store_, "t", R"({"retention_messages":100,"description":"d"})").ok());
  json config = ConfigOf("t");
  EXPECT_EQ(config["description"], "d");
  EXPECT_EQ(config["retention_messages"], 100);
  EXPECT_TRUE(config["retention_ms"].is_null());
  EXPECT_TRUE(config["retention_bytes"].is_null());
  EXPECT_EQ(config["max_message_bytes"], store_->options().max_document_bytes);
  EXPECT_EQ(config["max_segment_size"], 1 << 30);
  EXPECT_EQ(config["index_byte_gap"], 1024);
  EXPECT_EQ(config["serializer"], "JSONSerializer");
  // The shared settings are what every face reads (and retention enforces).
  EXPECT_EQ(store_->GetTopicConfig("t")->json,
            R"({"description":"d","retention":{"max_items":100}})");
  EXPECT_TRUE(GetTopic(*store_, "missing").status().IsNotFound());
}

TEST_F(KatarTopicsTest, PutResetsWhatItOmitsAndPatchChangesOnlyWhatItNames) {
  ASSERT_TRUE(store_->CreateTopic("t", R"({"hub":{"ttlDays":120}})").ok());  // another face's
  ASSERT_TRUE(PatchTopicConfig(*store_, "t", R"({"retention_ms":60000,"index_byte_gap":10})").ok());
  ASSERT_TRUE(PatchTopicConfig(*store_, "t", R"({"description":"x"})").ok());
  json config = ConfigOf("t");
  EXPECT_EQ(config["retention_ms"], 60000);
  EXPECT_EQ(config["index_byte_gap"], 10);
  EXPECT_EQ(config["description"], "x");
  // PATCH with null resets one field.
  ASSERT_TRUE(PatchTopicConfig(*store_, "t", R"({"index_byte_gap":null})").ok());
  EXPECT_EQ(ConfigOf("t")["index_byte_gap"], 1024);
  // PUT: everything omitted goes back to its default.
  Result<TopicView> put = ReplaceTopicConfig(*store_, "t", R"({"retention_bytes":5000})");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  config = json::parse(put->config_json);
  EXPECT_EQ(config["retention_bytes"], 5000);
  EXPECT_TRUE(config["retention_ms"].is_null());
  EXPECT_EQ(config["description"], "");
  // The Hub's section survived both.
  EXPECT_EQ(store_->GetTopicConfig("t")->json,
            R"({"hub":{"ttlDays":120},"retention":{"max_bytes":5000}})");
  // A bad body changes nothing; a missing topic is NotFound.
  uint64_t version = store_->GetTopicConfig("t")->version;
  EXPECT_TRUE(
      PatchTopicConfig(*store_, "t", R"({"retention_bytes":-5})").status().IsInvalidArgument());
  EXPECT_EQ(store_->GetTopicConfig("t")->version, version);
  EXPECT_TRUE(ReplaceTopicConfig(*store_, "missing", "{}").status().IsNotFound());
}

TEST_F(KatarTopicsTest, DeleteRemovesTheTopicAndItsData) {
  ASSERT_TRUE(CreateTopic(*store_, "t", "").ok());
  ASSERT_TRUE(store_->Append("t", pdfs::testing::Items({{"application/json", "1"}})).ok());
  ASSERT_TRUE(DeleteTopic(*store_, "t").ok());
  EXPECT_TRUE(store_->Stat("t").status().IsNotFound());
  EXPECT_TRUE(DeleteTopic(*store_, "t").IsNotFound());
}

}  // namespace
}  // namespace pdfs::katar
