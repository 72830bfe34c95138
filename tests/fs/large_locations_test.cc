// Names past location 999,999 (issue 20, row 10). File names are the
// location zero-padded to 6 digits, so from 1,000,000 on they have 7 and
// more: sorted as text (ls, shell globs, sort) `1000000.json` comes before
// `999999.json`. What lists in location order, and so what to use on such
// topics: the directory's own order (ls -f, ls -U, find), and version sort
// (ls -v, sort -V). README, "Names and lookup".
#include <gtest/gtest.h>

#include <string>

#include "mount_fixture.h"
#include "pdfs/document.h"
#include "pdfs/store.h"

namespace pdfs {
namespace {

using namespace pdfs::testing;

// A topic whose stored documents are at locations 999,997 .. 1,000,002:
// appended by the engine directly (a million empty objects in a few
// seconds), trimmed from the front, then mounted.
class LargeLocationsTest : public MountTestBase {
 protected:
  void SetUp() override {
    {
      Options options;
      options.sync = false;
      Result<std::unique_ptr<Store>> store = Store::Open(options, dir_.Sub("data"));
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      std::string objects;
      for (int i = 0; i < 100000; ++i) objects += "{}";
      DocumentBatch batch;
      ASSERT_TRUE(
          DocumentParser::ParseAll(objects, DocumentParser::Shape::kObjectStream, {}, &batch).ok());
      for (int i = 0; i < 10; ++i) ASSERT_TRUE((*store)->Append("t", batch).ok());
      DocumentBatch last;
      ASSERT_TRUE(DocumentParser::ParseAll("{\"n\":1000000}{\"n\":1000001}{\"n\":1000002}",
                                           DocumentParser::Shape::kObjectStream, {}, &last)
                      .ok());
      ASSERT_TRUE((*store)->Append("t", last).ok());
      ASSERT_TRUE((*store)->TrimFront("t", 999997).ok());
    }
    MountTestBase::SetUp();  // mounts that data directory
  }

  RunResult Bash(const std::string& script) {
    return pdfs::testing::Run({"/bin/bash", "-c", "cd '" + mnt_ + "/t' && " + script});
  }
};

TEST_F(LargeLocationsTest, TextOrderPutsSevenDigitNamesFirstReaddirAndVersionOrderDoNot) {
  const std::string in_location_order =
      "999997.json\n999998.json\n999999.json\n1000000.json\n1000001.json\n1000002.json\n";
  const std::string in_text_order =
      "1000000.json\n1000001.json\n1000002.json\n999997.json\n999998.json\n999999.json\n";
  RunResult ls = Bash("LC_ALL=C ls");
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(ls.out, in_text_order) << "the pitfall this test documents";
  RunResult glob = Bash("LC_ALL=C; printf '%s\\n' *.json");
  EXPECT_EQ(glob.out, in_text_order) << "so `cat *.json` is out of location order";
  EXPECT_EQ(Bash("ls -f | grep json").out, in_location_order) << "the directory's own order";
  EXPECT_EQ(Bash("ls -U").out, in_location_order);
  EXPECT_EQ(Bash("find . -name '*.json' -printf '%f\\n'").out, in_location_order);
  EXPECT_EQ(Bash("ls -v").out, in_location_order) << "version sort";
  EXPECT_EQ(Bash("ls | sort -V").out, in_location_order);
  RunResult cat = Bash("ls -v | tail -n 3 | xargs cat");
  EXPECT_EQ(cat.out, "{\"n\":1000000}{\"n\":1000001}{\"n\":1000002}");
}

}  // namespace
}  // namespace pdfs
