// The filesystem logic without a kernel: Filesystem over a LocalBackend on a
// real Store in a temporary directory. These tests check the mechanisms
// behind the mount's promises: the daemon holds only the inodes the kernel
// holds, readdirplus keeps counts honest, re-used locations get fresh inodes
// and stale ones answer ESTALE, changes from either face queue the right
// invalidations (sent from the Invalidator's own thread), appenders split
// documents by the JSON, and follow reads are answered by the Follower.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "appender.h"
#include "filesystem.h"
#include "local_backend.h"
#include "mime_types.h"
#include "names.h"
#include "node_table.h"
#include "support/docs.h"
#include "support/temp_dir.h"

namespace pdfs::fs {
namespace {

using pdfs::testing::Batch;
using pdfs::testing::TempDir;

TEST(NamesTest, CanonicalNamesArePaddedToSixDigits) {
  EXPECT_EQ(DocumentName(0), "000000.json");
  EXPECT_EQ(DocumentName(123), "000123.json");
  EXPECT_EQ(DocumentName(1234567), "1234567.json");
}

TEST(NamesTest, EverySpellingOfANumberParsesOnlyTheCanonicalOneIsCanonical) {
  auto p = ParseDocumentName("000123.json");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->location, 123u);
  EXPECT_TRUE(p->canonical);
  p = ParseDocumentName("123.json");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->location, 123u);
  EXPECT_FALSE(p->canonical);
  p = ParseDocumentName("18446744073709551615.json");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->canonical);
  for (const char* bad : {"a.json", ".json", "12.jsonx", "12", "-1.json", "1 .json",
                          "18446744073709551616.json", "000000000000000000001.json", ".follow"}) {
    EXPECT_FALSE(ParseDocumentName(bad)) << bad;
  }
}

TEST(NamesTest, ItemNamesSplitLocationAndExtension) {
  EXPECT_EQ(ItemName(7, "png"), "000007.png");
  auto p = ParseItemName("000007.png");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->location, 7u);
  EXPECT_EQ(p->extension, "png");
  EXPECT_TRUE(p->canonical);
  p = ParseItemName("7.tar.gz");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->extension, "tar.gz");
  EXPECT_FALSE(p->canonical);
  for (const char* bad : {"7", "7.", ".png", "a7.png", "18446744073709551616.png", ".follow"}) {
    EXPECT_FALSE(ParseItemName(bad)) << bad;
  }
}

TEST(MimeTypesTest, TheFirstExtensionOfATypeNamesItAndUnlistedTypesAreBin) {
  MimeTypes m = MimeTypes::FromText(
      "# comment\n"
      "application/json\t\tjson\n"
      "image/jpeg\t\tjpeg jpg jpe\n"
      "text/plain\t\ttxt text\n"
      "text/x-other\t\ttxt\n"
      "application/x-none\n");
  auto ext = [&](std::string_view type, bool document = false) {
    return std::string(m.Extension(m.IdOf(type, document)));
  };
  EXPECT_EQ(ext("image/jpeg"), "jpeg");
  EXPECT_EQ(ext("Text/Plain; charset=utf-8"), "txt");
  EXPECT_EQ(ext("application/json"), "json");
  EXPECT_EQ(ext("text/x-other"), "txt");
  EXPECT_EQ(ext("application/x-none"), "bin");
  EXPECT_EQ(ext("image/png"), "bin");
  EXPECT_EQ(ext("image/png", true), "json") << "documents are always .json";
  EXPECT_EQ(m.TypeOfExtension("JPG"), "image/jpeg");
  EXPECT_EQ(m.TypeOfExtension("txt"), "text/plain") << "the first type listing it";
  EXPECT_EQ(m.TypeOfExtension("zzz"), "application/octet-stream");
  EXPECT_TRUE(m.KnowsExtension("jpe"));
  EXPECT_FALSE(m.KnowsExtension("tmp"));
  MimeTypes none = MimeTypes::Load("/nonexistent/mime.types");
  EXPECT_EQ(none.Extension(none.IdOf("image/png", false)), "bin");
  EXPECT_EQ(none.Extension(none.IdOf("application/json", true)), "json");
}

TEST(NodeTableTest, ForgetReleasesANodeAtZeroAndNeverTheRoot) {
  NodeTable table;
  NodeIdentity id{NodeKind::kDocument, MakeIno(NodeKind::kDocument, 7), "t", 1, 0, 7, 2, 0};
  table.Ref(id, table.epoch());
  table.Ref(id, table.epoch());
  EXPECT_EQ(table.lookups(id.ino), 2u);
  table.Forget(id.ino, 1);
  EXPECT_NE(table.Find(id.ino), nullptr);
  table.Forget(id.ino, 1);
  EXPECT_EQ(table.Find(id.ino), nullptr);
  table.Forget(kRootIno, 5);
  EXPECT_NE(table.Find(kRootIno), nullptr);
  EXPECT_EQ(table.size(), 1u);
}

TEST(NodeTableTest, ForgettingMoreThanWasGivenAborts) {
  NodeTable table;
  NodeIdentity id{NodeKind::kTopic, MakeIno(NodeKind::kTopic, 3), "t", 3};
  table.Ref(id, table.epoch());
  EXPECT_DEATH(table.Forget(id.ino, 2), "exceeds the lookup count");
}

TEST(NodeTableTest, AddedWhileARemovalIsRecordedMeansCheckAgain) {
  NodeTable table;
  const uint64_t before = table.epoch();
  table.MarkRemoved(1, 0, 10);
  auto node = table.Ref(
      NodeIdentity{NodeKind::kDocument, MakeIno(NodeKind::kDocument, 9), "t", 1, 4, 9, 2, 0},
      before);
  EXPECT_TRUE(node->needs_check());
  EXPECT_FALSE(node->stale());
  auto later = table.Ref(
      NodeIdentity{NodeKind::kDocument, MakeIno(NodeKind::kDocument, 10), "t", 1, 5, 10, 2, 0},
      table.epoch());
  EXPECT_FALSE(later->needs_check());
  EXPECT_EQ(table.MarkRemoved(1, 5, 6).size(), 1u);
  EXPECT_TRUE(later->stale());
  EXPECT_FALSE(node->stale()) << "only the range is marked";
}

// Records what the Invalidator sends instead of calling the kernel.
class RecordingSink {
 public:
  int operator()(const Invalidator::Item& item) {
    std::lock_guard<std::mutex> lock(mu_);
    items_.push_back(item);
    return 0;
  }
  std::vector<Invalidator::Item> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(items_);
  }

 private:
  std::mutex mu_;
  std::vector<Invalidator::Item> items_;
};

// A directory reply with room for `room` entries.
class VectorReplier : public DirectoryReplier {
 public:
  explicit VectorReplier(size_t room) : room_(room) {}
  bool Add(std::string_view name, const fuse_entry_param& entry, off_t next) override {
    if (names.size() >= room_) return false;
    names.emplace_back(name);
    inos.push_back(entry.ino != 0 ? entry.ino : entry.attr.st_ino);
    offsets.push_back(next);
    return true;
  }
  std::vector<std::string> names;
  std::vector<uint64_t> inos;
  std::vector<off_t> offsets;

 private:
  size_t room_;
};

// A follow read whose answer the test waits for.
class WaitedRead : public PendingRead {
 public:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    int error = 0;
    std::string data;
    std::atomic<bool> interrupted{false};
  };
  explicit WaitedRead(std::shared_ptr<State> s) : s_(std::move(s)) {}
  void Reply(std::string_view data) override { Finish(0, data); }
  void Fail(int error) override { Finish(error, {}); }
  bool Interrupted() override { return s_->interrupted.load(); }

 private:
  void Finish(int error, std::string_view data) {
    std::lock_guard<std::mutex> lock(s_->mu);
    EXPECT_FALSE(s_->done) << "answered twice";
    s_->done = true;
    s_->error = error;
    s_->data.assign(data);
    s_->cv.notify_all();
  }
  std::shared_ptr<State> s_;
};

class FilesystemTest : public ::testing::Test {
 protected:
  static constexpr std::chrono::milliseconds kGrace{300};

  void SetUp() override {
    Options options;
    options.sync = false;
    auto opened = Store::Open(options, dir_.Sub("data"));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    backend_ = std::make_unique<LocalBackend>(store_.get());
    invalidator_ =
        std::make_unique<Invalidator>([this](const Invalidator::Item& i) { return sink_(i); });
    invalidator_->Start();
    FilesystemOptions fo;
    fo.document_limits.max_document_bytes = 1000;
    fo.written_name_grace = kGrace;
    fs_ = std::make_unique<Filesystem>(backend_.get(), invalidator_.get(), fo);
  }
  void TearDown() override {
    fs_.reset();
    invalidator_.reset();
    backend_.reset();
    store_.reset();
  }

  void Append(const std::string& topic, int n, int from = 0) {
    std::vector<std::string> docs;
    for (int i = from; i < from + n; ++i)
      docs.push_back(pdfs::testing::NumberedDoc(static_cast<uint64_t>(i)));
    ASSERT_TRUE(store_->Append(topic, Batch(docs)).ok());
  }
  uint64_t TopicIno(const std::string& topic) {
    FsResult<Entry> e = fs_->Lookup(kRootIno, topic);
    EXPECT_TRUE(e.ok());
    return e.ok() ? e->param.ino : 0;
  }
  std::vector<Invalidator::Item> Sent() {
    invalidator_->Flush();
    return sink_.Take();
  }
  std::shared_ptr<WaitedRead::State> FollowRead(uint64_t fh, size_t size) {
    auto state = std::make_shared<WaitedRead::State>();
    fs_->ReadFollow(fh, size, state.get(), std::make_unique<WaitedRead>(state));
    return state;
  }
  static bool Await(WaitedRead::State& s,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(s.mu);
    return s.cv.wait_for(lock, timeout, [&] { return s.done; });
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<LocalBackend> backend_;
  RecordingSink sink_;
  std::unique_ptr<Invalidator> invalidator_;
  std::unique_ptr<Filesystem> fs_;
};

TEST_F(FilesystemTest, TheDaemonHoldsOnlyTheInodesTheKernelHolds) {
  Append("t", 1000);
  const uint64_t dir = TopicIno("t");
  std::vector<uint64_t> held;
  for (const char* name : {"000001.json", "000500.json", "999.json"}) {
    FsResult<Entry> e = fs_->Lookup(dir, name);
    ASSERT_TRUE(e.ok()) << name;
    held.push_back(e->param.ino);
  }
  EXPECT_EQ(fs_->nodes().size(), 1u + 1u + 3u) << "root, topic, three documents: not 1000";
  for (uint64_t ino : held) fs_->Forget(ino, 1);
  fs_->Forget(dir, 1);
  EXPECT_EQ(fs_->nodes().size(), 1u);
}

TEST_F(FilesystemTest, ReaddirplusUndoesTheCountOfAnEntryThatDidNotFit) {
  Append("t", 10);
  const uint64_t dir = TopicIno("t");
  VectorReplier out(5);  // ".", "..", and three documents fit
  ASSERT_TRUE(fs_->ReadDir(dir, 0, true, out).ok());
  ASSERT_EQ(out.names.size(), 5u);
  EXPECT_EQ(out.names[2], "000000.json");
  EXPECT_EQ(fs_->nodes().size(), 1u + 1u + 3u) << "the fourth document was refused and released";
  for (size_t i = 2; i < 5; ++i) EXPECT_EQ(fs_->nodes().lookups(out.inos[i]), 1u);
}

TEST_F(FilesystemTest, ReaddirOffsetsAreLocationsSoListingsResumeWhileAppendsHappen) {
  Append("t", 4);
  const uint64_t dir = TopicIno("t");
  VectorReplier first(4);
  ASSERT_TRUE(fs_->ReadDir(dir, 0, false, first).ok());
  ASSERT_EQ(first.names, (std::vector<std::string>{".", "..", "000000.json", "000001.json"}));
  EXPECT_EQ(first.offsets.back(), 1 + 3) << "location + 3";
  Append("t", 2, 4);
  VectorReplier rest(100);
  ASSERT_TRUE(fs_->ReadDir(dir, first.offsets.back(), false, rest).ok());
  EXPECT_EQ(rest.names,
            (std::vector<std::string>{"000002.json", "000003.json", "000004.json", "000005.json"}));
  EXPECT_EQ(fs_->nodes().size(), 2u) << "plain readdir hands out no counts";
}

TEST_F(FilesystemTest, AReusedLocationGetsAFreshInodeAndTheOldOneAnswersEstale) {
  Append("t", 3);
  const uint64_t dir = TopicIno("t");
  FsResult<Entry> old_entry = fs_->Lookup(dir, "000002.json");
  ASSERT_TRUE(old_entry.ok());
  FsResult<Opened> opened = fs_->Open(old_entry->param.ino, O_RDONLY);
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(opened->keep_cache);
  ASSERT_TRUE(store_->Truncate("t", 2).ok());
  ASSERT_TRUE(store_->Append("t", Batch({"{\"new\":2}"})).ok());

  FsResult<Entry> new_entry = fs_->Lookup(dir, "000002.json");
  ASSERT_TRUE(new_entry.ok());
  EXPECT_NE(new_entry->param.ino, old_entry->param.ino);
  EXPECT_EQ(fs_->GetAttr(old_entry->param.ino).status().code(), ESTALE);
  EXPECT_EQ(fs_->Open(old_entry->param.ino, O_RDONLY).status().code(), ESTALE)
      << "the kernel then looks the name up again";
  EXPECT_EQ(fs_->Read(old_entry->param.ino, opened->fh, 100, 0).status().code(), ESTALE)
      << "an open file of a removed document reads neither old nor new bytes";
  FsResult<Opened> fresh = fs_->Open(new_entry->param.ino, O_RDONLY);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(*fs_->Read(new_entry->param.ino, fresh->fh, 100, 0), "{\"new\":2}");
  fs_->Release(old_entry->param.ino, opened->fh);
  fs_->Release(new_entry->param.ino, fresh->fh);
}

// Issue 6 (found by the ASan build of the mount tests): op_read replied with
// a view into the open file's record, and a release of the same file on
// another FUSE thread (a reader killed mid-read) freed the record during the
// reply: heap-use-after-free. Read now returns bytes that outlive a release.
TEST_F(FilesystemTest, ReadBytesOutliveAReleaseOfTheFile) {
  Append("t", 1);
  FsResult<Entry> entry = fs_->Lookup(TopicIno("t"), "000000.json");
  ASSERT_TRUE(entry.ok());
  FsResult<Opened> opened = fs_->Open(entry->param.ino, O_RDONLY);
  ASSERT_TRUE(opened.ok());
  FsResult<std::string> data = fs_->Read(entry->param.ino, opened->fh, 100, 0);
  ASSERT_TRUE(data.ok());
  fs_->Release(entry->param.ino, opened->fh);
  EXPECT_EQ(*data, pdfs::testing::NumberedDoc(0)) << "read after the release freed the file";
}

TEST_F(FilesystemTest, ATruncationInvalidatesOnlyTheRemovedNamesTheKernelHolds) {
  Append("t", 10);
  const uint64_t dir = TopicIno("t");
  uint64_t held_ino = 0;
  for (const char* name : {"000002.json", "000006.json", "000008.json"}) {
    FsResult<Entry> e = fs_->Lookup(dir, name);
    ASSERT_TRUE(e.ok());
    if (std::string(name) == "000006.json") held_ino = e->param.ino;
  }
  Sent();
  ASSERT_TRUE(store_->Truncate("t", 5).ok());  // as an HTTP DELETE would
  std::vector<Invalidator::Item> items = Sent();
  std::set<std::string> entries;
  std::set<uint64_t> inodes;
  for (const auto& item : items) {
    if (item.kind == Invalidator::Item::Kind::kEntry) {
      EXPECT_EQ(item.ino, dir);
      entries.insert(item.name);
    }
    if (item.kind == Invalidator::Item::Kind::kInode) inodes.insert(item.ino);
  }
  EXPECT_EQ(entries, (std::set<std::string>{"000006.json", "000008.json"}));
  EXPECT_EQ(inodes.size(), 2u);
  EXPECT_EQ(inodes.count(held_ino), 1u);
}

TEST_F(FilesystemTest, AppendsInvalidateTheDirectoryAttributesAndCreationsTheNegativeEntry) {
  Append("t", 1);
  const uint64_t dir = TopicIno("t");
  Sent();
  for (int i = 0; i < 50; ++i) Append("t", 1, i);
  std::vector<Invalidator::Item> items = Sent();
  ASSERT_FALSE(items.empty());
  for (const auto& item : items) {
    EXPECT_EQ(item.kind, Invalidator::Item::Kind::kAttributes);
    EXPECT_EQ(item.ino, dir);
  }
  FsResult<Entry> missing = fs_->Lookup(kRootIno, "later");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->param.ino, 0u) << "a negative entry";
  EXPECT_GT(missing->param.entry_timeout, 0);
  EXPECT_LE(missing->param.entry_timeout, 1.0);
  ASSERT_TRUE(store_->CreateTopic("later").ok());
  bool dropped = false;
  for (const auto& item : Sent()) {
    dropped |= item.kind == Invalidator::Item::Kind::kEntry && item.ino == kRootIno &&
               item.name == "later";
  }
  EXPECT_TRUE(dropped);
}

// mkdir of a name the kernel already holds is refused by the kernel itself;
// the daemon's own EEXIST is what a mkdir gets when the topic was created
// over HTTP after the kernel last looked (a negative entry not yet dropped).
TEST_F(FilesystemTest, MakeDirOfATopicCreatedOnTheOtherFaceIsEexist) {
  ASSERT_TRUE(store_->CreateTopic("t").ok());
  FsResult<Entry> made = fs_->MakeDir(kRootIno, "t");
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().code(), EEXIST);
}

TEST_F(FilesystemTest, CacheTimeoutsFollowTheKindOfName) {
  Append("t", 2);
  FsResult<Entry> topic = fs_->Lookup(kRootIno, "t");
  ASSERT_TRUE(topic.ok());
  EXPECT_GT(topic->param.entry_timeout, 0);
  EXPECT_LE(topic->param.entry_timeout, 1.0);
  EXPECT_LE(topic->param.attr_timeout, 1.0);
  FsResult<Entry> doc = fs_->Lookup(topic->param.ino, "000001.json");
  ASSERT_TRUE(doc.ok());
  EXPECT_GE(doc->param.entry_timeout, 60.0);
  EXPECT_GE(doc->param.attr_timeout, 60.0);
  FsResult<Entry> alias = fs_->Lookup(topic->param.ino, "1.json");
  ASSERT_TRUE(alias.ok());
  EXPECT_EQ(alias->param.ino, doc->param.ino);
  EXPECT_EQ(alias->param.entry_timeout, 0);
  EXPECT_EQ(alias->param.attr_timeout, 0);
  FsResult<Created> appender = fs_->Create(topic->param.ino, "new.json", O_WRONLY | O_CREAT);
  ASSERT_TRUE(appender.ok());
  EXPECT_EQ(appender->entry.param.entry_timeout, 0);
  EXPECT_EQ(appender->entry.param.attr_timeout, 0);
  EXPECT_TRUE(appender->opened.direct_io);
  FsResult<Entry> written = fs_->Lookup(topic->param.ino, "new.json");
  ASSERT_TRUE(written.ok()) << "a name just written under answers lookup";
  EXPECT_EQ(written->param.ino, appender->entry.param.ino);
  EXPECT_EQ(written->param.entry_timeout, 0) << "but is never cached";
  EXPECT_EQ(written->param.attr_timeout, 0);
  fs_->Forget(written->param.ino, 1);
  EXPECT_EQ(fs_->Lookup(topic->param.ino, "000009.json").status().code(), ENOENT)
      << "no negative entry for document names";
  fs_->Release(appender->entry.param.ino, appender->opened.fh);
}

TEST_F(FilesystemTest, AnAppenderAppendsEachObjectWhenTheWriteThatCompletesItArrives) {
  Append("t", 0 + 1);
  ASSERT_TRUE(store_->Truncate("t", 0).ok());
  const uint64_t dir = TopicIno("t");
  FsResult<Created> c = fs_->Create(dir, "x", O_WRONLY | O_CREAT | O_APPEND);
  ASSERT_TRUE(c.ok());
  const uint64_t ino = c->entry.param.ino, fh = c->opened.fh;
  EXPECT_EQ(*fs_->Write(ino, fh, "{\"a\":[1,"), 8u);
  EXPECT_EQ(store_->Stat("t")->count, 0u);
  EXPECT_EQ(*fs_->Write(ino, fh, "2]}\n{\"b\":"), 9u);
  EXPECT_EQ(store_->Stat("t")->count, 1u);
  EXPECT_EQ(fs_->Flush(ino, fh).code(), EINVAL) << "an object is pending";
  EXPECT_EQ(*fs_->Write(ino, fh, "true} {\"c\":null}  {\"d\":x}"), 16u)
      << "short count: the two objects before the error";
  EXPECT_EQ(fs_->Write(ino, fh, " {\"d\":x}").status().code(), EINVAL);
  EXPECT_TRUE(fs_->Flush(ino, fh).ok());
  EXPECT_EQ(
      fs_->Write(ino, fh, std::string(2000, ' ') + "{\"big\":\"" + std::string(1000, 'x') + "\"}")
          .status()
          .code(),
      EFBIG);
  fs_->Release(ino, fh);
  fs_->Forget(ino, 1);
  EXPECT_EQ(store_->Stat("t")->count, 3u);
  EXPECT_EQ(store_->Get("t", 1)->data, "{\"b\":true}");
  EXPECT_EQ(fs_->nodes().size(), 2u) << "the appender is gone once forgotten";
}

TEST_F(FilesystemTest, AnAppenderInADeletedTopicFailsRatherThanRecreatingIt) {
  ASSERT_TRUE(store_->CreateTopic("t").ok());
  const uint64_t dir = TopicIno("t");
  FsResult<Created> c = fs_->Create(dir, "x", O_WRONLY | O_CREAT);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(store_->DeleteTopic("t").ok());
  ASSERT_TRUE(store_->CreateTopic("t").ok());  // same name, another topic
  EXPECT_EQ(fs_->Write(c->entry.param.ino, c->opened.fh, "{}").status().code(), ENOENT);
  EXPECT_EQ(store_->Stat("t")->count, 0u);
  EXPECT_EQ(fs_->Flush(c->entry.param.ino, c->opened.fh).code(), ENOENT);
  fs_->Release(c->entry.param.ino, c->opened.fh);
}

// Issue 16: the first read-only open of a document offers its bytes to the
// kernel's page cache before it is answered, so no READ (and, after it, no
// GETATTR for the atime a READ invalidates) reaches the daemon for them.
TEST_F(FilesystemTest, TheFirstReadOnlyOpenOfADocumentStoresItsBytesOnce) {
  std::mutex mu;
  std::vector<std::pair<uint64_t, std::string>> stored;
  fs_->SetPageStore([&](uint64_t ino, std::string_view data) {
    std::lock_guard<std::mutex> lock(mu);
    stored.emplace_back(ino, std::string(data));
  });
  Append("t", 2);
  const uint64_t dir = TopicIno("t");
  FsResult<Entry> d0 = fs_->Lookup(dir, "000000.json");
  FsResult<Entry> d1 = fs_->Lookup(dir, "000001.json");
  ASSERT_TRUE(d0.ok() && d1.ok());
  for (int i = 0; i < 3; ++i) {
    FsResult<Opened> o = fs_->Open(d0->param.ino, O_RDONLY);
    ASSERT_TRUE(o.ok());
    fs_->Release(d0->param.ino, o->fh);
  }
  ASSERT_EQ(stored.size(), 1u) << "only the first open stores";
  EXPECT_EQ(stored[0].first, d0->param.ino);
  EXPECT_EQ(stored[0].second, pdfs::testing::NumberedDoc(0));
  // Opened for writing first: its mmap may make the kernel read pages at any
  // time, so no open of that node stores.
  FsResult<Opened> w = fs_->Open(d1->param.ino, O_RDWR);
  ASSERT_TRUE(w.ok());
  FsResult<Opened> r = fs_->Open(d1->param.ino, O_RDONLY);
  ASSERT_TRUE(r.ok());
  fs_->Release(d1->param.ino, w->fh);
  fs_->Release(d1->param.ino, r->fh);
  EXPECT_EQ(stored.size(), 1u);
  // Forgotten, the inode's pages are gone with it: a new node stores again.
  fs_->Forget(d0->param.ino, 1);
  FsResult<Entry> again = fs_->Lookup(dir, "000000.json");
  ASSERT_TRUE(again.ok());
  FsResult<Opened> o = fs_->Open(again->param.ino, O_RDONLY);
  ASSERT_TRUE(o.ok());
  fs_->Release(again->param.ino, o->fh);
  EXPECT_EQ(stored.size(), 2u);
  // The follow file and files written to a topic have no pages to store.
  FsResult<Entry> f = fs_->Lookup(dir, ".follow");
  ASSERT_TRUE(f.ok());
  FsResult<Opened> fo = fs_->Open(f->param.ino, O_RDONLY);
  ASSERT_TRUE(fo.ok());
  fs_->Release(f->param.ino, fo->fh);
  FsResult<Created> c = fs_->Create(dir, "new.json", O_WRONLY);
  ASSERT_TRUE(c.ok());
  fs_->Release(c->entry.param.ino, c->opened.fh);
  EXPECT_EQ(stored.size(), 2u);
}

TEST_F(FilesystemTest, DocumentsAbovePageStoreLimitAreNotStored) {
  fs_.reset();
  FilesystemOptions fo;
  fo.page_store_limit = 7;  // NumberedDoc(0..9) is 7 bytes, 10 and up 8
  fs_ = std::make_unique<Filesystem>(backend_.get(), invalidator_.get(), fo);
  std::vector<uint64_t> stored;
  fs_->SetPageStore([&](uint64_t ino, std::string_view) { stored.push_back(ino); });
  Append("t", 11);
  const uint64_t dir = TopicIno("t");
  for (const char* name : {"000009.json", "000010.json"}) {
    FsResult<Entry> e = fs_->Lookup(dir, name);
    ASSERT_TRUE(e.ok());
    FsResult<Opened> o = fs_->Open(e->param.ino, O_RDONLY);
    ASSERT_TRUE(o.ok());
    fs_->Release(e->param.ino, o->fh);
  }
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0], fs_->Lookup(dir, "000009.json")->param.ino);
}

// No open of a node is answered while its bytes are being stored (the store
// waits for the kernel's page locks, which a reader's READ could hold).
TEST_F(FilesystemTest, AnOpenWaitsWhileAnotherOpenStoresTheSameDocument) {
  Append("t", 1);
  const uint64_t dir = TopicIno("t");
  FsResult<Entry> e = fs_->Lookup(dir, "000000.json");
  ASSERT_TRUE(e.ok());
  const uint64_t ino = e->param.ino;
  std::mutex mu;
  std::condition_variable cv;
  bool storing = false, second_started = false;
  std::vector<std::string> order;  // Guarded by mu.
  fs_->SetPageStore([&](uint64_t, std::string_view) {
    std::unique_lock<std::mutex> lock(mu);
    storing = true;
    cv.notify_all();
    cv.wait(lock, [&] { return second_started; });
    lock.unlock();
    // The second open is running now; it must not finish before this store.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    lock.lock();
    order.push_back("stored");
  });
  std::thread first([&] {
    FsResult<Opened> o = fs_->Open(ino, O_RDONLY);
    ASSERT_TRUE(o.ok());
    fs_->Release(ino, o->fh);
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return storing; });
  }
  std::thread second([&] {
    {
      std::lock_guard<std::mutex> lock(mu);
      second_started = true;
      cv.notify_all();
    }
    FsResult<Opened> o = fs_->Open(ino, O_RDONLY);
    ASSERT_TRUE(o.ok());
    std::lock_guard<std::mutex> lock(mu);
    order.push_back("second open answered");
    fs_->Release(ino, o->fh);
  });
  first.join();
  second.join();
  EXPECT_EQ(order, (std::vector<std::string>{"stored", "second open answered"}));
}

TEST_F(FilesystemTest, DocumentsRefuseChangesWithEperm) {
  Append("t", 3);
  const uint64_t dir = TopicIno("t");
  FsResult<Entry> e = fs_->Lookup(dir, "000001.json");
  ASSERT_TRUE(e.ok());
  const uint64_t ino = e->param.ino;
  EXPECT_EQ(fs_->Open(ino, O_WRONLY | O_TRUNC).status().code(), EPERM);
  FsResult<Opened> w = fs_->Open(ino, O_WRONLY);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->direct_io) << "refused writes never touch the page cache";
  EXPECT_EQ(fs_->Write(ino, w->fh, "{}").status().code(), EPERM);
  struct stat attr {};
  attr.st_size = 3;
  EXPECT_EQ(fs_->SetAttr(ino, attr, FUSE_SET_ATTR_SIZE).status().code(), EPERM);
  EXPECT_EQ(fs_->SetAttr(ino, attr, FUSE_SET_ATTR_MODE).status().code(), EPERM);
  EXPECT_EQ(store_->Stat("t")->count, 3u);
  attr.st_size = 0;
  FsResult<Attr> cut = fs_->SetAttr(ino, attr, FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_MTIME);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->st.st_size, 0);
  EXPECT_EQ(store_->Stat("t")->count, 1u);
  fs_->Release(ino, w->fh);
}

TEST_F(FilesystemTest, AFollowReadWaitsForTheNextDocumentAndIsAnsweredOnce) {
  Append("t", 2);
  const uint64_t dir = TopicIno("t");
  FsResult<Entry> f = fs_->Lookup(dir, ".follow");
  ASSERT_TRUE(f.ok());
  FsResult<Opened> o = fs_->Open(f->param.ino, O_RDONLY);
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->direct_io);
  EXPECT_FALSE(o->nonseekable) << "head -n 1 seeks back; a seek changes nothing";
  auto read = FollowRead(o->fh, 4096);
  EXPECT_FALSE(Await(*read, std::chrono::milliseconds(200))) << "starts at the end and waits";
  Append("t", 2, 2);
  ASSERT_TRUE(Await(*read));
  EXPECT_EQ(read->data,
            pdfs::testing::NumberedDoc(2) + "\n" + pdfs::testing::NumberedDoc(3) + "\n");

  auto interrupted = FollowRead(o->fh, 4096);
  interrupted->interrupted = true;
  fs_->Interrupt(interrupted.get());
  ASSERT_TRUE(Await(*interrupted));
  EXPECT_EQ(interrupted->error, EINTR);

  auto at_shutdown = FollowRead(o->fh, 4096);
  EXPECT_FALSE(Await(*at_shutdown, std::chrono::milliseconds(100)));
  fs_->Shutdown();
  ASSERT_TRUE(Await(*at_shutdown));
  EXPECT_EQ(at_shutdown->error, 0);
  EXPECT_EQ(at_shutdown->data, "") << "end of file";
  auto after = FollowRead(o->fh, 4096);
  ASSERT_TRUE(Await(*after));
  EXPECT_EQ(after->data, "");
  fs_->Release(f->param.ino, o->fh);
}

TEST_F(FilesystemTest, DeletingAFollowedTopicEndsItsReadsWithEndOfFile) {
  Append("t", 1);
  const uint64_t dir = TopicIno("t");
  FsResult<Entry> f = fs_->Lookup(dir, ".follow");
  FsResult<Opened> o = fs_->Open(f->param.ino, O_RDONLY);
  ASSERT_TRUE(o.ok());
  auto read = FollowRead(o->fh, 100);
  ASSERT_TRUE(store_->DeleteTopic("t").ok());
  ASSERT_TRUE(Await(*read));
  EXPECT_EQ(read->error, 0);
  EXPECT_EQ(read->data, "");
  fs_->Release(f->param.ino, o->fh);
}

// Issue 20: unlink removes exactly the named document — the first (a trim)
// or the last (a cut) — or is refused; no unlink takes others with it.
TEST_F(FilesystemTest, UnlinkTrimsTheFirstCutsTheLastAndRefusesTheRest) {
  Append("t", 5);
  const uint64_t dir = TopicIno("t");
  EXPECT_EQ(fs_->Unlink(dir, "000002.json").code(), EPERM);
  EXPECT_EQ(fs_->Unlink(dir, "000004.json").code(), 0);
  EXPECT_EQ(store_->Stat("t")->count, 4u);
  EXPECT_EQ(fs_->Unlink(dir, "0.json").code(), 0) << "any spelling of the name";
  Result<TopicMeta> meta = store_->Stat("t");
  EXPECT_EQ(meta->first, 1u);
  EXPECT_EQ(meta->count, 4u);
  EXPECT_EQ(store_->Get("t", 3)->data, pdfs::testing::NumberedDoc(3)) << "locations are kept";
  EXPECT_EQ(fs_->Unlink(dir, "000000.json").code(), ENOENT);
  EXPECT_EQ(fs_->Unlink(dir, "000004.json").code(), ENOENT);
  EXPECT_EQ(fs_->Unlink(dir, "000002.json").code(), EPERM);
  EXPECT_EQ(fs_->Unlink(dir, "nothing").code(), ENOENT);
  // Down to one document, which is both: it goes, the topic is empty.
  EXPECT_EQ(fs_->Unlink(dir, "000001.json").code(), 0);
  EXPECT_EQ(fs_->Unlink(dir, "000003.json").code(), 0);
  EXPECT_EQ(fs_->Unlink(dir, "000002.json").code(), 0);
  EXPECT_EQ(store_->Stat("t")->documents(), 0u);
  EXPECT_EQ(store_->Stat("t")->count, 2u) << "the only document goes as the last: a cut";
  EXPECT_EQ(fs_->RemoveDir(kRootIno, "t").code(), 0) << "so rm -rf ends with rmdir";
}

TEST_F(FilesystemTest, FtruncateToZeroCutsAtCloseUnlessTheSameFileWrites) {
  Append("t", 5);
  const uint64_t dir = TopicIno("t");
  FsResult<Entry> e = fs_->Lookup(dir, "000003.json");
  ASSERT_TRUE(e.ok());
  const uint64_t ino = e->param.ino;
  struct stat zero {};
  // Cut at flush (close()).
  FsResult<Opened> w = fs_->Open(ino, O_WRONLY);
  ASSERT_TRUE(w.ok());
  FsResult<Attr> set = fs_->SetAttr(ino, zero, FUSE_SET_ATTR_SIZE, w->fh);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->st.st_size, 7) << "nothing changes before the close";
  EXPECT_EQ(store_->Stat("t")->count, 5u);
  EXPECT_EQ(fs_->Flush(ino, w->fh).code(), 0);
  EXPECT_EQ(store_->Stat("t")->count, 3u);
  fs_->Release(ino, w->fh);
  EXPECT_EQ(store_->Stat("t")->count, 3u);

  // A write cancels it: an editor's save in place.
  e = fs_->Lookup(dir, "000001.json");
  ASSERT_TRUE(e.ok());
  w = fs_->Open(e->param.ino, O_WRONLY);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(fs_->SetAttr(e->param.ino, zero, FUSE_SET_ATTR_SIZE, w->fh).ok());
  EXPECT_EQ(fs_->Write(e->param.ino, w->fh, "{}").status().code(), EPERM);
  EXPECT_EQ(fs_->SetAttr(e->param.ino, zero, FUSE_SET_ATTR_SIZE, w->fh).status().code(), EPERM)
      << "this file wrote: no cut through it any more";
  EXPECT_EQ(fs_->Flush(e->param.ino, w->fh).code(), 0);
  fs_->Release(e->param.ino, w->fh);
  EXPECT_EQ(store_->Stat("t")->count, 3u);

  // No flush came: the cut is done at release.
  w = fs_->Open(e->param.ino, O_WRONLY);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(fs_->SetAttr(e->param.ino, zero, FUSE_SET_ATTR_SIZE, w->fh).ok());
  fs_->Release(e->param.ino, w->fh);
  EXPECT_EQ(store_->Stat("t")->count, 1u);
  EXPECT_EQ(fs_->open_files(), 0u);
}

TEST_F(FilesystemTest, MetadataStepsSucceedWithoutEffectWhereTheyCannotApply) {
  Append("t", 1);
  const uint64_t dir = TopicIno("t");
  FsResult<Entry> doc = fs_->Lookup(dir, "000000.json");
  ASSERT_TRUE(doc.ok());
  struct stat attr {};
  attr.st_mode = S_IFREG | 0644;
  attr.st_uid = ::getuid();
  attr.st_gid = ::getgid();
  const int all = FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID | FUSE_SET_ATTR_ATIME |
                  FUSE_SET_ATTR_MTIME;
  FsResult<Attr> same = fs_->SetAttr(doc->param.ino, attr, all);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->st.st_mtim.tv_sec, doc->param.attr.st_mtim.tv_sec) << "times stay";
  attr.st_mode = S_IFREG | 0600;
  EXPECT_EQ(fs_->SetAttr(doc->param.ino, attr, FUSE_SET_ATTR_MODE).status().code(), EPERM);
  attr.st_uid = ::getuid() + 1;
  EXPECT_EQ(fs_->SetAttr(doc->param.ino, attr, FUSE_SET_ATTR_UID).status().code(), EPERM);
  attr.st_mode = S_IFDIR | 0755;
  EXPECT_TRUE(fs_->SetAttr(dir, attr, FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_MTIME).ok());
  // A file being written takes anything but a size it did not write.
  FsResult<Created> c = fs_->Create(dir, "x", O_WRONLY | O_CREAT);
  ASSERT_TRUE(c.ok());
  const uint64_t ino = c->entry.param.ino;
  attr.st_mode = S_IFREG | 0600;
  EXPECT_TRUE(fs_->SetAttr(ino, attr, all).ok());
  ASSERT_EQ(*fs_->Write(ino, c->opened.fh, "{\"a\":1}"), 7u);
  attr.st_size = 7;
  EXPECT_TRUE(fs_->SetAttr(ino, attr, FUSE_SET_ATTR_SIZE, c->opened.fh).ok());
  attr.st_size = 3;
  EXPECT_EQ(fs_->SetAttr(ino, attr, FUSE_SET_ATTR_SIZE, c->opened.fh).status().code(), EPERM);
  fs_->Release(ino, c->opened.fh);
  fs_->Forget(ino, 1);
  EXPECT_EQ(store_->Stat("t")->count, 2u);
}

TEST_F(FilesystemTest, AWrittenNameAnswersLookupWhileOpenAndForAGraceAfterTheLastClose) {
  ASSERT_TRUE(store_->CreateTopic("t").ok());
  const uint64_t dir = TopicIno("t");
  FsResult<Created> c = fs_->Create(dir, "new.json", O_WRONLY | O_CREAT);
  ASSERT_TRUE(c.ok());
  const uint64_t ino = c->entry.param.ino;
  std::this_thread::sleep_for(2 * kGrace);
  FsResult<Entry> open = fs_->Lookup(dir, "new.json");
  ASSERT_TRUE(open.ok()) << "visible as long as it is open";
  EXPECT_EQ(open->param.ino, ino);
  fs_->Forget(ino, 1);
  // Opened again by name (`>>` twice): a stream of its own.
  FsResult<Opened> again = fs_->Open(ino, O_WRONLY | O_APPEND);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(*fs_->Write(ino, c->opened.fh, "{\"a\":"), 5u);
  ASSERT_EQ(*fs_->Write(ino, again->fh, "{\"b\":2}"), 7u);
  ASSERT_EQ(*fs_->Write(ino, c->opened.fh, "1}"), 2u);
  EXPECT_EQ(store_->Get("t", 0)->data, "{\"b\":2}");
  EXPECT_EQ(store_->Get("t", 1)->data, "{\"a\":1}");
  fs_->Release(ino, again->fh);
  fs_->Release(ino, c->opened.fh);
  EXPECT_TRUE(fs_->Lookup(dir, "new.json").ok()) << "just closed";
  fs_->Forget(ino, 1);
  const auto deadline = std::chrono::steady_clock::now() + 20 * kGrace;
  while (fs_->Lookup(dir, "new.json").ok() && std::chrono::steady_clock::now() < deadline) {
    fs_->Forget(ino, 1);
    std::this_thread::sleep_for(kGrace / 10);
  }
  EXPECT_EQ(fs_->Lookup(dir, "new.json").status().code(), ENOENT)
      << "gone once the grace has passed";
  fs_->Forget(ino, 1);  // the entry create handed out
  EXPECT_EQ(fs_->nodes().size(), 2u) << "root and topic";
}

TEST_F(FilesystemTest, RenameMovesOnlyAWrittenNameWithinItsTopic) {
  Append("t", 1);
  ASSERT_TRUE(store_->CreateTopic("u").ok());
  const uint64_t dir = TopicIno("t"), other = TopicIno("u");
  FsResult<Created> c = fs_->Create(dir, ".tmp", O_WRONLY | O_CREAT);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(fs_->Rename(dir, ".tmp", dir, "000000.json", 0).code(), EPERM);
  EXPECT_EQ(fs_->Rename(dir, ".tmp", dir, "000000.json", RENAME_NOREPLACE).code(), EEXIST);
  EXPECT_EQ(fs_->Rename(dir, ".tmp", other, "x", 0).code(), EPERM);
  EXPECT_EQ(fs_->Rename(dir, ".tmp", dir, ".follow", 0).code(), EPERM);
  EXPECT_EQ(fs_->Rename(dir, "000000.json", dir, "x", 0).code(), EPERM);
  EXPECT_EQ(fs_->Rename(dir, "missing", dir, "x", 0).code(), ENOENT);
  EXPECT_EQ(fs_->Rename(kRootIno, "t", kRootIno, "v", 0).code(), EPERM);
  EXPECT_EQ(fs_->Rename(dir, ".tmp", dir, "final.json", 0).code(), 0);
  EXPECT_EQ(fs_->Lookup(dir, ".tmp").status().code(), ENOENT);
  FsResult<Entry> moved = fs_->Lookup(dir, "final.json");
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->param.ino, c->entry.param.ino);
  fs_->Forget(moved->param.ino, 1);
  EXPECT_EQ(fs_->Unlink(dir, "final.json").code(), 0);
  EXPECT_EQ(fs_->Lookup(dir, "final.json").status().code(), ENOENT);
  fs_->Release(c->entry.param.ino, c->opened.fh);
}

TEST_F(FilesystemTest, XattrsOutsideTheUserNamespaceAreUnsupported) {
  Append("t", 1);
  const uint64_t dir = TopicIno("t");
  FsResult<Entry> doc = fs_->Lookup(dir, "000000.json");
  ASSERT_TRUE(doc.ok());
  for (uint64_t ino : {kRootIno, dir, doc->param.ino}) {
    EXPECT_EQ(fs_->GetXattr(ino, "security.selinux").status().code(), ENOTSUP);
    EXPECT_EQ(fs_->GetXattr(ino, "system.posix_acl_access").status().code(), ENOTSUP);
    EXPECT_EQ(fs_->GetXattr(ino, "user.other").status().code(), ENODATA);
  }
  EXPECT_EQ(*fs_->GetXattr(dir, "user.pdfs.count"), "1");
}

}  // namespace
}  // namespace pdfs::fs
