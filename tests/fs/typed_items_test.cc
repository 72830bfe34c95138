// Items of any content type in the mount (docs/HUB.md; README,
// "Items of other types"): names by type from /etc/mime.types, the
// user.pdfs.content_type and user.hub.key xattrs, refusal of a wrong
// extension, and whole-file writes (`cp photo.png`) storing one item.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <vector>

#include "mount_fixture.h"
#include "pdfs/document.h"
#include "pdfs/hub/keys.h"
#include "pdfs/item.h"
#include "pdfs/store.h"

namespace pdfs {
namespace {

using namespace pdfs::testing;

const std::string kPng("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);

// Topic "t": a document, a PNG, text, JSON bytes that are not a document,
// a type mime.types does not list, and a document again, appended by the
// engine; then mounted with items limited to 4096 bytes.
class TypedItemsTest : public MountTestBase {
 protected:
  void SetUp() override {
    PDFS_REQUIRE_FUSE();
    {
      Options options;
      options.sync = false;
      Result<std::unique_ptr<Store>> store = Store::Open(options, dir_.Sub("data"));
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      DocumentBatch first, last;
      ASSERT_TRUE(
          DocumentParser::ParseAll("{\"a\":1}", DocumentParser::Shape::kObjectStream, {}, &first)
              .ok());
      ASSERT_TRUE(
          DocumentParser::ParseAll("{\"b\":2}", DocumentParser::Shape::kObjectStream, {}, &last)
              .ok());
      ItemBatch items;
      items.AddDocuments(first);
      ASSERT_TRUE(items.Add("image/png", kPng).ok());
      ASSERT_TRUE(items.Add("text/plain; charset=utf-8", "hello\n").ok());
      ASSERT_TRUE(items.Add("application/json", "[1, 2]").ok());
      ASSERT_TRUE(items.Add("application/x-pdfs-no-such-type", "zz").ok());
      items.AddDocuments(last);
      ASSERT_TRUE((*store)->Append("t", items).ok());
      for (uint64_t i = 0; i < 6; ++i) {
        Result<Record> r = (*store)->Get("t", i);
        ASSERT_TRUE(r.ok());
        records_.push_back(*r);
      }
    }
    data_ = dir_.Sub("data");
    mnt_ = dir_.Sub("mnt");
    ASSERT_EQ(::mkdir(mnt_.c_str(), 0755), 0);
    pdfs_ =
        std::make_unique<MountedPdfs>(data_, mnt_, std::vector<std::string>{"--max-body", "4096"});
    ASSERT_TRUE(pdfs_->ok());
    http_ = pdfs_->Http();
  }

  std::string Xattr(const std::string& path, const char* name, int* error = nullptr) {
    char buf[512];
    ssize_t n = ::getxattr(path.c_str(), name, buf, sizeof(buf));
    if (error != nullptr) *error = n < 0 ? errno : 0;
    return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
  }

  RunResult Bash(const std::string& script) {
    return pdfs::testing::Run({"/bin/bash", "-c", "M='" + mnt_ + "'; " + script});
  }

  std::vector<Record> records_;
};

const std::vector<std::string> kNames = {"000000.json", "000001.png", "000002.txt",
                                         "000003.json", "000004.bin", "000005.json"};

TEST_F(TypedItemsTest, ItemsAreNamedByTheirTypesExtension) {
  EXPECT_EQ(ListDir(Path("t")), kNames);
  RunResult ls = Bash("ls -f \"$M/t\" | grep -v '^\\.'");
  EXPECT_EQ(ls.out, "000000.json\n000001.png\n000002.txt\n000003.json\n000004.bin\n000005.json\n");
  RunResult ll = Bash("ls -l \"$M/t\" | wc -l");  // readdirplus
  EXPECT_EQ(ll.out, "7\n");
}

TEST_F(TypedItemsTest, ReadsGiveTheExactBytesAndStatTheirLength) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    EXPECT_EQ(ReadAll(Path("t/" + kNames[i])), records_[i].data) << kNames[i];
    struct stat st {};
    ASSERT_EQ(::stat(Path("t/" + kNames[i]).c_str(), &st), 0) << kNames[i];
    EXPECT_EQ(static_cast<size_t>(st.st_size), records_[i].data.size()) << kNames[i];
    EXPECT_EQ(st.st_mode & 07777, 0644u);
  }
  RunResult cat = Bash("cat \"$M/t/000002.txt\"");
  EXPECT_EQ(cat.out, "hello\n");
  EXPECT_EQ(ReadAll(Path("t/1.png")), kPng) << "unpadded names resolve too";
}

TEST_F(TypedItemsTest, EveryItemCarriesItsContentTypeAndHubKey) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    const std::string path = Path("t/" + kNames[i]);
    EXPECT_EQ(Xattr(path, "user.pdfs.content_type"), records_[i].content_type) << kNames[i];
    EXPECT_EQ(Xattr(path, "user.hub.key"),
              hub::KeyOf(records_[i].append_time_ms, records_[i].location).ToPath())
        << kNames[i];
  }
  EXPECT_EQ(Xattr(Path("t/000000.json"), "user.pdfs.content_type"), "application/json");
  EXPECT_EQ(Xattr(Path("t/000002.txt"), "user.pdfs.content_type"), "text/plain; charset=utf-8");
  char names[256];
  ssize_t n = ::listxattr(Path("t/000001.png").c_str(), names, sizeof(names));
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(names, static_cast<size_t>(n)),
            std::string("user.pdfs.content_type\0user.hub.key\0", 36));
  int error = 0;
  Xattr(Path("t/000001.png"), "user.other", &error);
  EXPECT_EQ(error, ENODATA);
}

// A historical insert (docs/HUB.md, "Historical channels") is a file at its
// location like any item, but its Hub key is the one it was inserted under.
TEST_F(TypedItemsTest, AHistoricalItemCarriesItsOwnHubKey) {
  auto put =
      http_->Put("/channel/h", R"({"mutableTime":"2020-01-01T00:00:00.000Z"})", "application/json");
  ASSERT_TRUE(put && put->status == 201) << (put ? put->body : "no answer");
  auto post = http_->Post("/channel/h/2019/06/01/12/00/00/000/abc", "old", "text/plain");
  ASSERT_TRUE(post && post->status == 201) << (post ? post->body : "no answer");
  EXPECT_EQ(ReadAll(Path("h/000000.txt")), "old");
  EXPECT_EQ(Xattr(Path("h/000000.txt"), "user.hub.key"), "2019/06/01/12/00/00/000/abc");
}

TEST_F(TypedItemsTest, AWrongExtensionNamesNothing) {
  struct stat st {};
  for (const char* wrong : {"t/000001.json", "t/000000.png", "t/000002.text", "t/000004.json",
                            "t/1.json", "t/000003.bin"}) {
    EXPECT_EQ(::stat(Path(wrong).c_str(), &st), -1) << wrong;
    EXPECT_EQ(errno, ENOENT) << wrong;
  }
  // Nor does unlink reach the item through another name.
  EXPECT_EQ(::unlink(Path("t/000005.png").c_str()), -1);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(ListDir(Path("t")), kNames);
  // The right name removes the last item, as for documents.
  EXPECT_EQ(::unlink(Path("t/000005.json").c_str()), 0);
  EXPECT_EQ(::unlink(Path("t/000000.json").c_str()), 0);
  EXPECT_EQ(ListDir(Path("t")),
            (std::vector<std::string>{"000001.png", "000002.txt", "000003.json", "000004.bin"}));
}

TEST_F(TypedItemsTest, CopyingABinaryFileStoresOneItemOfItsType) {
  std::string bytes = kPng;
  for (int i = 0; i < 3000; ++i) bytes.push_back(static_cast<char>(i * 7));
  const std::string src = dir_.Sub("photo.png");
  {
    std::ofstream out(src, std::ios::binary);
    out << bytes;
  }
  RunResult cp = Bash("cp '" + src + "' \"$M/t/\"");
  ASSERT_EQ(cp.exit_code, 0) << cp.err;
  std::vector<std::string> names = kNames;
  names.push_back("000006.png");
  // Stored at RELEASE, which the kernel sends after close() returns.
  EXPECT_TRUE(Eventually([&] { return ListDir(Path("t")) == names; }));
  EXPECT_EQ(ReadAll(Path("t/000006.png")), bytes);
  EXPECT_EQ(Xattr(Path("t/000006.png"), "user.pdfs.content_type"), "image/png");
  // Any extension mime.types lists, in any case; a shell redirection
  // (which closes a descriptor before the command writes) still makes one
  // item.
  ASSERT_EQ(
      Bash("{ /usr/bin/printf 'a,'; /usr/bin/printf 'b\\n'; } > \"$M/t/table.CSV\"").exit_code, 0);
  names.push_back("000007.csv");
  EXPECT_TRUE(Eventually([&] { return ListDir(Path("t")) == names; }));
  // An empty file is a zero-byte item.
  ASSERT_EQ(Bash(": > \"$M/t/empty.txt\"").exit_code, 0);
  names.push_back("000008.txt");
  EXPECT_TRUE(Eventually([&] { return ListDir(Path("t")) == names; }));
  EXPECT_EQ(ReadAll(Path("t/000007.csv")), "a,b\n");
  EXPECT_EQ(Xattr(Path("t/000007.csv"), "user.pdfs.content_type"), "text/csv");
  EXPECT_EQ(ReadAll(Path("t/000008.txt")), "");
  // .json, .jsonl, .ndjson and no extension stay JSON appenders.
  ASSERT_EQ(Bash("printf '{\"x\":1}{\"x\":2}' > \"$M/t/more.ndjson\"").exit_code, 0);
  EXPECT_EQ(ReadAll(Path("t/000009.json")), "{\"x\":1}");
  EXPECT_EQ(ReadAll(Path("t/000010.json")), "{\"x\":2}");
  RunResult bad = Bash("printf 'not json' > \"$M/t/plain\"");
  EXPECT_NE(bad.exit_code, 0) << "an extensionless name parses JSON, as before";
}

TEST_F(TypedItemsTest, AFileOverTheItemLimitIsEfbigAndStoresNothing) {
  const int fd = ::open(Path("t/big.png").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  const std::string chunk(3000, 'x');
  EXPECT_EQ(::write(fd, chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
  EXPECT_EQ(::write(fd, chunk.data(), chunk.size()), -1) << "6000 > --max-body 4096";
  EXPECT_EQ(errno, EFBIG);
  EXPECT_EQ(::close(fd), -1) << "close reports that nothing was stored";
  EXPECT_EQ(errno, EFBIG);
  EXPECT_EQ(ListDir(Path("t")), kNames);
}

}  // namespace
}  // namespace pdfs
