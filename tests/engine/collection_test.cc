// Collections and commits (collection.h): records with versions, scans,
// compare-and-set, and commits that apply a record change and a topic
// append together or not at all — also when they race.
#include "pdfs/collection.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pdfs/store.h"
#include "support/docs.h"
#include "support/store_fixture.h"

namespace pdfs {
namespace {

using pdfs::testing::Batch;
using pdfs::testing::StoreFixture;

// Holds the writer queue's leader inside a listener until opened, so that
// every change started meanwhile queues behind it and the next leader
// commits them all in ONE group: their race is then decided inside one
// write batch, not by the order of separate writes.
class QueueGate : public ChangeListener {
 public:
  explicit QueueGate(Store* store) : store_(store) { store_->AddListener(this); }
  ~QueueGate() override {
    Open();
    store_->RemoveListener(this);
  }
  // Returns once an append to topic "gate" is committed and its leader is
  // held in OnChange.
  void Close() {
    appender_ = std::thread([this] { EXPECT_TRUE(store_->Append("gate", Batch({"{}"})).ok()); });
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return held_; });
  }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    if (appender_.joinable()) appender_.join();
  }
  void OnChange(const ChangeEvent& event) override {
    if (event.topic != "gate" || event.kind != ChangeEvent::Kind::kAppended) return;
    std::unique_lock<std::mutex> lock(mu_);
    held_ = true;
    cv_.notify_all();
    cv_.wait(lock, [this] { return released_; });
  }

 private:
  Store* const store_;
  std::thread appender_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  bool released_ = false;
};

class CollectionTest : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    ASSERT_TRUE(store_->CreateCollection("hooks").ok());
  }

  // Commits `batch`; fails the test unless it succeeds.
  CommitResult MustCommit(const CommitBatch& batch) {
    Result<CommitResult> r = store_->Commit(batch);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : CommitResult{};
  }

  uint64_t Put(std::string_view key, std::string_view value) {
    CommitBatch batch;
    batch.Put("hooks", key, value);
    CommitResult r = MustCommit(batch);
    return r.versions.empty() ? 0 : r.versions[0];
  }

  // Every record of the collection, key -> (version, value).
  std::map<std::string, std::pair<uint64_t, std::string>> Scan(std::string_view collection,
                                                               std::string_view begin = "",
                                                               std::string_view end = "") {
    std::map<std::string, std::pair<uint64_t, std::string>> out;
    auto reader = store_->ScanRecords(collection, begin, end);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) return out;
    std::string previous;
    while (const CollectionRecord* r = (*reader)->Next()) {
      EXPECT_TRUE(out.empty() || previous < r->key) << "keys come in order";
      previous = r->key;
      out[r->key] = {r->version, r->value};
    }
    EXPECT_TRUE((*reader)->status().ok());
    return out;
  }
};

TEST_F(CollectionTest, CollectionsAreCreatedListedAndDeletedByName) {
  EXPECT_TRUE(store_->CreateCollection("hooks").status().IsAlreadyExists());
  for (std::string bad : {std::string(""), std::string("a/b"), std::string(129, 'x')}) {
    EXPECT_TRUE(store_->CreateCollection(bad).status().IsInvalidArgument()) << bad;
  }
  auto offsets = store_->CreateCollection(".katar.offsets");
  ASSERT_TRUE(offsets.ok()) << "faces may use a leading dot";
  EXPECT_NE(offsets->id, store_->StatCollection("hooks")->id);
  std::vector<std::string> names;
  for (const CollectionInfo& c : store_->ListCollections()) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{".katar.offsets", "hooks"}));
  EXPECT_TRUE(store_->DeleteCollection(".katar.offsets").ok());
  EXPECT_TRUE(store_->DeleteCollection(".katar.offsets").IsNotFound());
  EXPECT_TRUE(store_->StatCollection(".katar.offsets").status().IsNotFound());
  EXPECT_EQ(store_->ListCollections().size(), 1u);
  EXPECT_TRUE(store_->ListTopics().empty()) << "collections are not topics";
}

TEST_F(CollectionTest, RecordsScanInKeyOrderWithinBoundsAndValuesAreMinified) {
  const std::string nul_key("a\0b", 3);
  for (std::string key :
       {std::string("b"), std::string("a"), nul_key, std::string("ab"), std::string("c")}) {
    Put(key, "{ \"key_bytes\" : " + std::to_string(key.size()) + " }");
  }
  auto all = Scan("hooks");
  std::vector<std::string> keys;
  for (const auto& [k, v] : all) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"a", nul_key, "ab", "b", "c"}));
  EXPECT_EQ(all["ab"].second, R"({"key_bytes":2})");
  auto some = Scan("hooks", "a\x01", "b");
  EXPECT_EQ(some.size(), 1u);
  EXPECT_EQ(some.count("ab"), 1u);
  EXPECT_EQ(Scan("hooks", "b").size(), 2u);
  EXPECT_EQ(store_->StatCollection("hooks")->records, 5u);
  auto got = store_->GetRecord("hooks", nul_key);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value, R"({"key_bytes":3})");
  EXPECT_TRUE(store_->GetRecord("hooks", "zz").status().IsNotFound());
  EXPECT_TRUE(store_->GetRecord("nope", "a").status().IsNotFound());
  EXPECT_TRUE(store_->GetRecord("hooks", "").status().IsInvalidArgument());
}

TEST_F(CollectionTest, VersionsAreRevisionsOfTheCollectionAndNeverReused) {
  EXPECT_EQ(Put("k", R"({"v":1})"), 1u);
  EXPECT_EQ(Put("other", R"({"v":1})"), 2u);
  EXPECT_EQ(Put("k", R"({"v":2})"), 3u);
  CommitBatch del;
  del.Delete("hooks", "k");
  EXPECT_EQ(MustCommit(del).versions, std::vector<uint64_t>{0});
  EXPECT_TRUE(store_->GetRecord("hooks", "k").status().IsNotFound());
  // A key deleted and written again gets a version it never had before, so
  // a compare-and-set that read the old record cannot succeed by accident.
  EXPECT_EQ(Put("k", R"({"v":3})"), 5u);
  auto info = store_->StatCollection("hooks");
  EXPECT_EQ(info->revision, 5u);
  EXPECT_EQ(info->records, 2u);
  // One commit changing two records moves the revision once.
  CommitBatch two;
  two.Put("hooks", "x", "{}");
  two.Put("hooks", "y", "{}");
  EXPECT_EQ(MustCommit(two).versions, (std::vector<uint64_t>{6, 6}));
}

TEST_F(CollectionTest, CompareAndSetAppliesOnlyAtTheExpectedVersion) {
  CommitBatch create;
  create.Put("hooks", "cursor", R"({"at":0})", 0);  // 0: only if absent
  ASSERT_EQ(MustCommit(create).versions[0], 1u);
  auto again = store_->Commit(create);
  EXPECT_EQ(again.status().code(), Status::Code::kConflict);
  EXPECT_NE(again.status().message().find("expected it absent"), std::string::npos)
      << again.status().message();

  CommitBatch stale;
  stale.Put("hooks", "cursor", R"({"at":9})", 7);
  auto refused = store_->Commit(stale);
  EXPECT_EQ(refused.status().code(), Status::Code::kConflict);
  EXPECT_EQ(store_->GetRecord("hooks", "cursor")->value, R"({"at":0})");

  CommitBatch fresh;
  fresh.Put("hooks", "cursor", R"({"at":1})", 1);
  EXPECT_EQ(MustCommit(fresh).versions[0], 2u);
  CommitBatch check_absent;
  check_absent.Check("hooks", "missing", 0);
  EXPECT_TRUE(store_->Commit(check_absent).ok());
  CommitBatch delete_stale;
  delete_stale.Delete("hooks", "cursor", 1);
  EXPECT_EQ(store_->Commit(delete_stale).status().code(), Status::Code::kConflict);
  EXPECT_TRUE(store_->GetRecord("hooks", "cursor").ok());
}

TEST_F(CollectionTest, ACommitOfARecordAndATopicAppendIsAllOrNothing) {
  Put("cursor", R"({"n":0})");  // version 1
  // A failed compare-and-set: the append with it is not stored either.
  CommitBatch bad_cas;
  bad_cas.Put("hooks", "cursor", R"({"n":1})", 5);
  ItemBatch items;
  items.AddDocuments(Batch({R"({"event":1})"}));
  bad_cas.Append("events", items);
  EXPECT_EQ(store_->Commit(bad_cas).status().code(), Status::Code::kConflict);
  EXPECT_TRUE(store_->Stat("events").status().IsNotFound()) << "the append went with the CAS";

  // A failed conditional append: the record change with it is not stored.
  ASSERT_TRUE(store_->Append("events", Batch({R"({"event":0})"})).ok());
  CommitBatch bad_append;
  bad_append.Put("hooks", "cursor", R"({"n":1})", 1);
  bad_append.Append("events", items, 0);  // the topic's next location is 1
  EXPECT_EQ(store_->Commit(bad_append).status().code(), Status::Code::kConflict);
  EXPECT_EQ(store_->GetRecord("hooks", "cursor")->version, 1u);
  EXPECT_EQ(store_->Stat("events")->count, 1u);

  // A failed check of another record: nothing either.
  CommitBatch bad_check;
  bad_check.Put("hooks", "cursor", R"({"n":1})", 1);
  bad_check.Append("events", items, 1);
  bad_check.Check("hooks", "lock", 3);
  EXPECT_EQ(store_->Commit(bad_check).status().code(), Status::Code::kConflict);
  EXPECT_EQ(store_->GetRecord("hooks", "cursor")->version, 1u);
  EXPECT_EQ(store_->Stat("events")->count, 1u);

  // All conditions hold: both.
  CommitBatch good;
  good.Put("hooks", "cursor", R"({"n":1})", 1);
  good.Append("events", items, 1);
  CommitResult r = MustCommit(good);
  EXPECT_EQ(r.versions, std::vector<uint64_t>{2});
  ASSERT_EQ(r.appends.size(), 1u);
  EXPECT_EQ(r.appends[0].first_location, 1u);
  EXPECT_EQ(r.appends[0].meta.count, 2u);
  EXPECT_EQ(store_->Get("events", 1)->data, R"({"event":1})");
  Reopen();
  EXPECT_EQ(store_->GetRecord("hooks", "cursor")->value, R"({"n":1})");
  EXPECT_EQ(store_->Stat("events")->count, 2u);
}

TEST_F(CollectionTest, OfRacingCompareAndSetsOnOneVersionExactlyOneWins) {
  Put("leader", R"({"who":"nobody"})");  // version 1
  constexpr int kThreads = 8;
  // All of them in one group (see QueueGate), where the later ones must see
  // the first one's write although it is not on disk yet.
  QueueGate gate(store_.get());
  gate.Close();
  std::atomic<int> won{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      CommitBatch batch;
      batch.Put("hooks", "leader", R"({"who":)" + std::to_string(t) + "}", 1);
      ItemBatch items;
      items.AddDocuments(Batch({R"({"elected":)" + std::to_string(t) + "}"}));
      batch.Append("elections", items);
      auto r = store_->Commit(batch);
      if (r.ok()) {
        ++won;
      } else {
        EXPECT_EQ(r.status().code(), Status::Code::kConflict) << r.status().ToString();
        ++conflicts;
      }
    });
  }
  // The racers queue behind the held leader (they block in Commit).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  gate.Open();
  for (auto& th : threads) th.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
  // The winner's record and the winner's append, and nothing of the others.
  auto leader = store_->GetRecord("hooks", "leader");
  ASSERT_TRUE(leader.ok());
  EXPECT_EQ(leader->version, 2u);
  ASSERT_EQ(store_->Stat("elections")->count, 1u);
  EXPECT_EQ(store_->Get("elections", 0)->data,
            R"({"elected":)" + leader->value.substr(7, leader->value.size() - 8) + "}");
}

TEST_F(CollectionTest, RacingReadModifyWriteLosesNoUpdateAndLogsEachOnce) {
  // Each thread increments a counter record by CAS and appends the new value
  // to a log topic in the same commit, retrying on Conflict. Every increment
  // that succeeds is in the log exactly once, in order.
  Put("counter", R"({"n":0})");
  constexpr int kThreads = 6, kEach = 40;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int done = 0; done < kEach;) {
        auto current = store_->GetRecord("hooks", "counter");
        ASSERT_TRUE(current.ok());
        const int n = std::stoi(current->value.substr(5));
        CommitBatch batch;
        batch.Put("hooks", "counter", R"({"n":)" + std::to_string(n + 1) + "}", current->version);
        ItemBatch items;
        items.AddDocuments(Batch({R"({"n":)" + std::to_string(n + 1) + "}"}));
        batch.Append("log", items);
        auto r = store_->Commit(batch);
        if (r.ok()) {
          ++done;
        } else {
          ASSERT_EQ(r.status().code(), Status::Code::kConflict) << r.status().ToString();
          ++conflicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  constexpr int kTotal = kThreads * kEach;
  EXPECT_EQ(store_->GetRecord("hooks", "counter")->value,
            R"({"n":)" + std::to_string(kTotal) + "}");
  std::vector<Record> log = Records("log");
  ASSERT_EQ(log.size(), static_cast<size_t>(kTotal));
  for (int i = 0; i < kTotal; ++i) {
    EXPECT_EQ(log[i].data, R"({"n":)" + std::to_string(i + 1) + "}") << i;
  }
  std::printf("%d commits, %d conflicts retried\n", kTotal, conflicts.load());
}

TEST_F(CollectionTest, InvalidCommitsAreRefusedWithTheirCodeAndChangeNothing) {
  Options options;
  options.max_record_bytes = 64;
  Reopen(options);
  auto code = [&](const CommitBatch& b) { return store_->Commit(b).status().code(); };
  using Code = Status::Code;
  ItemBatch one;
  one.AddDocuments(Batch({"{}"}));
  EXPECT_EQ(code(CommitBatch()), Code::kInvalidArgument) << "empty";
  CommitBatch b1;
  b1.Put("hooks", "", "{}");
  EXPECT_EQ(code(b1), Code::kInvalidArgument) << "empty key";
  CommitBatch b2;
  b2.Put("hooks", std::string(kMaxRecordKeyBytes + 1, 'k'), "{}");
  EXPECT_EQ(code(b2), Code::kInvalidArgument) << "long key";
  CommitBatch b3;
  b3.Put("hooks", "k", "[1]");
  EXPECT_EQ(code(b3), Code::kInvalidArgument) << "not an object";
  CommitBatch b4;
  b4.Put("hooks", "k", R"({"pad":")" + std::string(64, 'x') + "\"}");
  EXPECT_EQ(code(b4), Code::kTooLarge) << "value over max_record_bytes";
  CommitBatch b5;
  b5.Put("hooks", "k", "{}");
  b5.Delete("hooks", "k");
  EXPECT_EQ(code(b5), Code::kInvalidArgument) << "one record twice";
  CommitBatch b6;
  b6.Append("t", one);
  b6.Append("t", one);
  EXPECT_EQ(code(b6), Code::kInvalidArgument) << "one topic twice";
  CommitBatch b7;
  b7.Append(".changes", one);
  EXPECT_EQ(code(b7), Code::kInvalidArgument) << "system topic without AllowSystemTopics";
  CommitBatch b8;
  b8.Append("t", ItemBatch());
  EXPECT_EQ(code(b8), Code::kInvalidArgument) << "no items";
  CommitBatch b9;
  b9.Put("nope", "k", "{}");
  b9.Append("t", one);
  EXPECT_EQ(code(b9), Code::kNotFound) << "no such collection";
  CommitBatch b10;
  b10.AllowSystemTopics();
  b10.Append(".changes", one);
  EXPECT_EQ(code(b10), Code::kNotFound) << "a system topic is never created by an append";
  CommitBatch b11;
  b11.Put("bad/name", "k", "{}");
  EXPECT_EQ(code(b11), Code::kInvalidArgument) << "bad collection name";
  CommitBatch b12;
  b12.SetTopicConfig("t", "{}");
  EXPECT_EQ(code(b12), Code::kNotFound) << "configuring a missing topic";
  EXPECT_TRUE(store_->ListTopics().empty());
  EXPECT_EQ(store_->StatCollection("hooks")->records, 0u);
  EXPECT_EQ(store_->StatCollection("hooks")->revision, 0u);
}

TEST_F(CollectionTest, CollectionsSurviveAReopenAndADeletedOneComesBackEmpty) {
  Put("a", R"({"x":1})");
  Put("b", R"({"x":2})");
  Reopen();
  auto info = store_->StatCollection("hooks");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->records, 2u);
  EXPECT_EQ(info->revision, 2u);
  EXPECT_EQ(Put("c", "{}"), 3u) << "the revision continues";
  auto all = Scan("hooks");
  EXPECT_EQ(all["a"], (std::pair<uint64_t, std::string>{1, R"({"x":1})"}));
  const uint64_t old_id = info->id;
  ASSERT_TRUE(store_->DeleteCollection("hooks").ok());
  auto again = store_->CreateCollection("hooks");
  ASSERT_TRUE(again.ok());
  EXPECT_GT(again->id, old_id);
  EXPECT_TRUE(Scan("hooks").empty());
  Reopen();
  EXPECT_TRUE(Scan("hooks").empty());
  EXPECT_EQ(store_->StatCollection("hooks")->records, 0u);
  EXPECT_GT(store_->CreateCollection("other")->id, again->id) << "ids are never re-used";
}

// The change-topic pattern (collection.h): each commit appends its change
// record to the collection's system topic, conditionally on the change
// topic's count, and the records are what replaying the change topic gives.
TEST_F(CollectionTest, AChangeTopicReplaysToTheCollectionsRecords) {
  ASSERT_TRUE(store_->CreateSystemTopic(".hooks.changes", "").ok());
  uint64_t seen = 0;  // the change topic's count as this face last saw it
  auto change = [&](const std::string& op, const std::string& key, const std::string& value) {
    CommitBatch batch;
    batch.AllowSystemTopics();
    if (op == "put") {
      batch.Put("hooks", key, value);
    } else {
      batch.Delete("hooks", key);
    }
    ItemBatch record;
    record.AddDocuments(Batch({R"({"op":")" + op + R"(","key":")" + key + R"(","value":)" +
                               (value.empty() ? "null" : value) + "}"}));
    batch.Append(".hooks.changes", record, seen);
    auto r = store_->Commit(batch);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    seen = r->appends[0].meta.count;
  };
  change("put", "a", R"({"url":"http://a"})");
  change("put", "b", R"({"url":"http://b"})");
  change("put", "a", R"({"url":"http://a2"})");
  change("delete", "b", "");
  change("put", "c", R"({"url":"http://c"})");

  // A commit that did not see the latest change loses, and changes nothing.
  CommitBatch stale;
  stale.AllowSystemTopics();
  stale.Put("hooks", "d", "{}");
  ItemBatch record;
  record.AddDocuments(Batch({R"({"op":"put","key":"d","value":{}})"}));
  stale.Append(".hooks.changes", record, seen - 1);
  EXPECT_EQ(store_->Commit(stale).status().code(), Status::Code::kConflict);
  EXPECT_TRUE(store_->GetRecord("hooks", "d").status().IsNotFound());

  // Replay: only by reading the change topic, as a face rebuilding its state
  // (or a watcher) would.
  std::map<std::string, std::string> replayed;
  for (const Record& r : Records(".hooks.changes")) {
    const std::string& d = r.data;
    const size_t key_at = d.find(R"("key":")") + 7;
    const std::string key = d.substr(key_at, d.find('"', key_at) - key_at);
    const size_t value_at = d.find(R"("value":)") + 8;
    const std::string value = d.substr(value_at, d.size() - 1 - value_at);
    if (d.find(R"("op":"put")") != std::string::npos) {
      replayed[key] = value;
    } else {
      replayed.erase(key);
    }
  }
  std::map<std::string, std::string> stored;
  for (const auto& [k, v] : Scan("hooks")) stored[k] = v.second;
  EXPECT_EQ(replayed, stored);
  EXPECT_EQ(stored.size(), 2u);
}

}  // namespace
}  // namespace pdfs
