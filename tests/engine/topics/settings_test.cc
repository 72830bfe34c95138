// Topic settings: the shared part of the configuration document, its
// checks, and the compare-and-set update every face goes through.
#include "pdfs/topics/settings.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "support/store_fixture.h"

namespace pdfs::topics {
namespace {

using pdfs::testing::StoreFixture;

// The sentence of a refused document, or "" if it parsed.
std::string Refusal(std::string_view json) {
  Result<TopicSettings> r = ParseTopicSettings(json);
  if (r.ok()) return "";
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  return r.status().message();
}

TEST(TopicSettingsTest, AnEmptyDocumentIsTheDefaultsAndEveryFieldRoundTrips) {
  Result<TopicSettings> empty = ParseTopicSettings("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, TopicSettings());
  EXPECT_EQ(SerializeTopicSettings(TopicSettings()), "{}");

  const std::string full =
      R"({"description":"flights","hub":{"ttlDays":120},"katar":{"serializer":"JSONSerializer"},)"
      R"("max_item_bytes":1024,"retention":{"max_age_ms":60000,"max_bytes":4096,"max_items":10}})";
  Result<TopicSettings> parsed = ParseTopicSettings(full);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->description, "flights");
  EXPECT_EQ(parsed->retention.max_age_ms, 60000u);
  EXPECT_EQ(parsed->retention.max_items, 10u);
  EXPECT_EQ(parsed->retention.max_bytes, 4096u);
  EXPECT_EQ(parsed->max_item_bytes, 1024u);
  EXPECT_EQ(parsed->faces.at("hub"), R"({"ttlDays":120})");
  EXPECT_EQ(SerializeTopicSettings(*parsed), full);
  // null is "absent": the default.
  EXPECT_EQ(*ParseTopicSettings(R"({"retention":null,"max_item_bytes":null,"description":null})"),
            TopicSettings());
}

TEST(TopicSettingsTest, EveryClassOfBadValueIsRefusedWithASentenceNamingTheField) {
  // Not a JSON object at all.
  EXPECT_NE(Refusal("{"), "");
  EXPECT_NE(Refusal("[]").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(Refusal(std::string(100, '[') + std::string(100, ']')).find("deeper"),
            std::string::npos);
  // Unknown fields, at the top and inside retention (typos never pass).
  EXPECT_NE(Refusal(R"({"retension":{}})").find("unknown setting \"retension\""),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"retention":{"max_age":1}})").find("no field \"max_age\""),
            std::string::npos);
  // Wrong types.
  EXPECT_NE(Refusal(R"({"description":7})").find("description must be a string"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"retention":[]})").find("retention must be an object"), std::string::npos);
  EXPECT_NE(Refusal(R"({"retention":{"max_items":"10"}})").find("max_items must be a whole number"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"max_item_bytes":true})").find("max_item_bytes must be a whole number"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"max_item_bytes":1.5})").find("whole number"), std::string::npos);
  EXPECT_NE(Refusal(R"({"katar":"x"})").find("\"katar\" section must be an object"),
            std::string::npos);
  // Negative, zero, absurd.
  EXPECT_NE(Refusal(R"({"retention":{"max_bytes":-1}})").find("must not be negative"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"retention":{"max_items":0}})").find("at least 1"), std::string::npos);
  EXPECT_NE(Refusal(R"({"retention":{"max_age_ms":1e300}})").find("absurdly large"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"retention":{"max_age_ms":99999999999999999}})").find("absurdly large"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"max_item_bytes":18446744073709551615})").find("absurdly large"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"description":")" + std::string(5000, 'x') + "\"}").find("longer than"),
            std::string::npos);
  // Against a store's limits: a face may admit less than the store, never more.
  TopicSettings big;
  big.max_item_bytes = 2048;
  Options options;
  options.max_document_bytes = 1024;
  Status s = ValidateTopicSettings(big, &options);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("above this store's limit"), std::string::npos) << s.message();
}

class TopicSettingsStoreTest : public StoreFixture {};

TEST_F(TopicSettingsStoreTest, AnUpdateKeepsOtherFacesSectionsAndAnInvalidChangeWritesNothing) {
  ASSERT_TRUE(store_->CreateTopic("t", R"({"hub":{"ttlDays":120}})").ok());
  auto updated = UpdateTopicSettings(*store_, "t", [](TopicSettings* s) {
    s->faces["katar"] = R"({"serializer":"JSONSerializer"})";
    s->retention.max_items = 5;
    return Status::Ok();
  });
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(store_->GetTopicConfig("t")->json,
            R"({"hub":{"ttlDays":120},"katar":{"serializer":"JSONSerializer"},)"
            R"("retention":{"max_items":5}})");
  auto refused = UpdateTopicSettings(*store_, "t", [](TopicSettings* s) {
    s->max_item_bytes = uint64_t{1} << 40;  // above the store's 64 MiB
    return Status::Ok();
  });
  EXPECT_TRUE(refused.status().IsInvalidArgument());
  EXPECT_EQ(store_->GetTopicConfig("t")->version, updated->version);
  EXPECT_TRUE(LoadTopicSettings(*store_, "missing").status().IsNotFound());
}

TEST_F(TopicSettingsStoreTest, TwoThreadsUpdatingAtOnceLoseNoChange) {
  ASSERT_TRUE(store_->CreateTopic("t").ok());
  constexpr int kEach = 20;
  std::atomic<int> failures{0};
  // One thread counts max_items up, the other max_bytes: every increment
  // must survive the other's writes.
  auto run = [&](bool items) {
    for (int i = 0; i < kEach; ++i) {
      auto r = UpdateTopicSettings(*store_, "t", [items](TopicSettings* s) {
        std::optional<uint64_t>& v = items ? s->retention.max_items : s->retention.max_bytes;
        v = v.value_or(0) + 1;
        return Status::Ok();
      });
      if (!r.ok()) ++failures;
    }
  };
  std::thread a(run, true), b(run, false);
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  auto loaded = LoadTopicSettings(*store_, "t");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->settings.retention.max_items, uint64_t{kEach});
  EXPECT_EQ(loaded->settings.retention.max_bytes, uint64_t{kEach});
  EXPECT_EQ(loaded->version, uint64_t{2 * kEach});
}

}  // namespace
}  // namespace pdfs::topics
