// Historical channels on a real store: mutableTime's rules, historical
// inserts with keys of the client's choosing, and every Hub query in key
// order over live and historical items mixed, checked against a model
// (all items sorted by key).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "pdfs/hub/channels.h"
#include "pdfs/hub/keys.h"
#include "pdfs/hub/queries.h"
#include "pdfs/hub/tags.h"
#include "support/store_fixture.h"

namespace pdfs::hub {
namespace {

using pdfs::testing::StoreFixture;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string MutableBody(int64_t ms) {
  return R"({"mutableTime":")" + FormatIso8601Millis(ms) + R"("})";
}

TEST(HubIndexKeyTest, IndexKeysOrderAsContentKeysAndDecodeBack) {
  std::mt19937_64 rng(20261203);
  const std::vector<int64_t> times = {INT64_MIN, -86'400'000,       -1,       0,
                                      1,         1'550'858'391'793, INT64_MAX};
  const std::vector<std::string> hashes = {"0",      "00000000000", "000000000000", "A",
                                           "G4Xog0", "a",           "zz",           "zzzzzzzzzzz"};
  std::vector<ContentKey> keys;
  for (int64_t t : times) {
    for (const std::string& h : hashes) keys.push_back({t, h});
  }
  for (int i = 0; i < 200; ++i) {
    keys.push_back({static_cast<int64_t>(rng()), HashOfLocation(rng() % 1000)});
  }
  for (const ContentKey& a : keys) {
    ASSERT_EQ(ContentKeyOfIndex(IndexKeyOf(a)), a) << a.ToPath();
    ASSERT_TRUE(IndexKeyOf(a) < IndexKeysEnd());
    for (const ContentKey& b : {keys[rng() % keys.size()], keys[rng() % keys.size()]}) {
      EXPECT_EQ(a < b, IndexKeyOf(a) < IndexKeyOf(b)) << a.ToPath() << " vs " << b.ToPath();
    }
  }
  EXPECT_FALSE(ContentKeyOfIndex("other/12345678abc"));
  EXPECT_FALSE(ContentKeyOfIndex(IndexKeyOf({5, ""}))) << "a key needs a hash";
  EXPECT_EQ(RandomHash().size(), kRandomHashLength);
  EXPECT_NE(RandomHash(), RandomHash());
}

TEST(HubIndexKeyTest, Iso8601TimesParseBackAndRefuseOtherForms) {
  for (int64_t ms : {int64_t{0}, int64_t{1'550'858'391'793}, int64_t{951'782'400'000}}) {
    EXPECT_EQ(*ParseIso8601Millis(FormatIso8601Millis(ms)), ms);
  }
  EXPECT_EQ(*ParseIso8601Millis("2019-02-22T17:59:51Z"), 1'550'858'391'000);
  for (const char* bad : {"", "2019-02-22", "2019-02-22 17:59:51Z", "2019-02-30T00:00:00Z",
                          "2019-02-22T17:59:51.793+01:00", "2019-02-22T17:59:51.79Z",
                          "2019-02-22T25:59:51.793Z", "x019-02-22T17:59:51.793Z"}) {
    Result<int64_t> r = ParseIso8601Millis(bad);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << bad;
  }
}

class HubHistoricalTest : public StoreFixture {
 protected:
  void AppendLive(std::string_view topic, size_t n) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    ItemBatch batch;
    for (size_t i = 0; i < n; ++i) ASSERT_TRUE(batch.Add("text/plain", "live").ok());
    ASSERT_TRUE(store_->Append(topic, batch).ok());
  }

  InsertedItem Historical(int64_t time_ms, std::string_view hash = "") {
    Result<InsertedItem> r = InsertHistorical(*store_, "h", time_ms, hash, "text/plain",
                                              "at " + std::to_string(time_ms));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : InsertedItem{};
  }

  // Every item of `topic` in key order: what each query must agree with.
  std::vector<ItemRef> Model(std::string_view topic) {
    std::vector<ItemRef> out;
    for (const Record& r : Records(topic)) out.push_back(RefOf(r));
    std::sort(out.begin(), out.end(),
              [](const ItemRef& a, const ItemRef& b) { return a.key() < b.key(); });
    return out;
  }
};

template <typename T>
T Ok(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : T();
}

TEST_F(HubHistoricalTest, MutableTimeFollowsTheHubsRules) {
  const int64_t now = NowMs();
  // A new historical channel: no retention, SINGLE storage, the built-in tag.
  Result<ChannelView> made = CreateChannel(
      *store_, R"({"name":"h","mutableTime":")" + FormatIso8601Millis(now - 60'000) + R"("})",
      Requester{});
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->config.mutable_time_ms, now - 60'000);
  EXPECT_EQ(made->config.ttl_days, 0u);
  EXPECT_TRUE(made->config.keep_forever);
  EXPECT_EQ(made->config.storage, "SINGLE");
  const std::string shown = SerializeChannelConfig("h", made->config, "");
  EXPECT_NE(shown.find(R"("mutableTime":")" + FormatIso8601Millis(now - 60'000) + "\""),
            std::string::npos)
      << shown;
  EXPECT_NE(shown.find(R"("tags":["historical"])"), std::string::npos) << shown;
  EXPECT_EQ(Ok(ChannelsWithTag(*store_, "historical")), std::vector<std::string>{"h"});

  auto patch = [&](const std::string& body) { return PatchChannel(*store_, "h", body, {}); };
  // Refused, each leaving the config as it was.
  for (const std::string& bad :
       {MutableBody(now + 60'000), MutableBody(now - 1'000), std::string(R"({"mutableTime":""})"),
        std::string(R"({"mutableTime":null})"), std::string(R"({"mutableTime":"yesterday"})"),
        std::string(R"({"mutableTime":5})"), std::string(R"({"ttlDays":5})"),
        std::string(R"({"maxItems":5})"), std::string(R"({"storage":"BATCH"})"),
        R"({"storage":"SINGLE","ttlDays":3,"mutableTime":")" + FormatIso8601Millis(now - 90'000) +
            "\"}"}) {
    Result<ChannelView> r = patch(bad);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << bad << ": " << r.status().ToString();
    EXPECT_EQ(GetChannel(*store_, "h")->config, made->config) << bad;
  }
  // Moving back is allowed.
  Result<ChannelView> back = patch(MutableBody(now - 120'000));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->config.mutable_time_ms, now - 120'000);

  // A channel with a ttl becomes historical: the ttl goes, storage is
  // SINGLE, unless the body says otherwise.
  ASSERT_TRUE(CreateChannel(*store_, R"({"name":"c"})", {}).ok());
  Result<ChannelView> c = PatchChannel(*store_, "c", MutableBody(now - 5'000), {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->config.ttl_days, 0u);
  EXPECT_EQ(c->config.storage, "SINGLE");
  EXPECT_TRUE(CreateChannel(*store_,
                            R"({"name":"d","storage":"BATCH","mutableTime":")" +
                                FormatIso8601Millis(now - 5'000) + "\"}",
                            {})
                  .status()
                  .IsInvalidArgument());
}

TEST_F(HubHistoricalTest, HistoricalInsertsKeepTheirKeysAndRefuseWhatTheHubRefuses) {
  AppendLive("h", 2);
  const Record live0 = store_->Get("h", 0).value();
  // Not historical yet: 403.
  EXPECT_TRUE(InsertHistorical(*store_, "h", live0.append_time_ms - 10, "abc", "text/plain", "x")
                  .status()
                  .IsPermissionDenied());
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  const int64_t mutable_ms = NowMs() - 1;
  ASSERT_TRUE(PatchChannel(*store_, "h", MutableBody(mutable_ms), {}).ok());

  const InsertedItem a = Historical(live0.append_time_ms - 10, "abc");
  EXPECT_EQ(a.key(), (ContentKey{live0.append_time_ms - 10, "abc"}));
  Result<Record> got = GetItem(*store_, "h", a.key());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->location, a.location);
  EXPECT_EQ(KeyOfRecord(*got), a.key());
  EXPECT_EQ(got->data, "at " + std::to_string(a.time_ms));
  // Its location's computed key does not name it.
  EXPECT_TRUE(GetItem(*store_, "h", KeyOf(got->append_time_ms, a.location)).status().IsNotFound());

  const InsertedItem random = Historical(mutable_ms);  // at mutableTime itself: allowed
  EXPECT_EQ(random.hash.size(), kRandomHashLength);
  EXPECT_EQ(GetItem(*store_, "h", random.key())->location, random.location);

  const uint64_t count = store_->Stat("h")->count;
  auto refused = [&](int64_t t, std::string_view hash) {
    return InsertHistorical(*store_, "h", t, hash, "text/plain", "x").status();
  };
  EXPECT_TRUE(refused(mutable_ms + 1, "abc").IsInvalidArgument()) << "after mutableTime";
  EXPECT_TRUE(refused(a.time_ms, "abc").IsAlreadyExists()) << "the same key twice";
  EXPECT_TRUE(refused(live0.append_time_ms, HashOfLocation(0)).IsAlreadyExists())
      << "a live item's key";
  EXPECT_EQ(store_->Stat("h")->count, count) << "a refused insert stores nothing";
  // The same time with another hash is another key.
  EXPECT_EQ(Historical(a.time_ms, "abd").time_ms, a.time_ms);
}

// Live items before and after mutableTime, historical items before, among
// and at the same milliseconds as live ones: every query agrees with the
// items sorted by key, at every start point, count and visibility.
TEST_F(HubHistoricalTest, EveryQueryWalksKeyOrderOverLiveAndHistoricalItems) {
  AppendLive("h", 1);
  AppendLive("h", 2);
  AppendLive("h", 3);
  std::vector<Record> early = Records("h");
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  const int64_t mutable_ms = NowMs() - 1;
  ASSERT_TRUE(PatchChannel(*store_, "h", MutableBody(mutable_ms), {}).ok());
  ASSERT_EQ(early.size(), 6u);
  for (const Record* r : {&early[0], &early[1], &early[3]}) {  // one per batch, so per ms
    Historical(r->append_time_ms, "0");                        // before the live hashes at that ms
    Historical(r->append_time_ms, "zzzzzzzzzzzz");             // after them
    Historical(r->append_time_ms - 1);
  }
  Historical(5, "epoch");
  Historical(mutable_ms);
  AppendLive("h", 2);
  ASSERT_TRUE(InsertItem(*store_, "h", "text/plain", "live via the hub").ok());
  Historical(early[0].append_time_ms - 2, "q");  // stored after the late live items

  const std::vector<ItemRef> model = Model("h");
  ASSERT_EQ(model.size(), 6u + 3 * 3 + 2 + 2 + 1 + 1);
  auto first = [&](auto pred, size_t n) {
    std::vector<ItemRef> out;
    for (const ItemRef& r : model) {
      if (pred(r) && out.size() < n) out.push_back(r);
    }
    return out;
  };
  auto last = [&](auto pred, size_t n) {
    std::vector<ItemRef> out;
    for (const ItemRef& r : model) {
      if (pred(r)) out.push_back(r);
    }
    if (out.size() > n) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(n));
    return out;
  };
  std::vector<int64_t> visibilities = {kAllVisible, mutable_ms, early[1].append_time_ms,
                                       early[0].append_time_ms - 1};
  for (int64_t v : visibilities) {
    auto seen = [v](const ItemRef& r) { return r.time_ms <= v; };
    for (size_t n : {size_t{1}, size_t{2}, size_t{5}, size_t{100}}) {
      EXPECT_EQ(Ok(Earliest(*store_, "h", n, v)), first(seen, n)) << n << " " << v;
      EXPECT_EQ(Ok(Latest(*store_, "h", n, v)), last(seen, n)) << n << " " << v;
    }
    std::vector<ContentKey> froms;
    for (const ItemRef& r : model) {
      froms.push_back(r.key());
      froms.push_back({r.time_ms, r.key().hash + "0"});
      froms.push_back({r.time_ms, ""});
      froms.push_back({r.time_ms + 1, ""});
    }
    for (const ContentKey& from : froms) {
      for (size_t n : {size_t{1}, size_t{3}, size_t{100}}) {
        for (bool inclusive : {false, true}) {
          auto after = [&](const ItemRef& r) {
            return seen(r) && (inclusive ? r.key() >= from : r.key() > from);
          };
          auto before = [&](const ItemRef& r) {
            return seen(r) && (inclusive ? r.key() <= from : r.key() < from);
          };
          ASSERT_EQ(Ok(Next(*store_, "h", from, n, inclusive, v)), first(after, n))
              << from.ToPath() << " n=" << n << " inclusive=" << inclusive << " v=" << v;
          ASSERT_EQ(Ok(Previous(*store_, "h", from, n, inclusive, v)), last(before, n))
              << from.ToPath() << " n=" << n << " inclusive=" << inclusive << " v=" << v;
        }
      }
    }
    for (size_t i = 0; i < model.size(); ++i) {
      for (size_t j = i; j < model.size(); j += 3) {
        const int64_t start = model[i].time_ms, end = model[j].time_ms + 1;
        auto within = [&](const ItemRef& r) {
          return seen(r) && r.time_ms >= start && r.time_ms < end;
        };
        for (size_t limit : {size_t{0}, size_t{2}, size_t{1000}}) {
          TimeRangeResult got = Ok(TimeRange(*store_, "h", start, end, v, limit));
          const std::vector<ItemRef> all = first(within, SIZE_MAX);
          EXPECT_EQ(got.items, first(within, limit));
          EXPECT_EQ(got.truncated, all.size() > limit);
        }
      }
    }
  }
  for (const ItemRef& r : model) {
    Result<Record> got = GetItem(*store_, "h", r.key());
    ASSERT_TRUE(got.ok()) << r.key().ToPath();
    EXPECT_EQ(got->location, r.location);
  }
}

}  // namespace
}  // namespace pdfs::hub
