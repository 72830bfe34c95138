// The follow file, TOPIC/.follow: a read blocks until a document exists
// past the reader's position and returns documents as JSON Lines; it starts
// at the end; Ctrl-C ends a waiting `cat`; deleting the topic or stopping
// the daemon ends it with end of file; it is hidden from listings.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "mount_fixture.h"
#include "support/proc_wait.h"

namespace pdfs {
namespace {

using namespace pdfs::testing;

class FollowTest : public MountTestBase {
 protected:
  // `cat TOPIC/.follow` as a child process, once it is blocked in read(2)
  // on the file (asked of /proc, see support/proc_wait.h).
  std::unique_ptr<Subprocess> Cat(const std::string& topic) {
    auto cat =
        std::make_unique<Subprocess>(std::vector<std::string>{"cat", Path(topic + "/.follow")});
    EXPECT_TRUE(
        WaitUntilBlockedReading(cat->pid(), "/" + topic + "/.follow", std::chrono::seconds(10)))
        << "cat did not block in read(): " << DescribeThreads(cat->pid());
    return cat;
  }
};

TEST_F(FollowTest, CatFollowPrintsDocumentsAppendedAfterItStarted) {
  Post("t", "{\"old\":true}");
  auto cat = Cat("t");
  Post("t", "[{\"n\":1},{\"n\":2}]");
  ASSERT_EQ(AppendFile(Path("t/x"), {"{\"n\":3}\n"}).close.result, 0);
  std::string line;
  ASSERT_TRUE(cat->ReadLine(&line, std::chrono::seconds(10)));
  EXPECT_EQ(line, "{\"n\":1}") << "starts at the end: the old document is not repeated";
  ASSERT_TRUE(cat->ReadLine(&line, std::chrono::seconds(10)));
  EXPECT_EQ(line, "{\"n\":2}");
  ASSERT_TRUE(cat->ReadLine(&line, std::chrono::seconds(10)));
  EXPECT_EQ(line, "{\"n\":3}");
  EXPECT_TRUE(cat->running()) << "and waits for more";
}

TEST_F(FollowTest, CtrlCEndsAWaitingCat) {
  Post("t", "{}");
  auto cat = Cat("t");
  cat->Signal(SIGINT);
  int status = cat->Wait(std::chrono::seconds(10));
  ASSERT_NE(status, -1) << "cat did not end within 10 s of SIGINT";
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
  // The mount is unaffected.
  Post("t", "{\"after\":1}");
  EXPECT_EQ(ReadAll(Path("t/000001.json")), "{\"after\":1}");
}

TEST_F(FollowTest, DeletingTheTopicEndsTheFollowWithEndOfFile) {
  Post("t", "{}");
  auto cat = Cat("t");
  ASSERT_EQ(http().Delete("/stream/t")->status, 200);
  int status = cat->Wait(std::chrono::seconds(10));
  ASSERT_TRUE(WIFEXITED(status)) << "cat did not end";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(FollowTest, AfterATruncationBelowItsPositionReappendedDocumentsAreDelivered) {
  Post("t", "[{\"n\":0},{\"n\":1},{\"n\":2}]");
  auto cat = Cat("t");  // at location 3
  ASSERT_EQ(http().Delete("/stream/t/1")->status, 200);
  Post("t", "{\"n\":\"1b\"}");
  std::string line;
  ASSERT_TRUE(cat->ReadLine(&line, std::chrono::seconds(10)));
  EXPECT_EQ(line, "{\"n\":\"1b\"}");
}

TEST_F(FollowTest, ADocumentLongerThanAReadContinuesInTheNextRead) {
  Post("t", "{}");
  int fd = ::open(Path("t/.follow").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  const std::string doc = "{\"pad\":\"" + std::string(100, 'x') + "\"}";
  Post("t", doc);
  std::string got;
  char buf[7];
  while (got.size() < doc.size() + 1) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    ASSERT_GT(n, 0);
    EXPECT_LE(n, 7);
    got.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(got, doc + "\n");
  ::close(fd);
}

TEST_F(FollowTest, TheFollowFileIsHiddenAndReadOnly) {
  Post("t", "{}");
  EXPECT_EQ(ListDir(Path("t")), std::vector<std::string>{"000000.json"});
  struct stat st;
  ASSERT_EQ(::stat(Path("t/.follow").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_EQ(st.st_size, 0) << "so tail -f, which polls the size, cannot follow it";
  EXPECT_EQ(::open(Path("t/.follow").c_str(), O_WRONLY), -1);
  // With default_permissions the kernel checks the mode first: a user other
  // than root is refused there (EACCES); root passes it and pdfs says EPERM.
  EXPECT_EQ(errno, ::geteuid() == 0 ? EPERM : EACCES);
  RunResult rf = pdfs::testing::Run({"rm", "-rf", Path("t")});
  EXPECT_EQ(rf.exit_code, 0) << rf.err;
}

TEST_F(FollowTest, ManyWaitingFollowersTakeNoWorkerThreads) {
  Post("t", "{}");
  // More followers than the daemon has FUSE worker threads (10 by default).
  std::vector<std::unique_ptr<Subprocess>> cats;
  for (int i = 0; i < 30; ++i) {
    cats.push_back(
        std::make_unique<Subprocess>(std::vector<std::string>{"cat", Path("t/.follow")}));
  }
  for (auto& cat : cats) {
    ASSERT_TRUE(WaitUntilBlockedReading(cat->pid(), "/t/.follow", std::chrono::seconds(10)))
        << DescribeThreads(cat->pid());
  }
  // All 30 wait in read() at once, and the mount still answers everything
  // else.
  EXPECT_EQ(ListDir(Path("t")).size(), 1u);
  ASSERT_EQ(AppendFile(Path("t/x"), {"{\"to\":\"all\"}"}).close.result, 0);
  for (auto& cat : cats) {
    std::string line;
    ASSERT_TRUE(cat->ReadLine(&line, std::chrono::seconds(10)));
    EXPECT_EQ(line, "{\"to\":\"all\"}");
  }
}

TEST_F(FollowTest, StoppingTheDaemonEndsAWaitingCatAndUnmounts) {
  Post("t", "{}");
  auto cat = Cat("t");
  http_.reset();  // an idle keep-alive connection would delay the HTTP server's stop
  int status = pdfs_->Stop();
  ASSERT_TRUE(WIFEXITED(status)) << "pdfs did not stop within 30 s: " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  status = cat->Wait(std::chrono::seconds(10));
  ASSERT_TRUE(WIFEXITED(status)) << "cat did not end";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "end of file, no error: " << cat->stderr_text();
  EXPECT_FALSE(IsMounted(mnt_));
}

}  // namespace
}  // namespace pdfs
