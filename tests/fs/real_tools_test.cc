// The mount in the hands of ordinary tools (issue 20): each tool people use
// on files, run for real on a mount served by the real `pdfs mount`
// program, with both its exit status and the stream afterwards checked
// against the HTTP face of the same process.
//
// The rule under test (README, "Ordinary tools"): no tool loses data
// silently — every operation on a name affects that name only, or is
// refused — and a tool that stored exactly what it was asked to store exits
// with success. Before issue 20, vim's save, `mv` out of the mount, `cp -f`
// and `find -delete` cut later documents, and `cp -a`, `cp -p`, `install`,
// `rsync -a` and Python's copy2 failed after storing.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "mount_fixture.h"

namespace pdfs {
namespace {

using json = nlohmann::json;
using namespace pdfs::testing;

class RealToolsTest : public MountTestBase {
 protected:
  void SetUp() override {
    MountTestBase::SetUp();
    work_ = dir_.Sub("work");
    ASSERT_EQ(::mkdir(work_.c_str(), 0755), 0);
  }

  // Runs `script` with bash in a scratch directory beside the mount, with
  // $M the mountpoint and HOME the scratch directory (so no tool reads or
  // writes the user's configuration).
  RunResult Bash(const std::string& script) {
    return pdfs::testing::Run({"/usr/bin/env", "HOME=" + work_, "M=" + mnt_, "/bin/bash", "-c",
                               "cd '" + work_ + "' && " + script});
  }
  // The whole stream as one JSON array, over HTTP.
  std::string Stream(const std::string& topic) { return Get("/stream/" + topic + "/0-"); }
  uint64_t Count(const std::string& topic) {
    int status = 0;
    std::string body = Get("/stream/" + topic, &status);
    return status == 200 ? json::parse(body)[0]["count"].get<uint64_t>() : 0;
  }
  // n documents {"n":i}, as JSON text: what Seed(topic, n) stores.
  static std::string Seeded(int n, int from = 0) {
    std::string out = "[";
    for (int i = from; i < from + n; ++i)
      out += (i > from ? "," : "") + std::string("{\"n\":") + std::to_string(i) + "}";
    return out + "]";
  }
  void Local(const std::string& name, const std::string& contents) {
    ASSERT_TRUE(WriteFile(work_ + "/" + name, contents));
  }

  std::string work_;
};

// vim saves in place: open for writing (no O_TRUNC), ftruncate(0), write.
// The write is refused, which cancels the cut, and vim reports the failure.
TEST_F(RealToolsTest, VimScriptedSaveOfADocumentFailsAndCutsNothing) {
  Post("v", "[{\"v\":0},{\"v\":1},{\"v\":2},{\"v\":3}]");
  RunResult vim = Bash("vim -u NONE -i NONE -N -es -c '%s/2/9/' -c wq \"$M/v/000002.json\"");
  EXPECT_NE(vim.exit_code, 0) << "the edit was not stored";
  EXPECT_EQ(Stream("v"), "[{\"v\":0},{\"v\":1},{\"v\":2},{\"v\":3}]");
  EXPECT_EQ(ReadAll(Path("v/000002.json")), "{\"v\":2}") << "and the document reads as before";
}

// ed writes with open(O_TRUNC): refused with EPERM before anything changes.
TEST_F(RealToolsTest, EdWriteOfADocumentIsRefusedAndChangesNothing) {
  Seed("e", 3);
  RunResult ed = Bash("printf '1,$s/1/8/\\nw\\nq\\n' | ed -s \"$M/e/000001.json\"");
  EXPECT_NE(ed.exit_code, 0);
  EXPECT_NE(ed.err.find("Operation not permitted"), std::string::npos) << ed.err;
  EXPECT_EQ(Stream("e"), Seeded(3));
}

// sed -i writes the edited copy to a new name in the directory (an
// appender, so it is appended), then renames it over the document, which
// is refused: a document cannot change. sed says so and exits non-zero.
TEST_F(RealToolsTest, SedInPlaceAppendsTheEditedCopyAndFailsAtTheRename) {
  Seed("s", 3);
  RunResult sed = Bash("sed -i 's/1/7/' \"$M/s/000001.json\"");
  EXPECT_NE(sed.exit_code, 0);
  EXPECT_NE(sed.err.find("cannot rename"), std::string::npos) << sed.err;
  EXPECT_EQ(Stream("s"), "[{\"n\":0},{\"n\":1},{\"n\":2},{\"n\":7}]");
}

TEST_F(RealToolsTest, MvIntoTheMountAppendsAndRemovesTheSource) {
  ASSERT_EQ(::mkdir(Path("t").c_str(), 0755), 0);
  Local("in.json", "{\"in\": 1}\n");
  RunResult mv = Bash("mv in.json \"$M/t/\"");
  EXPECT_EQ(mv.exit_code, 0) << mv.err;
  EXPECT_EQ(Stream("t"), "[{\"in\":1}]");
  struct stat st;
  EXPECT_NE(::stat((work_ + "/in.json").c_str(), &st), 0) << "the source is gone";
}

// mv out copies, then unlinks: only the first or the last document can go.
TEST_F(RealToolsTest, MvOutOfTheMountMovesTheFirstDocumentAndRefusesAMiddleOne) {
  Seed("tz", 10);
  RunResult middle = Bash("mv \"$M/tz/000001.json\" x.json");
  EXPECT_EQ(middle.exit_code, 1);
  EXPECT_NE(middle.err.find("cannot remove"), std::string::npos) << middle.err;
  EXPECT_EQ(Stream("tz"), Seeded(10)) << "no later document went with it";
  EXPECT_EQ(ReadFile(work_ + "/x.json"), "{\"n\":1}") << "mv had copied it";

  RunResult first = Bash("mv \"$M/tz/000000.json\" y.json");
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(ReadFile(work_ + "/y.json"), "{\"n\":0}");
  EXPECT_EQ(Stream("tz"), Seeded(9, 1));
  EXPECT_EQ(ReadAll(Path("tz/000005.json")), "{\"n\":5}") << "the others keep their locations";

  RunResult all = Bash("mkdir archive && mv \"$M\"/tz/*.json archive/ && ls archive | wc -l");
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.out, "9\n");
  EXPECT_EQ(Stream("tz"), "[]");
  EXPECT_EQ(ReadFile(work_ + "/archive/000009.json"), "{\"n\":9}");
}

TEST_F(RealToolsTest, MvWithinTheMountRenamesOnlyANameJustWritten) {
  Seed("w", 2);
  RunResult doc = Bash("mv \"$M/w/000001.json\" \"$M/w/000009.json\"");
  EXPECT_EQ(doc.exit_code, 1);
  EXPECT_NE(doc.err.find("Operation not permitted"), std::string::npos) << doc.err;
  RunResult saved =
      Bash("echo '{\"tmp\":1}' > \"$M/w/.save.tmp\" && mv \"$M/w/.save.tmp\" \"$M/w/final.json\"");
  EXPECT_EQ(saved.exit_code, 0) << saved.err;
  EXPECT_EQ(Stream("w"), "[{\"n\":0},{\"n\":1},{\"tmp\":1}]");
}

TEST_F(RealToolsTest, CpCpACpPAndInstallAppendOnceAndSucceed) {
  ASSERT_EQ(::mkdir(Path("t").c_str(), 0755), 0);
  Local("f.json", "{\"f\": 1}\n");
  ASSERT_EQ(::chmod((work_ + "/f.json").c_str(), 0600), 0) << "a mode the mount does not have";
  for (const char* cmd :
       {"cp f.json \"$M/t/\"", "cp -a f.json \"$M/t/\"", "cp -p f.json \"$M/t/\"",
        "install -m 644 f.json \"$M/t/\"", "install -m 600 f.json \"$M/t/g.json\"",
        "cp -a f.json \"$M/t/f.json\""}) {
    const uint64_t before = Count("t");
    RunResult r = Bash(cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd << ": " << r.err;
    EXPECT_EQ(Count("t"), before + 1) << cmd;
  }
  EXPECT_EQ(Stream("t"), "[{\"f\":1},{\"f\":1},{\"f\":1},{\"f\":1},{\"f\":1},{\"f\":1}]");
  // The documents keep the mount's attributes.
  struct stat st;
  ASSERT_EQ(::stat(Path("t/000001.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

// cp -f over a document: open(O_TRUNC) is refused, so cp unlinks the name
// and tries again. A middle document cannot be unlinked; the first can.
TEST_F(RealToolsTest, CpFOverADocumentReplacesOnlyTheFirstAndNeverCutsLaterOnes) {
  Seed("tz", 10);
  Local("r.json", "{\"r\":1}\n");
  RunResult middle = Bash("cp -f r.json \"$M/tz/000002.json\"");
  EXPECT_NE(middle.exit_code, 0);
  EXPECT_EQ(Stream("tz"), Seeded(10)) << "documents 3-9 are still there";
  RunResult first = Bash("cp -f r.json \"$M/tz/000000.json\"");
  EXPECT_EQ(first.exit_code, 0) << first.err;
  std::string want = Seeded(9, 1);
  want.insert(want.size() - 1, ",{\"r\":1}");
  EXPECT_EQ(Stream("tz"), want) << "the first document went, and the copy was appended";
}

TEST_F(RealToolsTest, TarCOfATopicAndTarXIntoANewTopicCopyItInOrder) {
  Seed("src", 5);
  RunResult c = Bash("tar cf t.tar -C \"$M\" src && tar tf t.tar");
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(c.out,
            "src/\nsrc/000000.json\nsrc/000001.json\nsrc/000002.json\nsrc/000003.json\n"
            "src/000004.json\n");
  RunResult x = Bash("tar xf t.tar -C \"$M\" --transform 's,^src,dst,'");
  EXPECT_EQ(x.exit_code, 0) << x.err;
  EXPECT_EQ(Stream("dst"), Seeded(5));
  EXPECT_EQ(Stream("src"), Seeded(5));
}

TEST_F(RealToolsTest, RsyncAAppendsEachFileOnceAndSucceeds) {
  ASSERT_EQ(::mkdir(Path("r").c_str(), 0755), 0);
  RunResult made =
      Bash("mkdir src && for i in 1 2 3; do echo \"{\\\"r\\\":$i}\" > src/r$i.json; done");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  RunResult rsync = Bash("rsync -a src/ \"$M/r/\"");
  EXPECT_EQ(rsync.exit_code, 0) << rsync.err;
  EXPECT_EQ(Stream("r"), "[{\"r\":1},{\"r\":2},{\"r\":3}]");
}

// The names rsync wrote are not documents, so a second run finds none of
// its files and sends them again: each run appends (README warning).
TEST_F(RealToolsTest, RsyncRTwiceAppendsTwice) {
  ASSERT_EQ(::mkdir(Path("r").c_str(), 0755), 0);
  ASSERT_EQ(
      Bash("mkdir src && echo '{\"a\":1}' > src/a.json && echo '{\"b\":2}' > src/b.json").exit_code,
      0);
  RunResult first = Bash("rsync -r src/ \"$M/r/\"");
  EXPECT_EQ(first.exit_code, 0) << first.err;
  RunResult second = Bash("rsync -r src/ \"$M/r/\"");
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(Stream("r"), "[{\"a\":1},{\"b\":2},{\"a\":1},{\"b\":2}]");
}

TEST_F(RealToolsTest, RsyncInplaceAppendsEachFileOnceAndSucceeds) {
  ASSERT_EQ(::mkdir(Path("r").c_str(), 0755), 0);
  ASSERT_EQ(
      Bash("mkdir src && echo '{\"a\":1}' > src/a.json && printf '{\"b\":2}\\n{\"c\":3}\\n' > "
           "src/b.json")
          .exit_code,
      0);
  RunResult rsync = Bash("rsync -a --inplace src/ \"$M/r/\"");
  EXPECT_EQ(rsync.exit_code, 0) << rsync.err;
  EXPECT_EQ(Stream("r"), "[{\"a\":1},{\"b\":2},{\"c\":3}]");
}

// Old documents go from the front, one by one; the new ones stay.
TEST_F(RealToolsTest, FindDeleteOfOldDocumentsKeepsTheNewOnes) {
  Seed("ret", 5);
  // mtimes have millisecond precision: keep the reference strictly between.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(Bash("touch ref").exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Post("ret", Seeded(5, 5));
  RunResult find = Bash("find \"$M/ret\" -name '*.json' ! -newer ref -delete");
  EXPECT_EQ(find.exit_code, 0) << find.err;
  EXPECT_EQ(Stream("ret"), Seeded(5, 5));
  EXPECT_EQ(Count("ret"), 10u) << "the new documents keep their locations";
  EXPECT_EQ(ListDir(Path("ret")),
            (std::vector<std::string>{"000005.json", "000006.json", "000007.json", "000008.json",
                                      "000009.json"}));
}

TEST_F(RealToolsTest, RmRfDeletesATopic) {
  Seed("gone", 300);
  Seed("kept", 2);
  RunResult rm = Bash("rm -rf \"$M/gone\"");
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  int status = 0;
  Get("/stream/gone", &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(Stream("kept"), Seeded(2));
}

TEST_F(RealToolsTest, PythonShutilCopy2AndOsReplaceStoreOnceAndSucceed) {
  ASSERT_EQ(::mkdir(Path("py").c_str(), 0755), 0);
  Local("f.json", "{\"f\": 1}\n");
  Local("copy.py",
        "import os, shutil, sys\n"
        "m = sys.argv[1]\n"
        "shutil.copy2('f.json', m + '/py/')\n"
        "with open(m + '/py/.final.json.tmp', 'w') as f:\n"
        "    f.write('{\"p\": 1}\\n')\n"
        "os.replace(m + '/py/.final.json.tmp', m + '/py/final.json')\n");
  RunResult py = Bash("python3 copy.py \"$M\"");
  EXPECT_EQ(py.exit_code, 0) << py.err;
  EXPECT_EQ(Stream("py"), "[{\"f\":1},{\"p\":1}]");
  // Replacing a document is refused: documents are immutable.
  Local("over.py",
        "import os, sys\n"
        "m = sys.argv[1]\n"
        "with open(m + '/py/.tmp', 'w') as f:\n"
        "    f.write('{\"p\": 2}\\n')\n"
        "os.replace(m + '/py/.tmp', m + '/py/000000.json')\n");
  RunResult over = Bash("python3 over.py \"$M\"");
  EXPECT_NE(over.exit_code, 0);
  EXPECT_NE(over.err.find("PermissionError"), std::string::npos) << over.err;
  EXPECT_EQ(Stream("py"), "[{\"f\":1},{\"p\":1},{\"p\":2}]")
      << "what was written is appended; the document is unchanged";
}

TEST_F(RealToolsTest, TouchAndChmodToTheSameModeSucceedWithoutEffect) {
  Seed("t", 2);
  struct stat before, after;
  ASSERT_EQ(::stat(Path("t/000001.json").c_str(), &before), 0);
  RunResult r = Bash(
      "touch \"$M/t/000001.json\" && chmod 644 \"$M/t/000001.json\" && "
      "chown \"$(id -u):$(id -g)\" \"$M/t/000001.json\" && chmod 755 \"$M/t\"");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(::stat(Path("t/000001.json").c_str(), &after), 0);
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec) << "the mtime is the append time";
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  RunResult other = Bash("chmod 600 \"$M/t/000001.json\"");
  EXPECT_NE(other.exit_code, 0) << "another mode is refused";
  EXPECT_NE(other.err.find("Operation not permitted"), std::string::npos) << other.err;
  EXPECT_EQ(Stream("t"), Seeded(2));
}

// Files written into the mount may be JSON arrays (as HTTP POST bodies
// may) and may start with a UTF-8 byte order mark.
TEST_F(RealToolsTest, CpOfAJsonArrayFileAndOfAFileWithAByteOrderMarkAppendTheirDocuments) {
  ASSERT_EQ(::mkdir(Path("a").c_str(), 0755), 0);
  Local("array.json", "[\n  {\"a\": 1},\n  {\"b\": 2}\n]\n");
  Local("bom.json", "\xEF\xBB\xBF{\"c\": 3}\r\n");
  RunResult cp = Bash("cp array.json \"$M/a/\" && cp bom.json \"$M/a/\"");
  EXPECT_EQ(cp.exit_code, 0) << cp.err;
  EXPECT_EQ(Stream("a"), "[{\"a\":1},{\"b\":2},{\"c\":3}]");
}

TEST_F(RealToolsTest, HeadOfTheFollowFilePrintsTheNextDocumentAndExitsZero) {
  Seed("f", 1);
  Subprocess head({"head", "-n", "1", Path("f/.follow")});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let it open at the end
  Post("f", "[{\"next\":1},{\"next\":2}]");
  std::string line;
  ASSERT_TRUE(head.ReadLine(&line, std::chrono::seconds(10)));
  EXPECT_EQ(line, "{\"next\":1}");
  const int status = head.Wait(std::chrono::seconds(10));
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << head.stderr_text();
  EXPECT_EQ(head.stderr_text(), "") << "no 'Illegal seek'";
  EXPECT_EQ(Stream("f"), "[{\"n\":0},{\"next\":1},{\"next\":2}]");
}

// tail -n +1 -f prints documents as they come (line-buffered, as on a
// terminal); plain tail -f waits for the end of the file to find the last
// lines, and a follow has no end, so it prints nothing (README).
TEST_F(RealToolsTest, TailFollowsTheFollowFileWithPlusOne) {
  Seed("f", 1);
  Subprocess tail({"stdbuf", "-oL", "tail", "-n", "+1", "-f", Path("f/.follow")});
  Subprocess plain({"stdbuf", "-oL", "tail", "-f", Path("f/.follow")});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Post("f", "{\"a\":1}");
  std::string line;
  ASSERT_TRUE(tail.ReadLine(&line, std::chrono::seconds(10)));
  EXPECT_EQ(line, "{\"a\":1}");
  Post("f", "{\"a\":2}");
  ASSERT_TRUE(tail.ReadLine(&line, std::chrono::seconds(10)));
  EXPECT_EQ(line, "{\"a\":2}");
  EXPECT_FALSE(plain.ReadLine(&line, std::chrono::milliseconds(500))) << line;
  for (Subprocess* p : {&tail, &plain}) {
    p->Signal(SIGTERM);
    const int status = p->Wait(std::chrono::seconds(10));
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  }
  EXPECT_EQ(Stream("f"), "[{\"n\":0},{\"a\":1},{\"a\":2}]");
}

}  // namespace
}  // namespace pdfs
