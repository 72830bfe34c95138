// Hub channels on the engine: the Hub's config rules and defaults, the
// case-insensitive names that never guess, protection, and inserts, on a
// real Store.
#include "pdfs/hub/channels.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "pdfs/topics/settings.h"
#include "support/store_fixture.h"

namespace pdfs::hub {
namespace {

using nlohmann::json;
using pdfs::testing::StoreFixture;

const Requester kLocal{.local = true};
const Requester kRemote{.local = false};

class HubChannelsTest : public StoreFixture {
 protected:
  ChannelView Create(const std::string& body) {
    Result<ChannelView> made = CreateChannel(*store_, body, kLocal);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? *made : ChannelView{};
  }
  json ConfigOf(const std::string& name) {
    Result<ChannelView> view = GetChannel(*store_, name);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    if (!view.ok()) return json();
    return json::parse(SerializeChannelConfig(view->name, view->config, ""));
  }
  topics::TopicSettings SettingsOf(const std::string& topic) {
    auto loaded = topics::LoadTopicSettings(*store_, topic);
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    return loaded.ok() ? loaded->settings : topics::TopicSettings{};
  }
};

TEST_F(HubChannelsTest, ANewChannelGetsTheHubDefaultsAndIsATopic) {
  ChannelView made = Create(R"({"name":"  flights  "})");
  EXPECT_EQ(made.name, "flights");  // trimmed, as the Hub trims
  json config = ConfigOf("flights");
  EXPECT_EQ(config["name"], "flights");
  EXPECT_EQ(config["ttlDays"], 120);
  EXPECT_EQ(config["maxItems"], 0);
  EXPECT_EQ(config["keepForever"], false);
  EXPECT_EQ(config["storage"], "BATCH");
  EXPECT_EQ(config["allowZeroBytes"], true);
  EXPECT_EQ(config["protect"], false);
  EXPECT_EQ(config["tags"], json::array());
  EXPECT_EQ(config["mutableTime"], "");
  EXPECT_EQ(config["creationDate"].get<std::string>().size(), 24u);  // 2026-12-03T12:00:00.000Z
  // The engine enforces ttlDays: it is the topic's shared retention.
  EXPECT_EQ(SettingsOf("flights").retention.max_age_ms, 120 * kMsPerDay);
  EXPECT_TRUE(store_->Stat("flights").ok());
}

TEST_F(HubChannelsTest, ATopicMadeByAnotherFaceIsAChannelThatKeepsEverything) {
  ASSERT_TRUE(store_->CreateTopic("from-stream").ok());
  ASSERT_TRUE(store_->CreateTopic("not.a.channel").ok());  // '.' is no channel character
  EXPECT_EQ(ListChannels(*store_), std::vector<std::string>{"from-stream"});
  json config = ConfigOf("from-stream");
  EXPECT_EQ(config["keepForever"], true);
  EXPECT_EQ(config["ttlDays"], 0);
  EXPECT_FALSE(SettingsOf("from-stream").retention.any());
}

TEST_F(HubChannelsTest, NamesAreLookedUpIgnoringCaseButNeverGuessed) {
  Create(R"({"name":"Flights"})");
  EXPECT_EQ(*ResolveChannel(*store_, "flights"), "Flights");
  EXPECT_EQ(*ResolveChannel(*store_, "FLIGHTS"), "Flights");
  // A second channel that differs only in case is refused: the Hub face
  // could not tell the two apart.
  Result<ChannelView> clash = CreateChannel(*store_, R"({"name":"flights"})", kLocal);
  ASSERT_TRUE(clash.status().IsAlreadyExists()) << clash.status().ToString();
  EXPECT_NE(clash.status().message().find("differs only in case"), std::string::npos);
  // Two topics made by another face that differ only in case: an exact
  // name still works, anything else is a Conflict naming both.
  ASSERT_TRUE(store_->CreateTopic("flights").ok());
  EXPECT_EQ(*ResolveChannel(*store_, "flights"), "flights");
  Result<std::string> ambiguous = ResolveChannel(*store_, "FLIGHTS");
  ASSERT_EQ(ambiguous.status().code(), Status::Code::kConflict);
  EXPECT_NE(ambiguous.status().message().find("Flights, flights"), std::string::npos);
}

TEST_F(HubChannelsTest, BadNamesAndConfigsAreRefusedWithASentence) {
  struct Case {
    const char* body;
    const char* fragment;
  } cases[] = {
      {R"({})", "must have a name"},
      {R"({"name":"   "})", "cannot be blank"},
      {R"({"name":"a/b"})", "may contain only"},
      {R"({"name":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})", "longer than 48"},
      {R"({"name":7})", "name must be a string"},
      {R"([1])", "must be a JSON object"},
      {R"({"name":"c","ttlDays":1,"maxItems":5})", "only one of ttlDays and maxItems"},
      {R"({"name":"c","keepForever":true,"ttlDays":3})", "keepForever must not be combined"},
      {R"({"name":"c","maxItems":5001})", "at most 5000"},
      {R"({"name":"c","ttlDays":-1})", "must not be negative"},
      {R"({"name":"c","ttlDays":1e300})", "absurdly large"},
      {R"({"name":"c","protect":true})", "must have an owner"},
      {R"({"name":"c","tags":["a b"]})", "tag \"a b\""},
      {R"({"name":"c","tags":"x"})", "array of strings"},
      {R"({"name":"c","storage":"TAPE"})", "SINGLE, BATCH or BOTH"},
      {R"({"name":"c","owner":"0123456789012345678901234567890123456789012345678"})", "at most 48"},
      {R"({"name":"c","ttlDay":3})", "unknown channel setting \"ttlDay\""},
      {R"({"name":"c","mutableTime":"2999-01-01T00:00:00.000Z"})", "must be in the past"},
      {R"({"name":"c","mutableTime":"2020-01-01","ttlDays":0})", "not a UTC time"},
  };
  for (const Case& c : cases) {
    Result<ChannelView> made = CreateChannel(*store_, c.body, kLocal);
    ASSERT_FALSE(made.ok()) << c.body;
    EXPECT_TRUE(made.status().IsInvalidArgument()) << c.body << ": " << made.status().ToString();
    EXPECT_NE(made.status().message().find(c.fragment), std::string::npos)
        << c.body << ": " << made.status().message();
  }
  std::string many_tags = R"({"name":"c","tags":[)";
  for (int i = 0; i < 21; ++i) many_tags += (i ? ",\"t" : "\"t") + std::to_string(i) + "\"";
  EXPECT_TRUE(CreateChannel(*store_, many_tags + "]}", kLocal).status().IsInvalidArgument());
  // Nothing was made by any of them.
  EXPECT_TRUE(ListChannels(*store_).empty());
}

TEST_F(HubChannelsTest, UpdatesChangeOnlyTheNamedFieldsAndOneRetentionBoundAtATime) {
  Create(R"({"name":"c","owner":"ops","tags":["b","a"],"description":"d"})");
  Result<ChannelView> patched = PatchChannel(*store_, "c", R"({"maxItems":100})", kLocal);
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  json config = ConfigOf("c");
  EXPECT_EQ(config["maxItems"], 100);
  EXPECT_EQ(config["ttlDays"], 0);  // naming maxItems replaced the default ttl
  EXPECT_EQ(config["owner"], "ops");
  EXPECT_EQ(config["tags"], json::parse(R"(["a","b"])"));
  EXPECT_EQ(config["description"], "d");
  EXPECT_EQ(SettingsOf("c").retention.max_items, 100u);
  EXPECT_FALSE(SettingsOf("c").retention.max_age_ms.has_value());
  ASSERT_TRUE(PatchChannel(*store_, "c", R"({"keepForever":true,"owner":null})", kLocal).ok());
  config = ConfigOf("c");
  EXPECT_EQ(config["keepForever"], true);
  EXPECT_EQ(config["maxItems"], 0);
  EXPECT_EQ(config["owner"], "");
  EXPECT_FALSE(SettingsOf("c").retention.any());
  // A client may send back what GET answered.
  EXPECT_TRUE(PatchChannel(*store_, "c", config.dump(), kLocal).ok());
  EXPECT_EQ(ConfigOf("c"), config);
  // PUT creates, then updates.
  Result<UpsertedChannel> put = PutChannel(*store_, "new", "", kLocal);
  ASSERT_TRUE(put.ok());
  EXPECT_TRUE(put->created);
  put = PutChannel(*store_, "NEW", R"({"description":"x"})", kLocal);
  ASSERT_TRUE(put.ok());
  EXPECT_FALSE(put->created);
  EXPECT_EQ(ConfigOf("new")["description"], "x");
  EXPECT_TRUE(PatchChannel(*store_, "missing", "{}", kLocal).status().IsNotFound());
}

TEST_F(HubChannelsTest, KatarRetentionShowsAsWholeDaysAndSurvivesHubUpdates) {
  ASSERT_TRUE(store_->CreateTopic("k", R"({"retention":{"max_age_ms":129600000}})").ok());
  EXPECT_EQ(ConfigOf("k")["ttlDays"], 2);  // 36 h, rounded up
  ASSERT_TRUE(PatchChannel(*store_, "k", R"({"description":"hub"})", kLocal).ok());
  EXPECT_EQ(SettingsOf("k").retention.max_age_ms, 129600000u);  // not rounded by the update
  EXPECT_EQ(SettingsOf("k").description, "hub");
}

TEST_F(HubChannelsTest, AProtectedChannelRefusesRemoteChangesThatWeakenIt) {
  Create(R"({"name":"p","owner":"ops","protect":true,"tags":["x"],"ttlDays":10})");
  for (const char* body : {R"({"protect":false})", R"({"ttlDays":5})", R"({"tags":[]})",
                           R"({"owner":"other"})", R"({"storage":"SINGLE"})"}) {
    Result<ChannelView> r = PatchChannel(*store_, "p", body, kRemote);
    EXPECT_TRUE(r.status().IsPermissionDenied()) << body << ": " << r.status().ToString();
  }
  EXPECT_TRUE(DeleteChannel(*store_, "p", kRemote).IsPermissionDenied());
  // What strengthens it is fine from anywhere, and everything from the host.
  EXPECT_TRUE(PatchChannel(*store_, "p", R"({"ttlDays":20,"tags":["x","y"]})", kRemote).ok());
  EXPECT_TRUE(PatchChannel(*store_, "p", R"({"storage":"BOTH"})", kRemote).ok());
  EXPECT_TRUE(PatchChannel(*store_, "p", R"({"protect":false})", kLocal).ok());
  EXPECT_TRUE(DeleteChannel(*store_, "p", kRemote).ok());
  EXPECT_TRUE(store_->Stat("p").status().IsNotFound());
}

TEST_F(HubChannelsTest, InsertsStoreAnyBytesWithTheirTypeAndObeyTheConfig) {
  Create(R"({"name":"c"})");
  Result<InsertedItem> png = InsertItem(*store_, "C", "image/png", std::string("\x89PNG\0", 5));
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  EXPECT_EQ(png->channel, "c");
  EXPECT_EQ(png->location, 0u);
  Result<InsertedItem> empty = InsertItem(*store_, "c", "", "");
  ASSERT_TRUE(empty.ok());
  std::vector<Record> records = Records("c");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].content_type, "image/png");
  EXPECT_EQ(records[0].data, std::string("\x89PNG\0", 5));
  EXPECT_EQ(records[0].append_time_ms, png->time_ms);
  EXPECT_EQ(records[1].content_type, "application/octet-stream");
  EXPECT_EQ(records[1].data, "");

  ASSERT_TRUE(PatchChannel(*store_, "c", R"({"allowZeroBytes":false})", kLocal).ok());
  EXPECT_TRUE(InsertItem(*store_, "c", "text/plain", "").status().IsInvalidArgument());
  EXPECT_TRUE(InsertItem(*store_, "c", "bad\ntype", "x").status().IsInvalidArgument());
  ASSERT_TRUE(
      PatchChannel(*store_, "c", R"({"replicationSource":"http://hub/channel/c"})", kLocal).ok());
  EXPECT_TRUE(InsertItem(*store_, "c", "text/plain", "x").status().IsPermissionDenied());
  EXPECT_TRUE(InsertItem(*store_, "missing", "text/plain", "x").status().IsNotFound());
  EXPECT_EQ(Records("c").size(), 2u);  // none of the refused inserts stored anything
  EXPECT_TRUE(store_->Stat("missing").status().IsNotFound());
}

TEST_F(HubChannelsTest, ABulkInsertIsOneAtomicAppendAndARefusedPartStoresNothing) {
  Create(R"({"name":"c","allowZeroBytes":false})");
  std::vector<BulkPart> parts = {{"text/plain", "one", ""}, {"image/png", "two", ""}};
  Result<InsertedBulk> bulk = InsertBulk(*store_, "c", parts);
  ASSERT_TRUE(bulk.ok()) << bulk.status().ToString();
  EXPECT_EQ(bulk->first_location, 0u);
  EXPECT_EQ(bulk->count, 2u);
  std::vector<Record> records = Records("c");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].content_type, "image/png");
  EXPECT_EQ(records[0].append_time_ms, records[1].append_time_ms);
  EXPECT_EQ(records[0].append_time_ms, bulk->time_ms);

  parts.push_back({"text/plain", "", ""});  // part 3: zero bytes, not allowed here
  Result<InsertedBulk> refused = InsertBulk(*store_, "c", parts);
  ASSERT_TRUE(refused.status().IsInvalidArgument());
  EXPECT_NE(refused.status().message().find("part 3"), std::string::npos);
  parts.back() = {"text/plain", "x", "2026/01/01/00/00/00/000/abc"};
  EXPECT_NE(InsertBulk(*store_, "c", parts).status().message().find("Content-Key"),
            std::string::npos);
  EXPECT_TRUE(InsertBulk(*store_, "c", {}).status().IsInvalidArgument());
  EXPECT_EQ(Records("c").size(), 2u);
}

}  // namespace
}  // namespace pdfs::hub
