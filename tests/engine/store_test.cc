// Store: every operation and its error cases, on RocksDB in a temporary directory.
#include "pdfs/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/docs.h"
#include "support/store_fixture.h"
#include "support/temp_dir.h"

namespace pdfs {
namespace {

using pdfs::testing::Batch;
using pdfs::testing::NumberedDoc;
using pdfs::testing::TempDir;

class StoreTest : public pdfs::testing::StoreFixture {
 protected:
  uint64_t AppendOne(std::string_view topic, const std::string& doc) {
    auto r = store_->Append(topic, Batch({doc}));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->first_location : ~0ull;
  }

  std::vector<std::string> ReadAll(std::string_view topic, uint64_t begin = 0,
                                   uint64_t end = ~0ull) {
    auto reader = store_->Read(topic, begin, end);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    std::vector<std::string> out;
    if (!reader.ok()) return out;
    while (const Record* r = (*reader)->Next()) out.push_back(r->data);
    EXPECT_TRUE((*reader)->status().ok());
    return out;
  }
};

TEST_F(StoreTest, AppendCreatesTheTopicAndAssignsConsecutiveLocations) {
  EXPECT_EQ(AppendOne("metrics", R"({"a":1})"), 0u);
  auto r = store_->Append("metrics", Batch({R"({"b":2})", R"({"c":3})", R"({"d":4})"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_location, 1u);
  EXPECT_EQ(r->meta.count, 4u);
  EXPECT_EQ(AppendOne("metrics", R"({"e":5})"), 4u);
  auto meta = store_->Stat("metrics");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->count, 5u);
  EXPECT_EQ(meta->size, 5u * 7);
  EXPECT_EQ(meta->first, 0u);
}

TEST_F(StoreTest, GetReturnsTheExactBytesWithTimeAndContentType) {
  auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  AppendOne("t", "{ \"k\" : [1, 2.50] }");
  auto rec = store_->Get("t", 0);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->data, R"({"k":[1,2.50]})");
  EXPECT_EQ(rec->content_type, "application/json");
  EXPECT_EQ(rec->location, 0u);
  EXPECT_GE(rec->append_time_ms, before);
  EXPECT_GT(rec->serial, 0u);
}

TEST_F(StoreTest, GetPastTheEndOrOfAnUnknownTopicIsNotFound) {
  AppendOne("t", "{}");
  auto past = store_->Get("t", 1);
  EXPECT_TRUE(past.status().IsNotFound());
  EXPECT_EQ(past.status().message(), "topic \"t\" holds locations 0..0; location 1 does not exist");
  auto unknown = store_->Get("nope", 0);
  EXPECT_TRUE(unknown.status().IsNotFound());
  EXPECT_EQ(unknown.status().message(), "topic \"nope\" does not exist");
}

TEST_F(StoreTest, TopicNamesAreValidated) {
  for (std::string bad : {std::string(""), std::string(".hidden"), std::string(".."),
                          std::string("a/b"), std::string("a b"), std::string("a\0b", 3),
                          std::string(129, 'x'), std::string("caf\xC3\xA9")}) {
    EXPECT_TRUE(store_->CreateTopic(bad).status().IsInvalidArgument()) << bad;
    EXPECT_TRUE(store_->Append(bad, Batch({"{}"})).status().IsInvalidArgument()) << bad;
    EXPECT_TRUE(store_->Stat(bad).status().IsInvalidArgument()) << bad;
  }
  EXPECT_TRUE(store_->CreateTopic(std::string(128, 'x')).ok());
  EXPECT_TRUE(store_->CreateTopic("A-z_0.9").ok());
  EXPECT_EQ(store_->ListTopics().size(), 2u);
}

TEST_F(StoreTest, CreateTopicTwiceIsAlreadyExists) {
  auto created = store_->CreateTopic("t");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->count, 0u);
  EXPECT_TRUE(store_->CreateTopic("t").status().IsAlreadyExists());
}

TEST_F(StoreTest, ListTopicsIsSortedByName) {
  for (auto name : {"zeta", "Alpha", "beta", "alpha"}) ASSERT_TRUE(store_->CreateTopic(name).ok());
  std::vector<std::string> names;
  for (const TopicMeta& m : store_->ListTopics()) names.push_back(m.topic);
  EXPECT_EQ(names, (std::vector<std::string>{"Alpha", "alpha", "beta", "zeta"}));
}

TEST_F(StoreTest, EmptyBatchIsInvalid) {
  EXPECT_TRUE(store_->Append("t", DocumentBatch()).status().IsInvalidArgument());
  EXPECT_TRUE(store_->Stat("t").status().IsNotFound());  // nothing was created
}

TEST_F(StoreTest, DocumentOverTheStoreLimitIsTooLargeAndNothingIsStored) {
  Options options;
  options.max_document_bytes = 100;
  Reopen(options);
  auto r = store_->Append("t", Batch({"{}", NumberedDoc(1, 200)}));
  EXPECT_TRUE(r.status().IsTooLarge());
  EXPECT_TRUE(store_->Stat("t").status().IsNotFound());
}

TEST_F(StoreTest, ReadClampsTheRangeToWhatIsStored) {
  for (int i = 0; i < 5; ++i) AppendOne("t", NumberedDoc(i));
  EXPECT_EQ(ReadAll("t"), ReadAll("t", 0, 5));
  EXPECT_EQ(ReadAll("t", 1, 3), (std::vector<std::string>{NumberedDoc(1), NumberedDoc(2)}));
  EXPECT_EQ(ReadAll("t", 3, 100).size(), 2u);
  EXPECT_TRUE(ReadAll("t", 5, 100).empty());
  EXPECT_TRUE(ReadAll("t", 4, 2).empty());
  EXPECT_TRUE(store_->Read("nope", 0, 1).status().IsNotFound());
}

TEST_F(StoreTest, ARangeReaderSeesOneSnapshot) {
  for (int i = 0; i < 5; ++i) AppendOne("t", NumberedDoc(i));
  auto reader = store_->Read("t", 0, ~0ull);
  ASSERT_TRUE(reader.ok());
  const Record* first = (*reader)->Next();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->data, NumberedDoc(0));
  // Change everything after the reader opened.
  ASSERT_TRUE(store_->Truncate("t", 2).ok());
  AppendOne("t", NumberedDoc(100));
  AppendOne("t", NumberedDoc(101));
  AppendOne("t", NumberedDoc(102));
  AppendOne("t", NumberedDoc(103));
  std::vector<std::string> rest;
  while (const Record* r = (*reader)->Next()) rest.push_back(r->data);
  EXPECT_EQ(rest, (std::vector<std::string>{NumberedDoc(1), NumberedDoc(2), NumberedDoc(3),
                                            NumberedDoc(4)}));
}

TEST_F(StoreTest, TruncateCutsTheStreamAndLocationsAreReused) {
  for (int i = 0; i < 10; ++i) AppendOne("t", NumberedDoc(i));
  auto old_record = store_->Get("t", 6);
  ASSERT_TRUE(old_record.ok());
  auto meta = store_->Truncate("t", 6);
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->count, 6u);
  EXPECT_EQ(meta->size, 6u * NumberedDoc(0).size());
  EXPECT_TRUE(store_->Get("t", 6).status().IsNotFound());
  EXPECT_EQ(AppendOne("t", R"({"new":true})"), 6u);
  auto new_record = store_->Get("t", 6);
  ASSERT_TRUE(new_record.ok());
  EXPECT_EQ(new_record->data, R"({"new":true})");
  EXPECT_NE(new_record->serial, old_record->serial);
  EXPECT_EQ(ReadAll("t").size(), 7u);
}

TEST_F(StoreTest, TruncateAtOrPastTheEndChangesNothing) {
  for (int i = 0; i < 3; ++i) AppendOne("t", NumberedDoc(i));
  auto at_end = store_->Truncate("t", 3);
  ASSERT_TRUE(at_end.ok());
  EXPECT_EQ(at_end->count, 3u);
  auto past = store_->Truncate("t", ~0ull);
  ASSERT_TRUE(past.ok());
  EXPECT_EQ(past->count, 3u);
  EXPECT_EQ(past->size, 3u * NumberedDoc(0).size());
  EXPECT_TRUE(store_->Truncate("nope", 0).status().IsNotFound());
}

TEST_F(StoreTest, TruncateToZeroEmptiesTheTopicButKeepsIt) {
  for (int i = 0; i < 3; ++i) AppendOne("t", NumberedDoc(i));
  auto meta = store_->Truncate("t", 0);
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->count, 0u);
  EXPECT_EQ(meta->size, 0u);
  EXPECT_TRUE(store_->Stat("t").ok());
  EXPECT_EQ(AppendOne("t", "{}"), 0u);
}

TEST_F(StoreTest, AConditionalAppendLandsOnlyAtTheExpectedLocation) {
  // A missing topic is empty: expecting 0 creates it.
  auto first = store_->AppendIfNext("t", Batch({NumberedDoc(0), NumberedDoc(1)}), 0);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->first_location, 0u);
  auto stale = store_->AppendIfNext("t", Batch({NumberedDoc(9)}), 1);
  ASSERT_EQ(stale.status().code(), Status::Code::kConflict);
  EXPECT_NE(stale.status().message().find("next location is 2, not 1"), std::string::npos)
      << stale.status().message();
  EXPECT_EQ(store_->Stat("t")->count, 2u);
  auto ahead = store_->AppendIfNext("new", Batch({NumberedDoc(0)}), 5);
  EXPECT_EQ(ahead.status().code(), Status::Code::kConflict);
  EXPECT_TRUE(store_->Stat("new").status().IsNotFound()) << "a refused append creates nothing";
  auto next = store_->AppendIfNext("t", Batch({NumberedDoc(2)}), 2);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->first_location, 2u);
  EXPECT_EQ(ReadAll("t"),
            (std::vector<std::string>{NumberedDoc(0), NumberedDoc(1), NumberedDoc(2)}));
}

TEST_F(StoreTest, AConditionalTruncateCutsOnlyIfNothingWasAppendedMeanwhile) {
  for (int i = 0; i < 3; ++i) AppendOne("t", NumberedDoc(i));
  // Removing exactly the last document (2) while the topic still ends there.
  AppendOne("t", NumberedDoc(3));
  auto lost = store_->TruncateIfNext("t", 2, 3);
  ASSERT_EQ(lost.status().code(), Status::Code::kConflict);
  EXPECT_EQ(ReadAll("t").size(), 4u) << "a conflicting cut removes nothing";
  auto cut = store_->TruncateIfNext("t", 3, 4);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_EQ(cut->count, 3u);
  EXPECT_TRUE(store_->TruncateIfNext("nope", 0, 1).status().IsNotFound());
}

TEST_F(StoreTest, OfRacingConditionalAppendersExactlyOneWinsEachLocation) {
  constexpr int kThreads = 6, kLocations = 200;
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t want = 0; want < kLocations;) {
        auto r = store_->AppendIfNext("race", Batch({NumberedDoc(t)}), want);
        if (r.ok()) {
          ++wins;
          ++want;
        } else {
          ASSERT_EQ(r.status().code(), Status::Code::kConflict) << r.status().ToString();
          // Lost: learn where the stream is now and try there.
          want = store_->Stat("race")->count;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  auto meta = store_->Stat("race");
  ASSERT_TRUE(meta.ok());
  // Every success took a distinct location: the count is exactly the wins,
  // never more (a double win) and the stream has no gap.
  EXPECT_EQ(meta->count, static_cast<uint64_t>(wins.load()));
  EXPECT_GE(meta->count, static_cast<uint64_t>(kLocations));
  EXPECT_EQ(ReadAll("race").size(), meta->count);
}

TEST_F(StoreTest, TrimFrontKeepsLocationsAndSize) {
  for (int i = 0; i < 10; ++i) AppendOne("t", NumberedDoc(i));
  auto meta = store_->TrimFront("t", 4);
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->first, 4u);
  EXPECT_EQ(meta->count, 10u);
  EXPECT_EQ(meta->documents(), 6u);
  EXPECT_EQ(meta->size, 6u * NumberedDoc(0).size());
  EXPECT_TRUE(store_->Get("t", 3).status().IsNotFound());
  EXPECT_EQ(store_->Get("t", 4)->data, NumberedDoc(4));
  EXPECT_EQ(ReadAll("t", 0, 6), (std::vector<std::string>{NumberedDoc(4), NumberedDoc(5)}));
  EXPECT_EQ(AppendOne("t", NumberedDoc(10)), 10u);
  // Trimming below `first` changes nothing; past the end empties the topic.
  EXPECT_EQ(store_->TrimFront("t", 2)->first, 4u);
  auto all = store_->TrimFront("t", 1000);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->first, 11u);
  EXPECT_EQ(all->size, 0u);
  EXPECT_EQ(AppendOne("t", NumberedDoc(11)), 11u);
  EXPECT_EQ(store_->Stat("t")->size, NumberedDoc(11).size());
}

TEST_F(StoreTest, TruncateBelowFirstEmptiesTheTopic) {
  for (int i = 0; i < 10; ++i) AppendOne("t", NumberedDoc(i));
  ASSERT_TRUE(store_->TrimFront("t", 5).ok());
  auto meta = store_->Truncate("t", 2);
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->count, 2u);
  EXPECT_EQ(meta->first, 2u);
  EXPECT_EQ(meta->size, 0u);
  EXPECT_EQ(AppendOne("t", NumberedDoc(2)), 2u);
  EXPECT_EQ(store_->Stat("t")->size, NumberedDoc(2).size());
}

TEST_F(StoreTest, DeleteTopicRemovesEverythingAndARecreatedTopicStartsEmpty) {
  for (int i = 0; i < 3; ++i) AppendOne("t", NumberedDoc(i));
  const uint64_t old_id = store_->Stat("t")->id;
  ASSERT_TRUE(store_->DeleteTopic("t").ok());
  EXPECT_TRUE(store_->Stat("t").status().IsNotFound());
  EXPECT_TRUE(store_->DeleteTopic("t").IsNotFound());
  EXPECT_TRUE(store_->ListTopics().empty());
  EXPECT_EQ(AppendOne("t", "{}"), 0u);
  EXPECT_NE(store_->Stat("t")->id, old_id);
  EXPECT_EQ(ReadAll("t"), (std::vector<std::string>{"{}"}));
}

TEST_F(StoreTest, AppendTimesNeverDecreaseAndFindLocationAtTimeSearchesThem) {
  std::vector<int64_t> times;
  for (int i = 0; i < 20; ++i) {
    AppendOne("t", NumberedDoc(i));
    times.push_back(store_->Get("t", i)->append_time_ms);
    if (i % 5 == 4) std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  for (size_t i = 1; i < times.size(); ++i) EXPECT_LE(times[i - 1], times[i]);
  for (size_t i = 0; i < times.size(); ++i) {
    uint64_t want = i;
    while (want > 0 && times[want - 1] >= times[i]) --want;
    EXPECT_EQ(*store_->FindLocationAtTime("t", times[i]), want) << i;
  }
  EXPECT_EQ(*store_->FindLocationAtTime("t", times.back() + 1), 20u);
  EXPECT_EQ(*store_->FindLocationAtTime("t", 0), 0u);
}

TEST_F(StoreTest, WaitForLocationReturnsWhenAnotherThreadAppends) {
  AppendOne("t", "{}");
  std::thread appender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    AppendOne("t", R"({"late":1})");
  });
  auto meta =
      store_->WaitForLocation("t", 1, std::chrono::steady_clock::now() + std::chrono::seconds(30));
  appender.join();
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->count, 2u);
}

TEST_F(StoreTest, WaitForLocationTimesOutWithTheCurrentCount) {
  AppendOne("t", "{}");
  auto meta = store_->WaitForLocation(
      "t", 1, std::chrono::steady_clock::now() + std::chrono::milliseconds(30));
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->count, 1u);
  EXPECT_TRUE(
      store_->WaitForLocation("nope", 0, std::chrono::steady_clock::now()).status().IsNotFound());
}

TEST_F(StoreTest, WaitForLocationEndsWhenTheTopicIsDeletedOrTheStoreShutsDown) {
  ASSERT_TRUE(store_->CreateTopic("t").ok());
  ASSERT_TRUE(store_->CreateTopic("u").ok());
  const auto forever = std::chrono::steady_clock::now() + std::chrono::hours(1);
  std::thread deleter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    EXPECT_TRUE(store_->DeleteTopic("t").ok());
  });
  EXPECT_TRUE(store_->WaitForLocation("t", 0, forever).status().IsNotFound());
  deleter.join();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    store_->Shutdown();
  });
  EXPECT_TRUE(store_->WaitForLocation("u", 0, forever).status().IsUnavailable());
  stopper.join();
}

class RecordingListener : public ChangeListener {
 public:
  void OnChange(const ChangeEvent& e) override {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(e);
  }
  std::mutex mu;
  std::vector<ChangeEvent> events;
};

TEST_F(StoreTest, ListenersSeeEveryChangeInOrder) {
  RecordingListener listener;
  store_->AddListener(&listener);
  AppendOne("t", "{}");
  ASSERT_TRUE(store_->Append("t", Batch({"{}", "{}"})).ok());
  ASSERT_TRUE(store_->Truncate("t", 1).ok());
  ASSERT_TRUE(store_->TrimFront("t", 1).ok());
  ASSERT_TRUE(store_->DeleteTopic("t").ok());
  store_->RemoveListener(&listener);
  AppendOne("t", "{}");
  using K = ChangeEvent::Kind;
  std::vector<std::tuple<K, uint64_t, uint64_t>> got;
  for (const auto& e : listener.events) got.emplace_back(e.kind, e.from, e.to);
  EXPECT_EQ(got, (std::vector<std::tuple<K, uint64_t, uint64_t>>{{K::kTopicCreated, 0, 0},
                                                                 {K::kAppended, 0, 1},
                                                                 {K::kAppended, 1, 3},
                                                                 {K::kTruncated, 1, 3},
                                                                 {K::kTrimmed, 0, 1},
                                                                 {K::kTopicDeleted, 1, 1}}));
}

TEST_F(StoreTest, ASecondOpenOfTheSameDirectoryIsRefusedWithAClearMessage) {
  auto second = Store::Open(Options(), dir_.Sub("data"));
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.status().IsUnavailable());
  EXPECT_NE(second.status().message().find("is in use by another pdfs process (pid "),
            std::string::npos)
      << second.status().message();
}

TEST_F(StoreTest, OpenWithoutCreateFailsForAMissingDirectory) {
  Options options;
  options.create_if_missing = false;
  auto r = Store::Open(options, dir_.Sub("missing"));
  EXPECT_TRUE(r.status().IsIOError());
  EXPECT_NE(r.status().message().find("does not exist"), std::string::npos);
}

TEST_F(StoreTest, EverythingSurvivesAReopenAndCountersContinue) {
  for (int i = 0; i < 5; ++i) AppendOne("a", NumberedDoc(i));
  AppendOne("b", "{}");
  ASSERT_TRUE(store_->Truncate("a", 3).ok());
  ASSERT_TRUE(store_->DeleteTopic("b").ok());
  const uint64_t serial_before = store_->Get("a", 2)->serial;
  const uint64_t id_before = store_->Stat("a")->id;
  Reopen();
  auto meta = store_->Stat("a");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->count, 3u);
  EXPECT_EQ(meta->size, 3u * NumberedDoc(0).size());
  EXPECT_EQ(meta->id, id_before);
  EXPECT_TRUE(store_->Stat("b").status().IsNotFound());
  EXPECT_EQ(ReadAll("a"),
            (std::vector<std::string>{NumberedDoc(0), NumberedDoc(1), NumberedDoc(2)}));
  EXPECT_EQ(AppendOne("a", "{}"), 3u);
  EXPECT_GT(store_->Get("a", 3)->serial, serial_before);
  AppendOne("c", "{}");
  EXPECT_GT(store_->Stat("c")->id, id_before + 1);  // "b"'s id is never handed out again
}

TEST_F(StoreTest, UnsyncedStoreWorksTheSame) {
  Options options;
  options.sync = false;
  Reopen(options);
  for (int i = 0; i < 100; ++i) AppendOne("t", NumberedDoc(i));
  Reopen(options);
  EXPECT_EQ(store_->Stat("t")->count, 100u);
}

}  // namespace
}  // namespace pdfs

namespace pdfs {
namespace {

// Options::min_free_disk_bytes: an append that would leave less free space
// is refused with NoSpace and stores nothing; reads and truncations work.
TEST(StoreDiskSpaceTest, AppendsAreRefusedWhenTheReserveCannotBeKept) {
  pdfs::testing::TempDir dir;
  {
    auto store = Store::Open(Options(), dir.Sub("data"));
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Append("t", pdfs::testing::Batch({"{}", "{}"})).ok());
  }
  Options options;
  options.min_free_disk_bytes = uint64_t{1} << 62;  // more than any disk has
  auto opened = Store::Open(options, dir.Sub("data"));
  ASSERT_TRUE(opened.ok());
  auto store = std::move(opened).value();
  auto r = store->Append("t", pdfs::testing::Batch({R"({"x":1})"}));
  ASSERT_TRUE(r.status().IsNoSpace()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("bytes free, less than the"), std::string::npos);
  EXPECT_TRUE(store->CreateTopic("u").status().IsNoSpace());
  EXPECT_EQ(store->Stat("t")->count, 2u);
  EXPECT_EQ(store->Get("t", 1)->data, "{}");
  // Removals need only the small margin, so a full disk can still be tidied.
  EXPECT_EQ(store->Truncate("t", 1)->count, 1u);
  EXPECT_TRUE(store->DeleteTopic("t").ok());
}

}  // namespace
}  // namespace pdfs
