// Every row of the README's filesystem semantics through the real shell tools
// (ls, mkdir, cat, echo >> as bash's builtin and /bin/echo, cp, truncate,
// rm, rm -rf, rmdir, stat, getfattr) on a mount served by the real `pdfs
// mount` program, checked against the HTTP face of the same process.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mount_fixture.h"

namespace pdfs {
namespace {

using json = nlohmann::json;
using namespace pdfs::testing;

class ShellTest : public MountTestBase {
 protected:
  // Runs `script` with bash in the mount's root.
  RunResult Bash(const std::string& script) {
    return pdfs::testing::Run({"/bin/bash", "-c", "cd '" + mnt_ + "' && " + script});
  }
  uint64_t Count(const std::string& topic) {
    int status = 0;
    std::string body = Get("/stream/" + topic, &status);
    return status == 200 ? json::parse(body)[0]["count"].get<uint64_t>() : 0;
  }
};

TEST_F(ShellTest, LsListsTopicsAndTheirDocuments) {
  Seed("metrics", 3);
  Post("logs", "{}");
  RunResult root = Bash("ls");
  EXPECT_EQ(root.exit_code, 0) << root.err;
  EXPECT_EQ(root.out, "logs\nmetrics\n");
  RunResult topic = Bash("ls metrics");
  EXPECT_EQ(topic.out, "000000.json\n000001.json\n000002.json\n");
  RunResult all = Bash("ls -a metrics");
  EXPECT_EQ(all.out, ".\n..\n000000.json\n000001.json\n000002.json\n") << "no hidden names";
  RunResult longer = Bash("ls -l metrics | tail -n +2 | awk '{print $1, $5, $9}'");
  EXPECT_EQ(longer.out,
            "-rw-r--r-- 7 000000.json\n-rw-r--r-- 7 000001.json\n-rw-r--r-- 7 000002.json\n");
}

TEST_F(ShellTest, MkdirCreatesATopicAndRmdirDeletesAnEmptyOne) {
  RunResult made = Bash("mkdir t && ls");
  EXPECT_EQ(made.exit_code, 0) << made.err;
  EXPECT_EQ(made.out, "t\n");
  EXPECT_EQ(Get("/stream/t"), "[{\"topic\":\"t\",\"size\":0,\"count\":0}]");
  Post("t", "{}");
  RunResult full = Bash("rmdir t");
  EXPECT_EQ(full.exit_code, 1);
  EXPECT_NE(full.err.find("Directory not empty"), std::string::npos) << full.err;
  Post("u", "{}");
  ASSERT_EQ(http().Delete("/stream/u/0")->status, 200);
  RunResult empty = Bash("rmdir u && ls");
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(empty.out, "t\n");
}

TEST_F(ShellTest, CatPrintsTheDocumentByteForByte) {
  Post("t", "{\"msg\": \"hello\",   \"n\": 1e3}");
  RunResult cat = Bash("cat t/000000.json");
  EXPECT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_EQ(cat.out, "{\"msg\":\"hello\",\"n\":1e3}");
  EXPECT_EQ(Bash("cat t/0.json").out, cat.out) << "unpadded names resolve";
}

TEST_F(ShellTest, EchoAppendsWithTheBuiltinAndWithBinEcho) {
  ASSERT_EQ(Bash("mkdir t").exit_code, 0);
  RunResult builtin = Bash("echo '{\"a\":1}' >> t/new.json");
  EXPECT_EQ(builtin.exit_code, 0) << builtin.err;
  RunResult bin = Bash("/bin/echo '{\"b\":2}' >> t/new.json");
  EXPECT_EQ(bin.exit_code, 0) << bin.err;
  RunResult sh = pdfs::testing::Run({"/bin/sh", "-c", "echo '{\"c\":3}' >> '" + Path("t/x") + "'"});
  EXPECT_EQ(sh.exit_code, 0) << sh.err;
  EXPECT_EQ(Get("/stream/t/0-"), "[{\"a\":1},{\"b\":2},{\"c\":3}]");
  RunResult ls = Bash("ls -a t");
  EXPECT_EQ(ls.out, ".\n..\n000000.json\n000001.json\n000002.json\n")
      << "the names written to are never listed";
}

TEST_F(ShellTest, EchoOfInvalidJsonReportsTheErrorAndAppendsNothing) {
  ASSERT_EQ(Bash("mkdir t").exit_code, 0);
  RunResult builtin = Bash("echo '{\"a\": nope}' >> t/new.json");
  EXPECT_NE(builtin.exit_code, 0);
  EXPECT_NE(builtin.err.find("write error: Invalid argument"), std::string::npos) << builtin.err;
  RunResult bin = Bash("/bin/echo '[1, 2]' >> t/new.json");
  EXPECT_NE(bin.exit_code, 0);
  EXPECT_NE(bin.err.find("write error: Invalid argument"), std::string::npos) << bin.err;
  RunResult incomplete = Bash("/bin/echo '{\"a\":' >> t/new.json");
  EXPECT_NE(incomplete.exit_code, 0) << "close() reports the incomplete object";
  EXPECT_NE(incomplete.err.find("Invalid argument"), std::string::npos) << incomplete.err;
  EXPECT_EQ(Count("t"), 0u);
  RunResult into_doc = Bash("echo '{}' >> t/new.json && echo x > t/000000.json");
  EXPECT_NE(into_doc.exit_code, 0);
  EXPECT_NE(into_doc.err.find("Operation not permitted"), std::string::npos) << into_doc.err;
  EXPECT_EQ(Get("/stream/t/0-"), "[{}]");
}

TEST_F(ShellTest, CpAndCatRedirectAppendOneDocumentPerObject) {
  ASSERT_EQ(Bash("mkdir t").exit_code, 0);
  ASSERT_TRUE(WriteFile(dir_.Sub("many.jsonl"), "{\"i\":0}\n{\"i\":1}\n{\n  \"i\": 2\n}\n"));
  RunResult cp = Bash("cp '" + dir_.Sub("many.jsonl") + "' t/batch");
  EXPECT_EQ(cp.exit_code, 0) << cp.err;
  RunResult cat = Bash("cat '" + dir_.Sub("many.jsonl") + "' > t/batch");
  EXPECT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_EQ(Get("/stream/t/0-"), "[{\"i\":0},{\"i\":1},{\"i\":2},{\"i\":0},{\"i\":1},{\"i\":2}]");
  RunResult back = Bash("cat t/*");
  EXPECT_EQ(back.out, "{\"i\":0}{\"i\":1}{\"i\":2}{\"i\":0}{\"i\":1}{\"i\":2}");
}

TEST_F(ShellTest, TruncateToZeroCutsTheStreamAndOtherSizesAreRefused) {
  Seed("t", 6);
  RunResult cut = Bash("truncate -s 0 t/000004.json && ls t");
  EXPECT_EQ(cut.exit_code, 0) << cut.err;
  EXPECT_EQ(cut.out, "000000.json\n000001.json\n000002.json\n000003.json\n");
  EXPECT_EQ(Count("t"), 4u);
  RunResult grow = Bash("truncate -s 100 t/000001.json");
  EXPECT_NE(grow.exit_code, 0);
  EXPECT_NE(grow.err.find("Operation not permitted"), std::string::npos) << grow.err;
  EXPECT_EQ(Bash("cat t/000001.json").out, "{\"n\":1}");
}

TEST_F(ShellTest, RmRemovesTheFirstOrLastDocumentAndRmRfDeletesTheTopic) {
  Seed("t", 6);
  RunResult middle = Bash("rm t/000003.json");
  EXPECT_NE(middle.exit_code, 0);
  EXPECT_NE(middle.err.find("Operation not permitted"), std::string::npos) << middle.err;
  RunResult rm = Bash("rm t/000005.json t/000000.json && ls t");
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(rm.out, "000001.json\n000002.json\n000003.json\n000004.json\n");
  Seed("big", 500);
  RunResult rf = Bash("rm -rf big && ls");
  EXPECT_EQ(rf.exit_code, 0) << rf.err;
  EXPECT_EQ(rf.out, "t\n");
  int status = 0;
  Get("/stream/big", &status);
  EXPECT_EQ(status, 404);
}

TEST_F(ShellTest, StatShowsSizeModeAndAppendTime) {
  const long before = static_cast<long>(time(nullptr));
  Post("t", "{\"hello\":\"world\"}");
  RunResult st = Bash("stat -c '%s %a %F %Y' t/000000.json; stat -c '%a %F' t");
  EXPECT_EQ(st.exit_code, 0) << st.err;
  long size = 0, mtime = 0;
  char mode[16], kind[64];
  ASSERT_EQ(std::sscanf(st.out.c_str(), "%ld %15s %63[a-z ] %ld", &size, mode, kind, &mtime), 4)
      << st.out;
  EXPECT_EQ(size, 17);
  EXPECT_STREQ(mode, "644");
  EXPECT_STREQ(kind, "regular file ");
  EXPECT_GE(mtime, before);
  EXPECT_LE(mtime, static_cast<long>(time(nullptr)));
  EXPECT_NE(st.out.find("\n755 directory\n"), std::string::npos) << st.out;
  // A topic's size is the bytes of its documents; its mtime the last append.
  RunResult dir = Bash("stat -c '%s %Y' t");
  long dir_size = 0, dir_mtime = 0;
  ASSERT_EQ(std::sscanf(dir.out.c_str(), "%ld %ld", &dir_size, &dir_mtime), 2) << dir.out;
  EXPECT_EQ(dir_size, 17);
  EXPECT_EQ(dir_mtime, mtime);
}

TEST_F(ShellTest, GetfattrShowsCountAndSize) {
  Seed("t", 4);
  RunResult attrs = Bash("getfattr -d t");
  EXPECT_EQ(attrs.exit_code, 0) << attrs.err;
  EXPECT_EQ(attrs.out, "# file: t\nuser.pdfs.count=\"4\"\nuser.pdfs.size=\"28\"\n\n");
  RunResult one = Bash("getfattr --only-values -n user.pdfs.count t");
  EXPECT_EQ(one.out, "4");
  RunResult set = Bash("setfattr -n user.pdfs.count -v 9 t");
  EXPECT_NE(set.exit_code, 0);
  EXPECT_NE(set.err.find("Operation not supported"), std::string::npos) << set.err;
}

TEST_F(ShellTest, TouchAndTruncateOfANewNameSucceedAndAppendNothing) {
  Seed("t", 1);
  RunResult r = Bash("touch t/new && truncate -s 0 t/other && ls t");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "000000.json\n");
  const std::string mtime = Bash("stat -c %y t/000000.json").out;
  RunResult doc = Bash("touch t/000000.json");
  EXPECT_EQ(doc.exit_code, 0) << "setting times succeeds without effect: " << doc.err;
  EXPECT_EQ(Bash("stat -c %y t/000000.json").out, mtime) << "a document's mtime is its append time";
  EXPECT_EQ(Count("t"), 1u);
}

TEST_F(ShellTest, WriteThenRenameAppendsOnceAndSucceeds) {
  ASSERT_EQ(Bash("mkdir t").exit_code, 0);
  // What rsync and "atomic save" code do: the written name takes the final
  // name; the documents were appended as they were written.
  RunResult r = Bash("echo '{\"tmp\":1}' > t/.tmp.x && mv t/.tmp.x t/final");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Get("/stream/t/0-"), "[{\"tmp\":1}]");
}

TEST_F(ShellTest, MvLnAndChmodAreRefused) {
  Seed("t", 2);
  for (const char* cmd : {"mv t/000001.json t/000005.json", "mv t u", "ln t/000000.json t/x",
                          "ln -s 000000.json t/x", "chmod 600 t/000000.json"}) {
    RunResult r = Bash(cmd);
    EXPECT_NE(r.exit_code, 0) << cmd;
    EXPECT_NE(r.err.find("Operation not permitted"), std::string::npos) << cmd << ": " << r.err;
  }
  EXPECT_EQ(Get("/stream/t/0-"), "[{\"n\":0},{\"n\":1}]");
}

}  // namespace
}  // namespace pdfs
