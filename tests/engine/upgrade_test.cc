// Upgrade: a data directory written by release 0.1.0 (format 1, before the
// store-wide format key; tests/engine/testdata/release1_data.tar.gz, made by
// make_release1_dir.sh beside it) opens with this code: every document and
// every topic's metadata is as that release left it, the directory is
// upgraded to the current format, and everything new works on it. A
// directory of a newer format is refused with a clear message.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "pdfs/store.h"
#include "support/docs.h"
#include "support/temp_dir.h"

namespace pdfs {
namespace {

using pdfs::testing::Batch;
using pdfs::testing::TempDir;

// The format key as RocksDB holds it ("" if absent), or, with `set`, sets it.
std::string FormatKey(const std::string& data_dir, const std::string* set = nullptr) {
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), data_dir + "/db", &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& n : names) families.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(rocksdb::DBOptions(), data_dir + "/db", families, &handles, &raw);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return "";
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string value;
  if (set != nullptr) {
    EXPECT_TRUE(db->Put(rocksdb::WriteOptions(), "format_version", *set).ok());
  } else if (!db->Get(rocksdb::ReadOptions(), "format_version", &value).ok()) {
    value.clear();
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  db->Close().PermitUncheckedError();
  return value;
}

std::string U64(uint64_t v) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}

class UpgradeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string command =
        "tar -xzf " PDFS_TESTDATA_DIR "/release1_data.tar.gz -C " + dir_.path();
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    data_ = dir_.Sub("data");
  }

  std::unique_ptr<Store> Open() {
    auto r = Store::Open(Options(), data_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  std::vector<Record> ReadAll(Store& store, const std::string& topic) {
    std::vector<Record> out;
    auto reader = store.Read(topic, 0, ~0ull);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) return out;
    while (const Record* r = (*reader)->Next()) out.push_back(*r);
    EXPECT_TRUE((*reader)->status().ok());
    return out;
  }

  TempDir dir_;
  std::string data_;
};

// What release 0.1.0 was asked to store (make_release1_dir.sh).
std::map<std::string, std::vector<std::string>> ReleaseOneDocuments() {
  std::map<std::string, std::vector<std::string>> want;
  want["empty"] = {};
  want["events"] = {
      R"({"s":"tab\tquote\"slash\\/ \u00e9\ud83d\ude00","n":[1,2.50,-0e+3,true,null]})",
      R"({"nested":{"a":{"b":{"c":[[],{}]}}},"unicode":"é€😀"})", "{}", R"({"via":"mount"})"};
  want["gone"] = {R"({"again":1})"};
  for (int i = 0; i < 1200; ++i) want["many"].push_back(R"({"i":)" + std::to_string(i) + "}");
  for (int m : {2, 3, 4, 5, 6, 7, 10, 11}) {
    want["metrics"].push_back(R"({"m":)" + std::to_string(m) + "}");
  }
  return want;
}

TEST_F(UpgradeTest, AReleaseOneDirectoryOpensWithEveryDocumentAndItsMetadata) {
  ASSERT_EQ(FormatKey(data_), "") << "the fixture predates the format key";
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const auto want = ReleaseOneDocuments();
  std::vector<TopicMeta> topics = store->ListTopics();
  ASSERT_EQ(topics.size(), want.size());
  std::set<uint64_t> serials, ids;
  uint64_t gone_id = 0, max_other_id = 0;
  for (const TopicMeta& meta : topics) {
    SCOPED_TRACE(meta.topic);
    ASSERT_EQ(want.count(meta.topic), 1u);
    const std::vector<std::string>& docs = want.at(meta.topic);
    const uint64_t first = meta.topic == "metrics" ? 2 : 0;
    EXPECT_EQ(meta.first, first);
    EXPECT_EQ(meta.count, first + docs.size());
    uint64_t size = 0;
    for (const std::string& d : docs) size += d.size();
    EXPECT_EQ(meta.size, size);
    EXPECT_EQ(meta.config_version, 0u);
    EXPECT_TRUE(ids.insert(meta.id).second);
    if (meta.topic == "gone") {
      gone_id = meta.id;
    } else {
      max_other_id = std::max(max_other_id, meta.id);
    }
    std::vector<Record> records = ReadAll(*store, meta.topic);
    ASSERT_EQ(records.size(), docs.size());
    int64_t previous_time = 0;
    for (size_t i = 0; i < docs.size(); ++i) {
      EXPECT_EQ(records[i].location, first + i);
      EXPECT_EQ(records[i].data, docs[i]);
      EXPECT_EQ(records[i].content_type, "application/json");
      EXPECT_TRUE(records[i].document);
      EXPECT_GT(records[i].append_time_ms, int64_t{1600000000000});
      EXPECT_GE(records[i].append_time_ms, previous_time);
      previous_time = records[i].append_time_ms;
      EXPECT_TRUE(serials.insert(records[i].serial).second) << "serials are unique";
      auto one = store->Get(meta.topic, first + i);
      ASSERT_TRUE(one.ok());
      EXPECT_EQ(one->data, docs[i]);
    }
    EXPECT_EQ(store->GetTopicConfig(meta.topic)->json, "{}");
  }
  EXPECT_GT(gone_id, max_other_id) << "the re-created topic has the newest id";
  EXPECT_TRUE(store->Get("metrics", 1).status().IsNotFound()) << "trimmed";
  EXPECT_TRUE(store->ListCollections().empty());

  // The store goes on where release 0.1.0 left it.
  auto appended = store->Append("metrics", Batch({R"({"m":12})"}));
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->first_location, 10u);
  EXPECT_GT(store->Get("metrics", 10)->serial, *serials.rbegin()) << "serials continue";
  auto created = store->CreateTopic("new");
  ASSERT_TRUE(created.ok());
  EXPECT_GT(created->id, *ids.rbegin()) << "topic ids continue";
  ASSERT_TRUE(store->CreateCollection("hooks").ok());
  CommitBatch batch;
  batch.Put("hooks", "k", "{}", 0);
  ItemBatch items;
  ASSERT_TRUE(items.Add("text/plain", "hello").ok());
  ASSERT_TRUE(items.SetIndexKey(0, "greeting").ok());
  batch.Append("new", items);
  ASSERT_TRUE(store->Commit(batch).ok());
  store.reset();

  EXPECT_EQ(FormatKey(data_), U64(2)) << "upgraded to format 2";
  store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(ReadAll(*store, "metrics").size(), 9u);
  EXPECT_EQ(ReadAll(*store, "many").size(), 1200u);
  EXPECT_EQ(store->GetRecord("hooks", "k")->version, 1u);
  EXPECT_EQ(*store->FindIndexKey("new", "greeting"), 0u);
  EXPECT_EQ(store->Get("new", 0)->content_type, "text/plain");
}

TEST_F(UpgradeTest, ADirectoryOfANewerFormatIsRefusedWithAClearMessage) {
  ASSERT_NE(Open(), nullptr);  // upgrades, then closes
  const std::string three = U64(3);
  FormatKey(data_, &three);
  auto r = Store::Open(Options(), data_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("written by a newer pdfs (format 3)"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace pdfs
