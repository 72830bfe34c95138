// Issue 20 (row 6): `pdfs follow` skipped documents appended again after a
// cut below its position — `pdfs follow pf --from-end &`, then `DELETE
// /stream/pf/2` and appends a, b, c, d: it printed only d, while a `cat
// pf/.follow` started at the same moment printed all four. A long-poll waits
// for a location, and the appends filled the locations it had passed.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include <httplib.h>

#include "support/pdfs_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace pdfs {
namespace {

using namespace pdfs::testing;
using std::chrono::seconds;

class Issue20FollowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<PdfsServe>(PDFS_BINARY, dir_.Sub("data"));
    ASSERT_TRUE(server_->ok());
    http_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }
  void Post(const std::string& body) {
    auto r = http_->Post("/stream/pf", body, "application/json");
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  }

  TempDir dir_;
  std::unique_ptr<PdfsServe> server_;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(Issue20FollowTest, DocumentsAppendedAgainAfterACutBelowThePositionAreFollowed) {
  Post("[{\"i\":0},{\"i\":1},{\"i\":2},{\"i\":3}]");
  Subprocess follow(
      {PDFS_BINARY, "follow", "pf", "--from", "4", "--wait", "2", "--url", server_->url()});
  // A first document shows that the follower is polling past it.
  Post("{\"marker\":4}");
  std::string line;
  ASSERT_TRUE(follow.ReadLine(&line, seconds(20))) << follow.stderr_text();
  ASSERT_EQ(line, "{\"marker\":4}");

  auto cut = http_->Delete("/stream/pf/2");
  ASSERT_TRUE(cut && cut->status == 200);
  for (const char* doc : {"{\"a\":2}", "{\"b\":3}", "{\"c\":4}", "{\"d\":5}"}) Post(doc);
  for (const char* want : {"{\"a\":2}", "{\"b\":3}", "{\"c\":4}", "{\"d\":5}"}) {
    ASSERT_TRUE(follow.ReadLine(&line, seconds(20))) << want << ": " << follow.stderr_text();
    EXPECT_EQ(line, want);
  }
  Post("{\"e\":6}");
  ASSERT_TRUE(follow.ReadLine(&line, seconds(20)));
  EXPECT_EQ(line, "{\"e\":6}") << "and on from there, once each";
  follow.Signal(SIGTERM);
  const int status = follow.Wait(seconds(20));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_NE(follow.stderr_text().find("was truncated to 2 documents"), std::string::npos)
      << follow.stderr_text();
}

}  // namespace
}  // namespace pdfs
