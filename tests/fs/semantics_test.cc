// Every claim of README.md ("Semantics" under "The mounted filesystem"), checked through POSIX
// calls on a real mount served by the real `pdfs mount` program. Each test's comment quotes the
// heading of the claim it checks. Scenarios are parameterised over backends: the local engine now,
// a remote server later.
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mount_fixture.h"

namespace pdfs {
namespace {

using json = nlohmann::json;
using namespace pdfs::testing;

enum class Backend { kLocal };
// Names the parameter in test listings.
void PrintTo(Backend, std::ostream* os) { *os << "local"; }

class SemanticsTest : public MountTestBase, public ::testing::WithParamInterface<Backend> {
 protected:
  json Meta(const std::string& topic) {
    int status = 0;
    std::string body = Get("/stream/" + topic, &status);
    if (status != 200) return json();
    return json::parse(body)[0];
  }
};

// "Listing: ls of the mount lists the topics"
TEST_P(SemanticsTest, RootListsTopics) {
  Post("alpha", "{}");
  Post("beta", "{}");
  ASSERT_EQ(::mkdir(Path("gamma").c_str(), 0755), 0);
  std::vector<std::string> names = ListDir(mnt_);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", "beta", "gamma"}));
  struct stat st;
  ASSERT_EQ(::stat(Path("alpha").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
}

// "mkdir creates an empty topic"
TEST_P(SemanticsTest, MkdirCreatesAnEmptyTopic) {
  ASSERT_EQ(::mkdir(Path("t").c_str(), 0700), 0);
  json meta = Meta("t");
  ASSERT_TRUE(meta.is_object());
  EXPECT_EQ(meta["count"], 0);
  struct stat st;
  ASSERT_EQ(::stat(Path("t").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u) << "topics are always 0755";
}

// "mkdir refuses: EEXIST, EINVAL for a bad name, EPERM inside a topic"
TEST_P(SemanticsTest, MkdirRefusalsHaveErrnos) {
  ASSERT_EQ(::mkdir(Path("t").c_str(), 0755), 0);
  EXPECT_EQ(::mkdir(Path("t").c_str(), 0755), -1);
  EXPECT_EQ(errno, EEXIST);
  EXPECT_EQ(::mkdir(Path("bad name!").c_str(), 0755), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(::mkdir(Path(std::string(129, 'x')).c_str(), 0755), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(::mkdir(Path("t/sub").c_str(), 0755), -1);
  EXPECT_EQ(errno, EPERM);
  int status = 0;
  Get("/stream/bad%20name!", &status);
  EXPECT_NE(status, 200);
}

// "Listing a topic: 000000.json ... in location order"
TEST_P(SemanticsTest, TopicListsDocumentsInLocationOrder) {
  Seed("t", 12);
  std::vector<std::string> names = ListDir(Path("t"));
  ASSERT_EQ(names.size(), 12u);
  for (int i = 0; i < 12; ++i) {
    char want[32];
    std::snprintf(want, sizeof(want), "%06d.json", i);
    EXPECT_EQ(names[static_cast<size_t>(i)], want);
  }
}

// "Reading a document: exact bytes, st_size = byte length, mtime = append time"
TEST_P(SemanticsTest, CatReturnsExactBytesWithExactSizeAndAppendTime) {
  const std::string doc = "{\"k\":\"v\",\"n\":1.50,\"e\":\"\\u00e9\"}";
  const auto before = std::chrono::system_clock::now();
  json loc = json::parse(Post("t", "{ \"k\" : \"v\", \"n\" : 1.50, \"e\" : \"\\u00e9\" }"));
  const auto after = std::chrono::system_clock::now();
  ASSERT_EQ(loc["location"], 0);
  EXPECT_EQ(ReadAll(Path("t/000000.json")), doc);
  struct stat st;
  ASSERT_EQ(::stat(Path("t/000000.json").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_EQ(static_cast<size_t>(st.st_size), doc.size());
  const auto mtime = std::chrono::system_clock::time_point(
      std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec));
  EXPECT_GE(mtime + std::chrono::milliseconds(1), before);
  EXPECT_LE(mtime, after);
}

// "Unpadded names resolve (123.json), and are never listed"
TEST_P(SemanticsTest, UnpaddedNamesResolve) {
  Seed("t", 124);
  EXPECT_EQ(ReadAll(Path("t/123.json")), "{\"n\":123}");
  EXPECT_EQ(ReadAll(Path("t/0000123.json")), "{\"n\":123}");
  struct stat a, b;
  ASSERT_EQ(::stat(Path("t/7.json").c_str(), &a), 0);
  ASSERT_EQ(::stat(Path("t/000007.json").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "one document, one inode";
  int err = 0;
  ReadAll(Path("t/124.json"), &err);
  EXPECT_EQ(err, ENOENT);
  for (const std::string& n : ListDir(Path("t"))) EXPECT_EQ(n.size(), 11u) << n;
}

// "Appending: every complete JSON object written to a new name is one document, in order"
TEST_P(SemanticsTest, WritingANewNameAppendsEachObject) {
  ASSERT_EQ(::mkdir(Path("t").c_str(), 0755), 0);
  AppendOutcome out = AppendFile(Path("t/new.json"), {"{\"a\":1}\n{\"b\":2}\n", "{\"c\":3}"});
  ASSERT_EQ(out.writes.size(), 2u);
  EXPECT_EQ(out.writes[0].result, 16);
  EXPECT_EQ(out.writes[1].result, 7);
  EXPECT_EQ(out.close.result, 0);
  EXPECT_EQ(Get("/stream/t/0-"), "[{\"a\":1},{\"b\":2},{\"c\":3}]");
  // Pretty-printed objects too, minified on the way in.
  out = AppendFile(Path("t/pretty"), {"{\n  \"d\": [1, 2],\n  \"e\": {}\n}\n"});
  EXPECT_EQ(out.close.result, 0);
  EXPECT_EQ(ReadAll(Path("t/000003.json")), "{\"d\":[1,2],\"e\":{}}");
}

// "Appending: document boundaries come from the JSON, not from write() boundaries"
TEST_P(SemanticsTest, AnObjectSplitAcrossWritesIsAppendedWhenCompleted) {
  ASSERT_EQ(::mkdir(Path("t").c_str(), 0755), 0);
  int fd = ::open(Path("t/x").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "{\"a\":", 5), 5);
  EXPECT_EQ(Meta("t")["count"], 0) << "nothing is appended before the object completes";
  ASSERT_EQ(::write(fd, "1} {\"b\"", 7), 7);
  EXPECT_EQ(Meta("t")["count"], 1) << "appended when the write that completes it arrives";
  ASSERT_EQ(::write(fd, ":2}", 3), 3);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(Get("/stream/t/0-"), "[{\"a\":1},{\"b\":2}]");
}

// "Appending: the offset of a write is ignored; an appender only appends"
TEST_P(SemanticsTest, WriteOffsetsAreIgnoredAnAppenderOnlyAppends) {
  Seed("t", 2);
  int fd = ::open(Path("t/x").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::pwrite(fd, "{\"p\":1}", 7, 12345), 7);
  EXPECT_EQ(::pwrite(fd, "{\"p\":2}", 7, 0), 7);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(Get("/stream/t/2-"), "[{\"p\":1},{\"p\":2}]");
  EXPECT_EQ(ReadAll(Path("t/000000.json")), "{\"n\":0}") << "nothing was overwritten";
}

// "Appending: a syntax error gives a short count, or EINVAL if nothing before it was complete"
TEST_P(SemanticsTest, ASyntaxErrorGivesAShortCountThenEinval) {
  ASSERT_EQ(::mkdir(Path("t").c_str(), 0755), 0);
  int fd = ::open(Path("t/x").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ASSERT_GE(fd, 0);
  const std::string bytes = "{\"a\":1} {\"b\":}";
  ssize_t n = ::write(fd, bytes.data(), bytes.size());
  EXPECT_EQ(n, 7) << "the complete object before the error";
  n = ::write(fd, bytes.data() + 7, bytes.size() - 7);
  EXPECT_EQ(n, -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(::close(fd), 0) << "nothing is pending: the bad bytes were refused";
  EXPECT_EQ(Get("/stream/t/0-"), "[{\"a\":1}]");
  // Not an object at all.
  AppendOutcome out = AppendFile(Path("t/y"), {"[1,2]\n"});
  ASSERT_EQ(out.writes.size(), 1u);
  EXPECT_EQ(out.writes[0].err, EINVAL);
  EXPECT_EQ(Meta("t")["count"], 1);
}

// "Appending: a JSON array of objects appends its elements; a UTF-8 byte order mark is skipped"
TEST_P(SemanticsTest, ArraysAppendTheirElementsAndAByteOrderMarkIsPassedOver) {
  ASSERT_EQ(::mkdir(Path("t").c_str(), 0755), 0);
  AppendOutcome out =
      AppendFile(Path("t/x"), {"\xEF\xBB\xBF[{\"a\":1},", "{\"b\":2}]\n{\"c\":3}\n[]\n"});
  ASSERT_EQ(out.writes.size(), 2u);
  EXPECT_EQ(out.writes[0].result, 12);
  EXPECT_EQ(out.close.result, 0);
  EXPECT_EQ(Get("/stream/t/0-"), "[{\"a\":1},{\"b\":2},{\"c\":3}]");
  // Elements are appended as they complete; an array still open at close is EINVAL.
  out = AppendFile(Path("t/y"), {"[{\"d\":4},"});
  ASSERT_EQ(out.writes.size(), 1u);
  EXPECT_EQ(out.writes[0].result, 9);
  EXPECT_EQ(out.close.err, EINVAL);
  EXPECT_EQ(Meta("t")["count"], 4);
}

// "Appending: an incomplete object at close makes close() fail with EINVAL; it is dropped"
TEST_P(SemanticsTest, AnIncompleteObjectAtCloseIsEinvalAndDropped) {
  ASSERT_EQ(::mkdir(Path("t").c_str(), 0755), 0);
  AppendOutcome out = AppendFile(Path("t/x"), {"{\"a\":1}{\"b\":"});
  EXPECT_EQ(out.writes[0].result, 12);
  EXPECT_EQ(out.close.result, -1);
  EXPECT_EQ(out.close.err, EINVAL);
  EXPECT_EQ(Get("/stream/t/0-"), "[{\"a\":1}]");
  // The next appender starts afresh: the dropped bytes are gone.
  out = AppendFile(Path("t/x"), {"2}"});
  EXPECT_EQ(out.writes[0].err, EINVAL);
  EXPECT_EQ(Meta("t")["count"], 1);
}

// "Appending: pending bytes are kept until the last close (other descriptors may complete them)"
TEST_P(SemanticsTest, PendingBytesSurviveTheCloseOfADuplicateDescriptor) {
  ASSERT_EQ(::mkdir(Path("t").c_str(), 0755), 0);
  int fd = ::open(Path("t/x").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ASSERT_GE(fd, 0);
  int dup = ::dup(fd);
  ASSERT_EQ(::write(fd, "{\"a\":", 5), 5);
  EXPECT_EQ(::close(dup), -1);
  EXPECT_EQ(errno, EINVAL) << "flush reports the pending object";
  ASSERT_EQ(::write(fd, "1}", 2), 2);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(Get("/stream/t/0-"), "[{\"a\":1}]");
}

// "Appending: the name you wrote to is never listed; it answers lookup as an empty file while
// open and for a few seconds after the last close, then no more"
TEST_P(SemanticsTest, AWrittenNameIsNeverListedAndAnswersLookupOnlyWhileJustWritten) {
  ASSERT_EQ(::mkdir(Path("t").c_str(), 0755), 0);
  int fd = ::open(Path("t/new.json").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ASSERT_GE(fd, 0);
  struct stat st;
  EXPECT_EQ(::fstat(fd, &st), 0) << "the open file itself has attributes";
  EXPECT_EQ(st.st_size, 0);
  ASSERT_EQ(::write(fd, "{}", 2), 2);
  EXPECT_EQ(ListDir(Path("t")), std::vector<std::string>{"000000.json"});
  EXPECT_EQ(::close(fd), 0);
  // What cp -a, install, tar x and rsync do next, by name: it works.
  ASSERT_EQ(::stat(Path("t/new.json").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 0) << "an empty, write-only file";
  EXPECT_EQ(::chmod(Path("t/new.json").c_str(), 0600), 0);
  EXPECT_EQ(ListDir(Path("t")), std::vector<std::string>{"000000.json"}) << "never listed";
  EXPECT_TRUE(
      Eventually([&] { return ::stat(Path("t/new.json").c_str(), &st) == -1 && errno == ENOENT; },
                 std::chrono::seconds(20)))
      << "the name goes a few seconds after the last close";
  EXPECT_EQ(Get("/stream/t/0-"), "[{}]");
  // A name past the end is new, too: it appends where the stream ends.
  AppendOutcome out = AppendFile(Path("t/000005.json"), {"{\"b\":1}"});
  EXPECT_EQ(out.close.result, 0);
  EXPECT_EQ(ReadAll(Path("t/000001.json")), "{\"b\":1}");
}

// "Appending: a name in the root is refused with EPERM"
TEST_P(SemanticsTest, CreatingAFileInTheRootIsEperm) {
  AppendOutcome out = AppendFile(Path("file"), {"{}"});
  EXPECT_EQ(out.close.err, EPERM);
}

// "Truncating: truncate -s 0 doc (open O_WRONLY + ftruncate(0), or truncate(2)) cuts the stream
// there"
TEST_P(SemanticsTest, TruncateToZeroCutsTheStreamAtThatDocument) {
  Seed("t", 10);
  int fd = ::open(Path("t/000007.json").c_str(), O_WRONLY);
  ASSERT_GE(fd, 0) << "opening a document for writing is allowed";
  EXPECT_EQ(::ftruncate(fd, 0), 0);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(Meta("t")["count"], 7);
  EXPECT_EQ(::truncate(Path("t/000004.json").c_str(), 0), 0);
  EXPECT_EQ(Meta("t")["count"], 4);
  EXPECT_EQ(ListDir(Path("t")).size(), 4u);
  // The next append takes location 4 again.
  AppendOutcome out = AppendFile(Path("t/a"), {"{\"new\":4}"});
  EXPECT_EQ(out.close.result, 0);
  EXPECT_EQ(ReadAll(Path("t/000004.json")), "{\"new\":4}");
}

// "Removing: rm removes exactly the document named when it is the first or the last; any other
// is EPERM"
TEST_P(SemanticsTest, UnlinkRemovesOnlyTheFirstOrTheLastDocument) {
  Seed("t", 10);
  EXPECT_EQ(::unlink(Path("t/000003.json").c_str()), -1);
  EXPECT_EQ(errno, EPERM) << "a stream has no holes";
  EXPECT_EQ(Meta("t")["count"], 10);
  // The last: the next append takes its location again.
  EXPECT_EQ(::unlink(Path("t/000009.json").c_str()), 0);
  EXPECT_EQ(Meta("t")["count"], 9);
  // The first: the others keep their locations.
  EXPECT_EQ(::unlink(Path("t/000000.json").c_str()), 0);
  EXPECT_EQ(Get("/stream/t/0-"),
            "[{\"n\":1},{\"n\":2},{\"n\":3},{\"n\":4},{\"n\":5},{\"n\":6},"
            "{\"n\":7},{\"n\":8}]");
  EXPECT_EQ(ReadAll(Path("t/000008.json")), "{\"n\":8}");
  std::vector<std::string> names = ListDir(Path("t"));
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "000001.json");
  EXPECT_EQ(::unlink(Path("t/000000.json").c_str()), -1);
  EXPECT_EQ(errno, ENOENT) << "gone, so rm -f ignores it";
  EXPECT_EQ(::unlink(Path("t/000005.json").c_str()), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::unlink(Path("t/.follow").c_str()), -1);
  EXPECT_EQ(errno, EPERM);
  AppendOutcome out = AppendFile(Path("t/a"), {"{\"new\":9}"});
  EXPECT_EQ(out.close.result, 0);
  EXPECT_EQ(ReadAll(Path("t/000009.json")), "{\"new\":9}");
}

// "Truncating: the cut of ftruncate(0) happens at close; a write on the same file refuses the
// write with EPERM and cancels the cut (an editor saving in place)"
TEST_P(SemanticsTest, TheCutOfFtruncateHappensAtCloseAndAWriteCancelsIt) {
  Seed("t", 5);
  int fd = ::open(Path("t/000002.json").c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 0), 0);
  EXPECT_EQ(Meta("t")["count"], 5) << "not before the close";
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(Meta("t")["count"], 2) << "at the close";

  Seed("u", 5);
  fd = ::open(Path("u/000002.json").c_str(), O_WRONLY | O_CREAT, 0644);  // as vim opens
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 0), 0);
  EXPECT_EQ(::write(fd, "{\"n\":9}\n", 8), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(Get("/stream/u/0-"), "[{\"n\":0},{\"n\":1},{\"n\":2},{\"n\":3},{\"n\":4}]");
  EXPECT_EQ(ReadAll(Path("u/000002.json")), "{\"n\":2}");
}

// "Metadata steps: chmod and chown to the values a file has, and setting times, succeed without
// effect; other modes and owners are EPERM"
TEST_P(SemanticsTest, MetadataStepsToTheSameValuesSucceedWithoutEffect) {
  Seed("t", 1);
  struct stat before, after;
  ASSERT_EQ(::stat(Path("t/000000.json").c_str(), &before), 0);
  EXPECT_EQ(::chmod(Path("t/000000.json").c_str(), 0644), 0);
  EXPECT_EQ(::chown(Path("t/000000.json").c_str(), before.st_uid, before.st_gid), 0);
  EXPECT_EQ(::utimensat(AT_FDCWD, Path("t/000000.json").c_str(), nullptr, 0), 0);
  EXPECT_EQ(::chmod(Path("t").c_str(), 0755), 0);
  EXPECT_EQ(::utimensat(AT_FDCWD, Path("t").c_str(), nullptr, 0), 0);
  ASSERT_EQ(::stat(Path("t/000000.json").c_str(), &after), 0);
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec) << "the append time stays";
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_EQ(::chmod(Path("t/000000.json").c_str(), 0600), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::chmod(Path("t").c_str(), 0700), -1);
  EXPECT_EQ(errno, EPERM);
  // A file being written takes every metadata step (cp -a, install -m 600, mkstemp).
  int fd = ::open(Path("t/x").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::fchmod(fd, 0600), 0);
  EXPECT_EQ(::fchown(fd, before.st_uid, before.st_gid), 0);
  EXPECT_EQ(::futimens(fd, nullptr), 0);
  ASSERT_EQ(::write(fd, "{\"x\":1}", 7), 7);
  EXPECT_EQ(::ftruncate(fd, 7), 0) << "to the size written: no change";
  EXPECT_EQ(::ftruncate(fd, 9), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(Get("/stream/t/0-"), "[{\"n\":0},{\"x\":1}]");
}

// "Renaming: only a name a file was just written under can be renamed (rsync, atomic saves);
// documents keep their locations"
TEST_P(SemanticsTest, OnlyAJustWrittenNameCanBeRenamed) {
  Seed("t", 2);
  ASSERT_EQ(AppendFile(Path("t/.x.tmp"), {"{\"x\":1}\n"}).close.result, 0);
  EXPECT_EQ(::rename(Path("t/.x.tmp").c_str(), Path("t/x.json").c_str()), 0);
  struct stat st;
  EXPECT_EQ(::stat(Path("t/x.json").c_str(), &st), 0);
  EXPECT_EQ(::stat(Path("t/.x.tmp").c_str(), &st), -1);
  EXPECT_EQ(::rename(Path("t/x.json").c_str(), Path("t/000001.json").c_str()), -1);
  EXPECT_EQ(errno, EPERM) << "a document cannot be replaced";
  ASSERT_EQ(::mkdir(Path("u").c_str(), 0755), 0);
  EXPECT_EQ(::rename(Path("t/x.json").c_str(), Path("u/x.json").c_str()), -1);
  EXPECT_EQ(errno, EPERM) << "its documents are in t";
  EXPECT_EQ(::unlink(Path("t/x.json").c_str()), 0) << "rsync's clean-up: the name goes";
  EXPECT_EQ(Get("/stream/t/0-"), "[{\"n\":0},{\"n\":1},{\"x\":1}]") << "the document stays";
}

// "rmdir deletes an empty topic; a non-empty one is ENOTEMPTY"
TEST_P(SemanticsTest, RmdirDeletesOnlyAnEmptyTopic) {
  Seed("full", 2);
  ASSERT_EQ(::mkdir(Path("empty").c_str(), 0755), 0);
  EXPECT_EQ(::rmdir(Path("full").c_str()), -1);
  EXPECT_EQ(errno, ENOTEMPTY);
  EXPECT_EQ(Meta("full")["count"], 2);
  EXPECT_EQ(::rmdir(Path("empty").c_str()), 0);
  int status = 0;
  Get("/stream/empty", &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(::rmdir(Path("nothing").c_str()), -1);
  EXPECT_EQ(errno, ENOENT);
}

// "Documents are immutable: write() into one, open(O_TRUNC), ftruncate to non-zero are EPERM and
// change nothing"
TEST_P(SemanticsTest, ChangingADocumentIsEpermAndChangesNothing) {
  Seed("t", 3);
  const std::string before = Get("/stream/t/0-");
  int fd = ::open(Path("t/000001.json").c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::write(fd, "{}", 2), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::ftruncate(fd, 3), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(::open(Path("t/000001.json").c_str(), O_WRONLY | O_TRUNC), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::truncate(Path("t/000001.json").c_str(), 1), -1);
  EXPECT_EQ(errno, EPERM);
  fd = ::open(Path("t/000001.json").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::pwrite(fd, "X", 1, 0), -1);
  EXPECT_EQ(errno, EPERM);
  ::close(fd);
  EXPECT_EQ(Get("/stream/t/0-"), before);
  EXPECT_EQ(ReadAll(Path("t/000001.json")), "{\"n\":1}");
}

// "Extended attributes: user.pdfs.count and user.pdfs.size on a topic"
TEST_P(SemanticsTest, TopicsCarryCountAndSizeXattrs) {
  Seed("t", 3);  // {"n":0} ... 7 bytes each
  char buf[64];
  ssize_t n = ::getxattr(Path("t").c_str(), "user.pdfs.count", buf, sizeof(buf));
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "3");
  n = ::getxattr(Path("t").c_str(), "user.pdfs.size", buf, sizeof(buf));
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "21");
  n = ::listxattr(Path("t").c_str(), buf, sizeof(buf));
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)),
            std::string("user.pdfs.count\0user.pdfs.size\0", 31));
  EXPECT_EQ(::getxattr(Path("t").c_str(), "user.other", buf, sizeof(buf)), -1);
  EXPECT_EQ(errno, ENODATA);
  EXPECT_EQ(::getxattr(Path("t/000000.json").c_str(), "user.pdfs.count", buf, sizeof(buf)), -1);
  EXPECT_EQ(errno, ENODATA);
  // No security labels or ACLs: ENOTSUP, so ls -l and cp stop asking.
  for (const char* name : {"security.selinux", "system.posix_acl_access"}) {
    EXPECT_EQ(::getxattr(Path("t/000000.json").c_str(), name, buf, sizeof(buf)), -1);
    EXPECT_EQ(errno, ENOTSUP) << name;
  }
}

// "Extended attributes": the root's user.pdfs.fuse_requests counts the FUSE
// requests the daemon has received, by kind, and is not listed. Each open of
// a document is one OPEN and one RELEASE; none sends READ, not even the
// first, whose open puts the bytes into the page cache, nor GETATTR (issue 16).
std::map<std::string, uint64_t> FuseRequests(const std::string& root) {
  std::map<std::string, uint64_t> counts;
  char buf[4096];
  const ssize_t n = ::getxattr(root.c_str(), "user.pdfs.fuse_requests", buf, sizeof(buf));
  if (n < 0) return counts;
  std::istringstream in(std::string(buf, static_cast<size_t>(n)));
  std::string op;
  uint64_t count = 0;
  while (in >> op >> count) counts[op] = count;
  return counts;
}

TEST_P(SemanticsTest, TheRootCountsFuseRequestsByKind) {
  Seed("t", 1);
  std::map<std::string, uint64_t> before = FuseRequests(mnt_);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(ReadAll(Path("t/000000.json")), "{\"n\":0}");
    struct stat st {};  // asks for the atime a READ would have invalidated
    ASSERT_EQ(::stat(Path("t/000000.json").c_str(), &st), 0);
  }
  // RELEASE is sent in the background after close returns.
  EXPECT_TRUE(Eventually([&] { return FuseRequests(mnt_)["release"] == before["release"] + 5; }));
  std::map<std::string, uint64_t> after = FuseRequests(mnt_);
  EXPECT_GT(after["lookup"], before["lookup"]);
  EXPECT_EQ(after["open"], before["open"] + 5);
  EXPECT_EQ(after["read"], before["read"]);
  EXPECT_EQ(after["getattr"], before["getattr"]);
  EXPECT_GT(after["getxattr"], before["getxattr"]);
  char names[256];
  EXPECT_EQ(::listxattr(mnt_.c_str(), names, sizeof(names)), 0);
}

// "Not supported: rename, links, symlinks, chmod/chown, special files (EPERM); setxattr (ENOTSUP)"
TEST_P(SemanticsTest, UnsupportedOperationsFailWithDocumentedErrnos) {
  Seed("t", 2);
  EXPECT_EQ(::rename(Path("t/000001.json").c_str(), Path("t/000009.json").c_str()), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::rename(Path("t").c_str(), Path("u").c_str()), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::link(Path("t/000001.json").c_str(), Path("t/x").c_str()), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::symlink("000001.json", Path("t/x").c_str()), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::chmod(Path("t/000001.json").c_str(), 0600), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::chown(Path("t/000001.json").c_str(), 1, 1), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::mknod(Path("t/fifo").c_str(), S_IFIFO | 0644, 0), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::setxattr(Path("t").c_str(), "user.pdfs.count", "9", 1, 0), -1);
  EXPECT_EQ(errno, ENOTSUP);
  EXPECT_EQ(Get("/stream/t/0-"), "[{\"n\":0},{\"n\":1}]");
}

// "Inode numbers: a re-used location gets a fresh inode; a removed document's inode answers ESTALE"
TEST_P(SemanticsTest, ARemovedDocumentAnswersEstaleAndItsLocationGetsAFreshInode) {
  Seed("t", 3);
  struct stat old_st;
  ASSERT_EQ(::stat(Path("t/000002.json").c_str(), &old_st), 0);
  int fd = ::open(Path("t/000002.json").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  char buf[64];
  ASSERT_EQ(::pread(fd, buf, sizeof(buf), 0), 7);
  // Cut over HTTP, then append a new document at the same location.
  auto r = http().Delete("/stream/t/2");
  ASSERT_TRUE(r && r->status == 200);
  Post("t", "{\"n\":\"two\"}");
  // The open file's pages are invalidated and its reads answer ESTALE, never
  // the old or the new bytes.
  EXPECT_TRUE(
      Eventually([&] { return ::pread(fd, buf, sizeof(buf), 0) == -1 && errno == ESTALE; }));
  ::close(fd);
  struct stat new_st;
  ASSERT_EQ(::stat(Path("t/000002.json").c_str(), &new_st), 0);
  EXPECT_NE(new_st.st_ino, old_st.st_ino);
  EXPECT_EQ(ReadAll(Path("t/000002.json")), "{\"n\":\"two\"}");
}

// "statfs reports the space of the data directory's filesystem"
TEST_P(SemanticsTest, StatfsReportsTheDataDevice) {
  struct statvfs mount_st, data_st;
  ASSERT_EQ(::statvfs(mnt_.c_str(), &mount_st), 0);
  ASSERT_EQ(::statvfs(data_.c_str(), &data_st), 0);
  EXPECT_EQ(mount_st.f_blocks * mount_st.f_frsize, data_st.f_blocks * data_st.f_frsize);
}

// "fsync() on an appender returns at once; fallocate is EOPNOTSUPP"
TEST_P(SemanticsTest, FsyncOfAnAppenderSucceedsAndFallocateIsUnsupported) {
  ASSERT_EQ(::mkdir(Path("t").c_str(), 0755), 0);
  int fd = ::open(Path("t/x").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "{\"a\":1}{\"b\"", 11), 11);
  EXPECT_EQ(::fsync(fd), 0);
  EXPECT_EQ(Meta("t")["count"], 1) << "what the write completed is stored already";
  EXPECT_EQ(::fallocate(fd, 0, 0, 4096), -1);
  EXPECT_EQ(errno, EOPNOTSUPP);
  ASSERT_EQ(::write(fd, ":2}", 3), 3);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(Meta("t")["count"], 2);
}

INSTANTIATE_TEST_SUITE_P(Local, SemanticsTest, ::testing::Values(Backend::kLocal),
                         [](const ::testing::TestParamInfo<Backend>&) { return "LocalEngine"; });

// "If an append itself fails (disk full: ENOSPC), that write fails and so
// does every later write and the close of that file"
TEST(DiskFullTest, AppendsFailWithEnospcAndNothingIsStoredWhileReadsAndCutsWork) {
  PDFS_REQUIRE_FUSE();
  TempDir dir;
  const std::string data = dir.Sub("data"), mnt = dir.Sub("mnt");
  ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
  {
    MountedPdfs pdfs(data, mnt);
    ASSERT_TRUE(pdfs.ok());
    ASSERT_EQ(::mkdir((mnt + "/t").c_str(), 0755), 0);
    ASSERT_EQ(AppendFile(mnt + "/t/x", {"{\"n\":0}\n{\"n\":1}\n"}).close.result, 0);
  }
  // More free space than any disk has: every append is refused.
  MountedPdfs pdfs(data, mnt, {"-o", "min_free_space=4611686018427387904"});
  ASSERT_TRUE(pdfs.ok());
  int fd = ::open((mnt + "/t/x").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::write(fd, "{\"n\":2}", 7), -1);
  EXPECT_EQ(errno, ENOSPC);
  EXPECT_EQ(::write(fd, "{\"n\":3}", 7), -1);
  EXPECT_EQ(errno, ENOSPC) << "the appender stays failed";
  EXPECT_EQ(::close(fd), -1);
  EXPECT_EQ(errno, ENOSPC);
  EXPECT_EQ(::mkdir((mnt + "/u").c_str(), 0755), -1);
  EXPECT_EQ(errno, ENOSPC);
  EXPECT_EQ(ListDir(mnt + "/t"), (std::vector<std::string>{"000000.json", "000001.json"}));
  EXPECT_EQ(ReadAll(mnt + "/t/000001.json"), "{\"n\":1}");
  EXPECT_EQ(::unlink((mnt + "/t/000001.json").c_str()), 0) << "a full disk can still be tidied";
  EXPECT_EQ(ListDir(mnt + "/t").size(), 1u);
}

// -o retention_period=: the mounted service runs the retention pass too, and
// what it removes leaves the directory from the front, the rest keeping
// their names.
TEST(MountOptionsTest, RetentionPeriodOptionTrimsTopicsFromTheFront) {
  PDFS_REQUIRE_FUSE();
  TempDir dir;
  const std::string data = dir.Sub("data"), mnt = dir.Sub("mnt");
  ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
  MountedPdfs pdfs(data, mnt, {"-o", "retention_period=1"});
  ASSERT_TRUE(pdfs.ok());
  httplib::Result created = pdfs.Http()->Post(
      "/topic", R"({"name":"r","config":{"retention_messages":2}})", "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  ASSERT_EQ(
      AppendFile(mnt + "/r/x", {"{\"n\":0}{\"n\":1}{\"n\":2}{\"n\":3}{\"n\":4}"}).close.result, 0);
  const std::vector<std::string> kept = {"000003.json", "000004.json"};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (ListDir(mnt + "/r") != kept && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(ListDir(mnt + "/r"), kept);
  EXPECT_EQ(ReadAll(mnt + "/r/000003.json"), "{\"n\":3}");
}

}  // namespace
}  // namespace pdfs
